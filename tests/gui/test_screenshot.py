"""Render the main window with the demo collection to a PNG and check it shows something."""
from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QImage

from core import demo
from tests.gui.helpers import WAIT, select_artifact


def _distinct_colours(image: QImage, step: int = 3) -> int:
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
    return len(seen)


def _non_background(image: QImage, rect: QRect, background: int) -> int:
    count = 0
    for y in range(rect.top(), rect.bottom(), 2):
        for x in range(rect.left(), rect.right(), 2):
            if image.pixel(x, y) != background:
                count += 1
    return count


def test_main_window_with_demo_renders(qtbot, make_window, ws, tmp_path):
    demo.build_demo(ws)
    window = make_window()
    window.resize(1400, 900)
    # Pick the artifact with the longest history, and a version with a parent.
    artifacts = ws.history.list_artifacts()
    richest = max(artifacts, key=lambda a: len(ws.history.versions(a.id)))
    select_artifact(qtbot, window, richest.id)
    versions = ws.history.versions(richest.id)
    assert len(versions) >= 3
    child = next(v for v in versions if v.parent_id is not None)
    window.graph.select_version(child.id)
    window.browser.show_version(child.id)
    qtbot.wait(50)  # one event-loop turn so layouts settle before the grab

    path = tmp_path / "main-window.png"
    assert window.grab().save(str(path))
    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() >= 1000 and image.height() >= 600
    assert _distinct_colours(image) > 64

    # The graph area holds drawn nodes, not just its background.
    top_left = window.graph.viewport().mapTo(window, window.graph.viewport().rect().topLeft())
    area = QRect(top_left, window.graph.viewport().size())
    ratio = image.devicePixelRatio() or 1.0
    area = QRect(int(area.x() * ratio), int(area.y() * ratio), int(area.width() * ratio), int(area.height() * ratio))
    background = image.pixel(area.left() + 2, area.bottom() - 2)
    assert _non_background(image, area, background) > 200

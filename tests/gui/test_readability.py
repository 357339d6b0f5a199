"""The window is readable on a dark palette and at 200% scaling (rendered offscreen)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QColor, QImage, QPalette

from core import demo
from tests.gui.helpers import WAIT

ROOT = Path(__file__).resolve().parents[2]


def luminance(c: QColor) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def dark_palette() -> QPalette:
    pal = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#17181a"), (QPalette.ColorRole.AlternateBase, "#26282b"),
        (QPalette.ColorRole.Text, "#e8eaed"), (QPalette.ColorRole.Button, "#2b2d30"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"), (QPalette.ColorRole.Highlight, "#3b7ddd"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
        (QPalette.ColorRole.ToolTipBase, "#2b2d30"), (QPalette.ColorRole.ToolTipText, "#e8eaed"),
    ):
        pal.setColor(role, QColor(colour))
    return pal


def distinct(image: QImage, step: int = 5) -> int:
    return len({image.pixel(x, y) for y in range(0, image.height(), step) for x in range(0, image.width(), step)})


def test_dark_palette_window_is_readable(qtbot, qapp, make_window, ws, tmp_path):
    demo.build_demo(ws)
    old = qapp.palette()
    qapp.setPalette(dark_palette())
    try:
        window = make_window()
        window.resize(1400, 900)
        qtbot.waitUntil(lambda: window.compare.current_diff is not None, timeout=WAIT)
        image = window.grab().toImage()
        assert image.save(str(tmp_path / "dark.png"))
        assert distinct(image) > 64
        # Every text role the window draws with stands out from what it is drawn on.
        for widget in (window.graph, window.compare.diff_view, window.tree):
            pal = widget.palette()
            assert luminance(pal.color(QPalette.ColorRole.Base)) < 0.1  # the dark palette reached it
            assert contrast(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)) > 4.5
        style = window.graph.graph_style
        assert contrast(style.text, style.background) > 4.5
        # The graph's background really is painted dark (not a hard-coded white).
        corner = window.graph.viewport().mapTo(window, window.graph.viewport().rect().bottomLeft())
        ratio = image.devicePixelRatio() or 1.0
        bg = QColor(image.pixel(int((corner.x() + 4) * ratio), int((corner.y() - 4) * ratio)))
        assert luminance(bg) < 0.1
    finally:
        qapp.setPalette(old)


SCRIPT = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QSettings
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
app = QApplication([])
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[3])
from core import demo
from core.workspace import Workspace
from gui.shell.main_window import MainWindow
ws = Workspace.open(sys.argv[2])
demo.build_demo(ws)
w = MainWindow(ws, QSettings())
w.resize(1400, 900)
w.show()
app.processEvents()
image = w.grab().toImage()
image.save(sys.argv[4])
print("DPR", image.devicePixelRatio(), image.width(), image.height())
w.close()
ws.close()
"""


def test_window_renders_at_200_percent(tmp_path):
    out = tmp_path / "scaled.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT), str(tmp_path / "home"), str(tmp_path / "settings"), str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    dpr_line = next(line for line in proc.stdout.splitlines() if line.startswith("DPR"))
    _, dpr, width, height = dpr_line.split()
    assert float(dpr) == 2.0 and int(width) >= 2800 and int(height) >= 1800
    image = QImage(str(out))
    assert distinct(image) > 64
    # Text is drawn: the window's text colour occurs, and it contrasts with the window colour.
    pal = QPalette()
    assert contrast(pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window)) > 4.5
    dark_pixels = sum(
        1 for y in range(0, image.height(), 4) for x in range(0, image.width(), 4)
        if luminance(QColor(image.pixel(x, y))) < 0.1
    )
    assert dark_pixels > 500  # glyphs, not a blank or washed-out image

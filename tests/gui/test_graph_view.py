"""LineageView: items, clicks, keys, search, fit, exports, tooltip (pytest-qt, offscreen)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import networkx as nx
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from core.history import VersionInfo
from core.history.lineage import ghost_key
from gui.graph.items import NodeItem
from gui.graph.export import ExportError, export_graphml, export_png, export_svg
from gui.graph.legend import GraphLegend
from gui.graph.view import LineageView

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
LEGACY = "9f" * 32


def h(n: int) -> str:
    return f"{n:02d}" + f"{n * 7919:062x}"


def V(vid, parent=None, *, legacy=None, second=None, origin="sync", meta=None):
    return VersionInfo(vid, 1, h(vid), legacy or (h(parent) if parent else None), parent, second,
                       origin, T0 + timedelta(hours=vid), meta or {})


def history():
    """legacy → 1 → 2 → 3 → 5(merge of 3 and 4) → 6; 4 branches off 2."""
    return [
        V(1, legacy=LEGACY, meta={"resolved_commit": "c0ffee" * 6 + "abcd", "files_added": 2,
                                  "files_removed": 0, "files_changed": 1}),
        V(2, 1),
        V(3, 2, origin="local_modification"),
        V(4, 2, origin="deployment"),
        V(5, 3, second=4, origin="merge"),
        V(6, 5, meta={"matches_version": 2}),
    ]


@pytest.fixture
def view(qtbot):
    v = LineageView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    qtbot.waitExposed(v)
    v.set_versions(history(), 6)
    v.zoom_to_fit()
    return v


def click(qtbot, view, key, modifier=Qt.KeyboardModifier.NoModifier):
    pos = view.mapFromScene(view.node_item(key).scenePos())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, pos)


def test_empty_state_then_one_item_per_version_plus_ghost(qtbot):
    v = LineageView()
    qtbot.addWidget(v)
    assert v.node_count() == 0
    assert v.selected_version_id() is None
    v.set_versions(history(), None)
    nodes = [i for i in v.scene().items() if isinstance(i, NodeItem)]
    assert len(nodes) == 7
    assert {n.key for n in nodes} == {1, 2, 3, 4, 5, 6, ghost_key(LEGACY)}
    v.clear_graph()
    assert v.node_count() == 0
    assert not [i for i in v.scene().items() if isinstance(i, NodeItem)]


def test_newest_is_drawn_above_its_parent(view):
    for parent, child in [(1, 2), (2, 3), (3, 5), (4, 5), (5, 6)]:
        assert view.node_item(child).scenePos().y() < view.node_item(parent).scenePos().y()


def test_click_selects_and_emits(qtbot, view):
    with qtbot.waitSignal(view.versionSelected, timeout=1000) as sig:
        click(qtbot, view, 3)
    assert sig.args == [3]
    assert view.selected_version_id() == 3


def test_click_on_ghost_emits_its_hash(qtbot, view):
    with qtbot.waitSignal(view.ghostSelected, timeout=1000) as sig:
        click(qtbot, view, ghost_key(LEGACY))
    assert sig.args == [LEGACY]
    assert view.selected_version_id() is None


def test_click_on_background_selects_nothing(qtbot, view):
    spy = []
    view.versionSelected.connect(spy.append)
    far = view.mapFromScene(view.node_item(6).scenePos() + QPointF(-60, -200))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=far)
    assert spy == []


def test_ctrl_click_requests_compare(qtbot, view):
    click(qtbot, view, 2)
    with qtbot.waitSignal(view.compareRequested, timeout=1000) as sig:
        click(qtbot, view, 5, Qt.KeyboardModifier.ControlModifier)
    assert sig.args == [2, 5]
    assert view.selected_version_id() == 2
    ring = view.compare_ring()  # the compared version is marked in the graph
    assert ring.isVisible() and ring.pos() == view.node_pos(5)
    click(qtbot, view, 3)  # a plain selection ends the comparison
    assert not ring.isVisible()


def test_arrow_keys_move_to_parent_child_and_sibling(qtbot, view):
    view.select_version(5)
    seen = []
    view.versionSelected.connect(seen.append)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)  # parent (older, drawn below)
    assert view.selected_version_id() == 3
    qtbot.keyClick(view, Qt.Key.Key_Right)  # sibling in the same generation row
    assert view.selected_version_id() == 4
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.selected_version_id() == 3
    qtbot.keyClick(view, Qt.Key.Key_Up)  # child (newer, drawn above)
    assert view.selected_version_id() == 5
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.selected_version_id() == 6
    assert seen == [3, 4, 3, 5, 6]
    view.select_version(1)
    with qtbot.waitSignal(view.ghostSelected, timeout=1000):
        qtbot.keyClick(view, Qt.Key.Key_Down)


def test_select_version_does_not_emit(qtbot, view):
    seen = []
    view.versionSelected.connect(seen.append)
    view.select_version(4)
    view.select_version(999)  # unknown ids are ignored
    assert view.selected_version_id() == 4
    assert seen == []


def test_find_by_prefix_selects_newest_match(qtbot, view):
    with qtbot.waitSignal(view.versionSelected, timeout=1000) as sig:
        assert view.find_by_prefix(h(4)[:10].upper()) == 4
    assert sig.args == [4]
    assert view.selected_version_id() == 4
    assert view.find_by_prefix("0") in {1, 2, 3, 4, 5, 6}
    assert view.find_by_prefix("zz") is None
    assert view.find_by_prefix("") is None


def test_find_by_prefix_prefers_newest_when_ambiguous(qtbot):
    v = LineageView()
    qtbot.addWidget(v)
    same = [VersionInfo(i, 1, "abc" + f"{i:061x}", None if i == 1 else "x", i - 1 or None, None,
                        "sync", T0, {}) for i in range(1, 4)]
    v.set_versions(same, None)
    assert v.find_by_prefix("abc") == 3


def _viewport_contains_all(view):
    rect = view.viewport().rect()
    for key in [1, 2, 3, 4, 5, 6, ghost_key(LEGACY)]:
        p = view.mapFromScene(view.node_item(key).scenePos())
        if not rect.contains(p):
            return False
    return True


def test_zoom_to_fit_shows_every_node(qtbot, view):
    view.scale(6, 6)
    view.centerOn(view.node_item(6).scenePos())
    assert not _viewport_contains_all(view)
    view.zoom_to_fit()
    assert _viewport_contains_all(view)
    assert view.transform().m11() <= 1.0


def test_zoom_to_fit_does_not_blow_up_one_node(qtbot):
    v = LineageView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.set_versions([V(1)], None)
    v.zoom_to_fit()
    assert v.transform().m11() == pytest.approx(1.0)


def test_wheel_zooms(qtbot, view):
    before = view.transform().m11()
    pos = view.mapFromScene(view.node_item(3).scenePos())
    from PySide6.QtGui import QWheelEvent
    ev = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 240),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(ev)
    assert view.transform().m11() > before


def test_tooltip_has_full_hash_parent_commit_and_counts(view):
    text = view.node_tooltip(1)
    assert h(1) in text
    assert LEGACY in text and "never stored" in text
    assert "c0ffee" * 6 + "abcd" in text
    assert "2 added" in text and "1 changed" in text
    assert "UTC" in text
    assert "same content as v2" in view.node_tooltip(6)
    assert "second parent v4" in view.node_tooltip(5)


def test_tooltip_event_shows_the_hovered_node(qtbot, view, monkeypatch):
    shown = []
    monkeypatch.setattr("gui.graph.view.QToolTip.showText", lambda pos, text, *a: shown.append(text))
    from PySide6.QtGui import QHelpEvent
    pos = view.mapFromScene(view.node_item(3).scenePos())
    view.viewportEvent(QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)))
    assert shown and h(3) in shown[0]


def test_export_png_svg_graphml(qtbot, view, tmp_path):
    png = export_png(view, tmp_path / "g.png")
    img = QImage(str(png))
    assert not img.isNull()
    colours = {img.pixel(x, y) for x in range(0, img.width(), 3) for y in range(0, img.height(), 3)}
    assert len(colours) > 10
    assert img.width() > 400  # 2x

    svg = export_svg(view, tmp_path / "g.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 10

    gml = export_graphml(view, tmp_path / "g.graphml")
    g = nx.read_graphml(gml)
    assert g.number_of_nodes() == 7
    assert ("5", "6") in g.edges


def test_export_without_graph_says_so(qtbot, tmp_path):
    v = LineageView()
    qtbot.addWidget(v)
    with pytest.raises(ExportError, match="no graph"):
        export_png(v, tmp_path / "x.png")


def test_large_history_switches_to_overview_and_back(qtbot):
    v = LineageView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    chain = [V(1)] + [V(i, i - 1) for i in range(2, 801)]
    v.set_versions(chain, None)
    assert v.node_count() == 800
    v.zoom_to_fit()
    # Fit never shrinks labels below ~9 px: it fits the width and scrolls vertically.
    assert v.overview is False and v.transform().m11() * v.label_px() >= 9 - 1e-6
    assert v.fit_info().scrolls_vertically
    v.scale(0.05, 0.05)  # the wheel still zooms out that far: the overview
    assert v.overview is True
    img = v.viewport().grab().toImage()
    assert not img.isNull()
    v.resetTransform()
    assert v.overview is False
    v.select_version(400)
    assert v.selected_version_id() == 400


def test_legend_renders(qtbot):
    legend = GraphLegend()
    qtbot.addWidget(legend)
    legend.resize(300, 10)
    legend.show()
    assert legend.heightForWidth(300) > legend.heightForWidth(1200)
    img = legend.grab().toImage()
    assert len({img.pixel(x, y) for x in range(0, img.width(), 2) for y in range(0, img.height(), 2)}) > 5


def test_long_history_makes_node_items_only_for_bands_on_screen(qtbot, tmp_path):
    v = LineageView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    qtbot.waitExposed(v)
    chain = [V(1)] + [V(i, i - 1) for i in range(2, 2001)]
    v.set_versions(chain, None)
    assert v.node_count() == 2000
    assert v.transform().m11() == 1.0  # a long history opens at reading size on its head
    made = v.item_count()
    assert 0 < made < 2000 // 4  # the head's band and its neighbour, not the whole history
    # Scrolling to the root makes the items there; selecting and hit-testing never need them.
    v.select_version(1)
    assert v.item_count() > made
    pos = v.mapFromScene(v.node_pos(1))
    assert v.node_at(pos) == 1
    # A node asked for by key gets its item (with its band) on demand.
    assert v.node_item(1000).key == 1000
    # An export that shows labels makes every item first.
    export_png(v, tmp_path / "long.png")
    assert v.item_count() == 2000


def test_show_plan_draws_a_graph_planned_elsewhere(qtbot):
    from gui.graph.scene import plan_scene

    v = LineageView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    plan = plan_scene(history(), 6)  # what the window's loader makes on a worker
    v.show_plan(plan)
    assert v.node_count() == 7 and v.graph() is plan.graph
    v.select_version(3)
    assert v.selected_version_id() == 3

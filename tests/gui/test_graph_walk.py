"""The graph walked by keys, lit by selection and pointer, folded past a screenful (issue 16 §1–§2)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from gui.graph.scene import ViewOptions
from gui.graph.view import LineageView
from tests.core.test_lineage import V, chain, deployed_history, on
from tests.gui.helpers import wait_until_shown

ALT = Qt.KeyboardModifier.AltModifier


def hover(v, scene_point: QPointF) -> None:
    """Move the pointer over the graph with no button held (offscreen Qt delivers no hover by itself)."""
    pos = v.mapFromScene(scene_point)
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(v.viewport().mapToGlobal(pos)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(v.viewport(), event)


def view_of(qtbot, versions, options=None, size=(900, 700)) -> LineageView:
    v = LineageView()
    qtbot.addWidget(v)
    v.resize(*size)
    v.show()
    qtbot.waitExposed(v)
    v.set_versions(versions, None, options)
    return v


def press(qtbot, v, key, modifier=Qt.KeyboardModifier.NoModifier) -> list[int]:
    """Press a key on the graph; the versions it emitted."""
    seen: list[int] = []
    v.versionSelected.connect(seen.append)
    try:
        qtbot.keyClick(v, key, modifier)
    finally:
        v.versionSelected.disconnect(seen.append)
    return seen


def test_alt_down_walks_first_parents_and_alt_shift_down_the_second(qtbot):
    v = view_of(qtbot, deployed_history())
    v.select_version(7)
    assert press(qtbot, v, Qt.Key.Key_Down, ALT) == [4] and v.selected_version_id() == 4
    v.select_version(7)
    assert press(qtbot, v, Qt.Key.Key_Down, ALT | Qt.KeyboardModifier.ShiftModifier) == [6]
    assert press(qtbot, v, Qt.Key.Key_Down, ALT | Qt.KeyboardModifier.ShiftModifier) == []  # 6 has no second
    assert v.selected_version_id() == 6


@pytest.mark.qt_log_ignore("This plugin does not support")  # the offscreen platform and a popup menu
def test_alt_up_goes_to_the_only_child_and_offers_a_chooser_where_several(qtbot):
    v = view_of(qtbot, deployed_history())
    v.select_version(5)
    assert press(qtbot, v, Qt.Key.Key_Up, ALT) == [6]
    v.select_version(4)
    assert press(qtbot, v, Qt.Key.Key_Up, ALT) == []  # 7 (collection) and 11 (api redeploy): a chooser
    chooser = v.child_chooser
    assert chooser is not None and chooser.isVisible()
    actions = chooser.actions()
    assert [a.text().split(" · ")[0] for a in actions] == ["v7", "v9"]  # 7 (v7) on the same line first, then 11 (v9)
    assert chooser.activeAction() is actions[0]
    seen: list[int] = []
    v.versionSelected.connect(seen.append)
    actions[1].trigger()
    chooser.close()
    assert seen == [11] and v.selected_version_id() == 11


def test_home_end_and_ctrl_arrows_walk_lines_and_lanes(qtbot):
    v = view_of(qtbot, deployed_history())
    v.select_version(5)
    assert press(qtbot, v, Qt.Key.Key_Home) == [6]  # the web line's head
    assert press(qtbot, v, Qt.Key.Key_Home) == [7]  # again: the artifact's head
    assert press(qtbot, v, Qt.Key.Key_End) == [1]
    lane = {k: v.node_pos(k).x() for k in (1, 2, 3, 4, 5, 6, 7, 10, 11)}
    v.select_version(4)
    (right,) = press(qtbot, v, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert lane[right] > lane[4] and right == 10  # api's version nearest in time to 4
    (back,) = press(qtbot, v, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert lane[back] == lane[4]


def test_a_walk_scrolls_the_selection_into_view(qtbot):
    v = view_of(qtbot, chain(200), size=(500, 400))
    v.select_version(200)
    for _ in range(40):
        qtbot.keyClick(v, Qt.Key.Key_Down, ALT)
    assert v.selected_version_id() == 160
    assert v.viewport().rect().contains(v.mapFromScene(v.node_pos(160)))
    qtbot.keyClick(v, Qt.Key.Key_End)
    assert v.selected_version_id() == 1 and v.viewport().rect().contains(v.mapFromScene(v.node_pos(1)))


def test_selecting_lights_ancestors_and_descendants_and_ctrl_h_turns_it_off(qtbot):
    v = view_of(qtbot, deployed_history())
    v.select_version(6)
    assert v.lit_nodes() == {1, 2, 5, 6, 7}
    assert all(block.dim for block in v.built.blocks)
    with qtbot.waitSignal(v.highlightChanged) as sig:
        qtbot.keyClick(v, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert sig.args == [False] and v.lit_nodes() is None and not any(b.dim for b in v.built.blocks)
    v.select_version(3)
    assert v.lit_nodes() is None
    v.set_highlight_ancestry(True)
    assert v.lit_nodes() == {1, 2, 3, 4, 7, 11}


def test_dimmed_nodes_are_painted_fainter(qtbot):
    v = view_of(qtbot, deployed_history())
    v.select_version(6)
    v.viewport().update()
    image = v.viewport().grab().toImage()
    lit = image.pixelColor(v.mapFromScene(v.node_pos(5)))
    dim = image.pixelColor(v.mapFromScene(v.node_pos(10)))  # api's deployment: not related to 6
    background = image.pixelColor(QPoint(2, v.viewport().height() - 2))
    # A lit node keeps its full colour; a dimmed one is close to the background.
    assert abs(dim.lightness() - background.lightness()) < abs(lit.lightness() - background.lightness())


def test_edges_leaving_one_version_for_three_lanes_cross_on_three_tracks(qtbot):
    versions = [V(1), V(2, 1)] + [on(p, V(i, 2, origin="deployment")) for i, p in ((3, "a"), (4, "b"), (5, "c"))]
    v = view_of(qtbot, versions)
    ys = {v.plan.edges[(2, n)][1].y() for n in (3, 4, 5)}
    assert len(ys) == 3  # no two on one horizontal line


def test_the_edge_under_the_pointer_lights_with_its_two_ends(qtbot):
    v = view_of(qtbot, deployed_history())
    line = v.plan.edges[(4, 11)]  # the redeploy into api: a dashed edge across lanes
    middle = QPointF((line[1].x() + line[2].x()) / 2, line[1].y())
    hover(v, middle)
    assert v.hovered_edge() == (4, 11)
    item = v._hover_item
    assert item.isVisible() and item.ends == (line[0], line[-1])
    hover(v, v.node_pos(1))  # over a node's dot: no edge
    assert v.hovered_edge() is None and not item.isVisible()


def test_the_scroll_bar_marks_heads_merges_and_search_hits(qtbot):
    versions = chain(120) + [V(121, 120, origin="merge", second=60)]
    v = view_of(qtbot, versions, size=(500, 400))
    kinds = {kind for _f, kind in v.marker_bar.markers()}
    assert {"head", "merge"} <= kinds
    v.find_by_prefix(v.graph().nodes[30]["content_hash"])  # (these test hashes share long prefixes)
    hits = [f for f, kind in v.marker_bar.markers() if kind == "hit"]
    assert len(hits) == 1 and 0.5 < hits[0] < 1.0  # an old version: low on the bar


def test_a_long_history_is_folded_past_a_screenful_and_a_click_asks_to_unfold(qtbot):
    v = view_of(qtbot, chain(60), ViewOptions(screen_rows=20))
    folded = [n for n, d in v.graph().nodes(data=True) if d.get("folded")]
    assert folded and v.plan.max_row + 1 <= 20
    with qtbot.waitSignal(v.foldActivated) as sig:
        qtbot.mouseClick(v.viewport(), Qt.MouseButton.LeftButton, pos=v.mapFromScene(v.node_pos(folded[0])))
    assert sig.args == [folded[0], None]
    short = view_of(qtbot, chain(15), ViewOptions(screen_rows=20))
    assert not any(d.get("folded") for _n, d in short.graph().nodes(data=True))


def test_in_the_window_a_fold_unfolds_in_place_and_a_walk_key_opens_it(qtbot, make_window, ws):
    from bench.make_four_lines import record_four_lines

    record_four_lines(ws.history, 80)
    window = make_window()
    graph, browser = window.graph, window.browser
    folds = [n for n, d in graph.graph().nodes(data=True) if d.get("folded")]
    assert folds, "80 versions are more than a screenful: folded by default"
    key = folds[0]
    members = graph.graph().nodes[key]["members"]
    before = browser.shown_version
    graph.centerOn(graph.node_pos(key))
    qtbot.mouseClick(graph.viewport(), Qt.MouseButton.LeftButton, pos=graph.mapFromScene(graph.node_pos(key)))
    qtbot.waitUntil(lambda: browser.loading is None and members[0] in graph.graph())
    assert all(m in graph.graph() for m in members) and browser.shown_version == before
    # Alt+Down onto another fold: it opens, and its newest member is selected and compared.
    folds = [n for n, d in graph.graph().nodes(data=True) if d.get("folded")]
    assert folds
    fold = folds[0]
    after = next(iter(graph.graph().successors(fold)))
    newest = graph.graph().nodes[fold]["members"][-1]
    graph.select_version(after)
    graph.setFocus()
    qtbot.keyClick(graph, Qt.Key.Key_Down, ALT)
    qtbot.waitUntil(lambda: browser.loading is None and graph.selected_version_id() == newest)
    wait_until_shown(qtbot, window)
    assert browser.shown_version == newest


def test_a_version_opened_away_from_the_head_stays_in_view_when_the_window_resizes(qtbot, make_window, ws):
    """A remembered selection (or a blame line's version) opens centred on its node; a layout
    that settles afterwards used to fit the view back to the head, losing it."""
    from bench.make_four_lines import record_four_lines

    art = record_four_lines(ws.history, 80)
    window = make_window()
    window.resize(1280, 800)
    browser, graph = window.browser, window.graph
    wanted = sorted(v.id for v in ws.history.versions(art) if v.line == "collection")[10]  # far below the head

    def in_view() -> bool:
        y = graph.mapFromScene(graph.node_pos(wanted)).y()
        return 0 <= y <= graph.viewport().height()

    browser.fold = False
    browser.open(art, wanted)
    qtbot.waitUntil(lambda: browser.loading is None and graph.selected_version_id() == wanted)
    assert in_view()
    height = graph.viewport().height()
    window.resize(window.width(), window.height() - 40)
    qtbot.waitUntil(lambda: graph.viewport().height() != height)
    assert in_view()

"""The find box on a folded long history: a run holding matches is lit and counts them, and
walking to a match inside a run unfolds it in place and selects the version (issue 16 §1, §3)."""
from __future__ import annotations

import hashlib

from PySide6.QtCore import Qt

from tests.gui.helpers import WAIT, add_skills, select_artifact


def h(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def long_history(ws, tmp_path, n: int = 80, marked: tuple[int, ...] = (20, 21, 40)) -> tuple[int, list[int]]:
    """An artifact with `n` more synced versions in one straight run; those numbered in `marked`
    carry the subject "Add the tiger", the rest "Tidy". Returns its id and the marked ids."""
    art = add_skills(ws, tmp_path / "up", ["alpha"])["alpha"]
    for i in range(n):
        subject = "Add the tiger" if i in marked else "Tidy"
        ws.history.record_version(art, h(f"v{i}"), "sync", metadata={"commit_subject": subject})
    ids = [v.id for v in ws.history.versions(art) if v.metadata.get("commit_subject") == "Add the tiger"]
    return art, sorted(ids, reverse=True)  # newest first, as the search walks them


def folded_window(qtbot, make_window, ws, tmp_path):
    art, tigers = long_history(ws, tmp_path)
    window = make_window()
    select_artifact(qtbot, window, art)
    graph = window.graph
    fold_of = {m: k for k, d in graph.graph().nodes(data=True) if d.get("folded") for m in d["members"]}
    assert all(t in fold_of for t in tigers), "the test needs its matches inside folded runs"
    return window, graph, tigers, fold_of


def test_a_folded_run_holding_matches_is_lit_and_counts_them(qtbot, make_window, ws, tmp_path):
    window, graph, tigers, fold_of = folded_window(qtbot, make_window, ws, tmp_path)
    qtbot.keyClicks(window.find_edit, "tiger")
    assert window.toolbar.find_count.text() == "3 matches"
    runs = {fold_of[t] for t in tigers}
    counts = graph.search_fold_hits()
    assert set(counts) == runs and sum(counts.values()) == 3
    for run in runs:
        assert not graph.node_dimmed(run)  # lit: it holds matches
        assert graph.node_pos(run) is not None
    # The hits show on the scroll bar, at the runs that hold them.
    assert len([kind for _f, kind in graph.marker_bar.markers() if kind == "hit"]) == len(runs)
    # The hits show on the scroll bar, at the runs that hold them.
    assert len([kind for _f, kind in graph.marker_bar.markers() if kind == "hit"]) == len(runs)
    # The run says how many of its versions matched.
    run = fold_of[tigers[0]]
    painted = " ".join(render_labels(graph.node_item(run)))
    assert f"{counts[run]} of {graph.graph().nodes[run]['count']} match" in painted

    window.find_edit.setText("v1")  # the root only: drawn itself, outside every run
    assert graph.search_fold_hits() == {} and all(graph.node_dimmed(r) for r in runs)
    assert "match" not in " ".join(render_labels(graph.node_item(run)))


def render_labels(item) -> list[str]:
    """The texts a node item paints (drawn on an image at reading size)."""
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    texts: list[str] = []

    class Spy(QPainter):
        def drawText(self, *args):  # noqa: N802 (Qt's name)
            texts.append(next(a for a in args if isinstance(a, str)))
            return super().drawText(*args)

    image = QImage(400, 100, QImage.Format.Format_ARGB32)
    painter = Spy(image)
    item.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    return texts


def test_enter_walks_to_a_match_inside_a_folded_run_unfolding_it_in_place(qtbot, make_window, ws, tmp_path):
    window, graph, tigers, fold_of = folded_window(qtbot, make_window, ws, tmp_path)
    qtbot.keyClicks(window.find_edit, "tiger")
    first = tigers[0]
    qtbot.keyClick(window.find_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: graph.selected_version_id() == first, timeout=WAIT)
    assert graph.node_pos(first) is not None  # drawn itself now: its run was unfolded
    assert window.browser.shown_version == first
    assert graph.search_matches() == set(tigers) and not graph.node_dimmed(first)
    assert window.toolbar.find_count.text() == "1 of 3"  # the walk kept its place through the redraw
    qtbot.keyClick(window.find_edit, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: graph.selected_version_id() == tigers[1], timeout=WAIT)
    assert window.toolbar.find_count.text() == "2 of 3"
    qtbot.keyClick(window.find_edit, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: graph.selected_version_id() == first, timeout=WAIT)
    assert window.toolbar.find_count.text() == "1 of 3"


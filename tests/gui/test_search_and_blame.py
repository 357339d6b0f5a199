"""The find box as a filter (gui/shell/version_search.py) and the Blame tab (gui/compare/blame_view.py)."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt

from core import sync as core_sync
from gui.compare.blame_view import VERSION_ROLE
from gui.style.palette import lane_color
from tests.gui.helpers import WAIT, add_skills


def three_versions(ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    skill = tmp_path / "up" / "alpha" / "SKILL.md"
    skill.write_text("---\nname: alpha\n---\n# alpha\nfirst text\nsecond line\n", encoding="utf-8")
    core_sync.sync_all(ws)
    skill.write_text("---\nname: alpha\n---\n# alpha\nfirst text\nsecond line\nthird line\n", encoding="utf-8")
    core_sync.sync_all(ws)
    return ids["alpha"], ws.history.versions(ids["alpha"])  # newest first


def test_typing_a_query_dims_the_rest_shows_the_count_and_keys_walk_the_matches(qtbot, make_window, ws, tmp_path):
    art, versions = three_versions(ws, tmp_path)
    v3, v2, v1 = versions
    window = make_window()
    graph, count = window.graph, window.toolbar.find_count
    qtbot.keyClicks(window.find_edit, f"since:2000-01-01 until:2999-01-01 {v2.content_hash[:6]}")
    assert graph.search_matches() == {v2.id} and count.text() == "1 match"
    assert graph.node_dimmed(v1.id) and not graph.node_dimmed(v2.id)

    window.find_edit.clear()
    assert graph.search_matches() is None and not graph.node_dimmed(v1.id)
    qtbot.keyClicks(window.find_edit, "origin:sync")
    assert count.text() == "3 matches"
    qtbot.keyClick(window.find_edit, Qt.Key.Key_Return)
    assert graph.selected_version_id() == v3.id and window.browser.shown_version == v3.id
    assert count.text() == "1 of 3"
    qtbot.keyClick(window.find_edit, Qt.Key.Key_F3)
    assert graph.selected_version_id() == v2.id and count.text() == "2 of 3"
    qtbot.keyClick(window.find_edit, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert graph.selected_version_id() == v3.id

    window.find_edit.setText("colour:red")
    assert count.text() == "?" and "colour: is not a search key" in count.toolTip()
    assert graph.search_matches() is None  # a query being typed wrong dims nothing


def test_a_text_query_is_matched_on_a_worker_then_answers_at_once(qtbot, make_window, ws, tmp_path):
    art, versions = three_versions(ws, tmp_path)
    window = make_window()
    window.find_edit.setText('text:"third line"')
    qtbot.waitUntil(lambda: window.graph.search_matches() is not None, timeout=WAIT)
    assert window.graph.search_matches() == {versions[0].id}
    window.find_edit.setText('text:"third line" ')  # the same term again: cached, no worker
    assert window.graph.search_matches() == {versions[0].id}


def test_a_history_loads_without_indexing_until_a_query_is_typed(qtbot, make_window, ws, tmp_path):
    """Indexing 10,000 versions took the GUI thread 60-120 ms on every load, with the box empty."""
    art, versions = three_versions(ws, tmp_path)
    window = make_window()
    assert window.browser.versions and window.search.index is None
    qtbot.keyClicks(window.find_edit, "origin:sync")
    assert window.search.index is not None and window.toolbar.find_count.text() == "3 matches"


def test_a_long_history_is_indexed_on_a_worker(qtbot, make_window, ws, tmp_path, monkeypatch):
    from gui.shell import version_search

    monkeypatch.setattr(version_search, "INDEX_NOW_MAX", 2)  # three versions count as long here
    art, versions = three_versions(ws, tmp_path)
    window = make_window()
    count = window.toolbar.find_count
    window.find_edit.setText("origin:sync")
    assert count.text() == version_search.SEARCHING and window.graph.search_matches() is None
    qtbot.waitUntil(lambda: count.text() == "3 matches", timeout=WAIT)
    assert window.graph.search_matches() == {v.id for v in versions}
    window.find_edit.setText("origin:rollback")  # the index is kept: answered at once
    assert count.text() == "no match"


def test_the_blame_tab_names_each_lines_version_and_a_click_selects_it(qtbot, make_window, ws, tmp_path):
    art, versions = three_versions(ws, tmp_path)
    v3, v2, v1 = versions
    window = make_window()
    blame = window.compare.blame_view
    with qtbot.waitSignal(blame.blameShown, timeout=WAIT) as shown:
        window.compare.file_tabs.setCurrentWidget(blame)
    result = shown.args[0]
    assert result.version.id == v3.id and result.path == "SKILL.md"
    model = blame.model
    texts = [model.index(r, 2).data() for r in range(model.rowCount())]
    assert texts[-3:] == ["first text", "second line", "third line"]
    chips = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert chips[-3:] == ["", "v2", "v3"]  # a chip where a run of one version starts
    assert "v2 · sync · collection" in model.index(model.rowCount() - 2, 0).data(Qt.ItemDataRole.ToolTipRole)
    # A chip is its line's lane colour in the graph (one rule: core picks the slot, gui.style its colour).
    chip = model.index(model.rowCount() - 1, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert chip.name() == lane_color(window.graph.line_colours()["collection"]).name()

    row = model.rowCount() - 2  # "second line", brought by v2
    rect = blame.table.visualRect(model.index(row, 2))
    with qtbot.waitSignal(blame.blameShown, timeout=WAIT):  # the tab follows: blame at v2 now
        qtbot.mouseClick(blame.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.graph.selected_version_id() == v2.id and window.browser.shown_version == v2.id
    assert blame.model.blame.version.id == v2.id and blame.path() == "SKILL.md"


def test_the_node_menu_opens_blame_and_says_when_no_upstream_or_merge_waits(qtbot, make_window, ws, tmp_path):
    from gui.projects.node_menu import BLAME, COMPARE_WAITING, RESOLVE_MERGE, find_action

    art, versions = three_versions(ws, tmp_path)
    v3, v2, v1 = versions
    window = make_window()
    menu = window.projects.node_menu(v2.id)
    assert not find_action(menu, COMPARE_WAITING).isEnabled()
    assert not find_action(menu, RESOLVE_MERGE).isEnabled()
    with qtbot.waitSignal(window.compare.blame_view.blameShown, timeout=WAIT) as shown:
        find_action(menu, BLAME).trigger()
    assert window.compare.file_tabs.currentWidget() is window.compare.blame_view
    assert shown.args[0].version.id == v2.id and window.graph.selected_version_id() == v2.id


def test_side_by_side_puts_removed_lines_beside_the_added_ones(qtbot, make_window, ws, tmp_path):
    from core.diff import DiffLine
    from gui.compare.side_by_side import side_by_side_rows

    rows = side_by_side_rows((DiffLine("@", "@@ -1,3 +1,3 @@", None, None), DiffLine(" ", "a", 1, 1),
                              DiffLine("-", "b", 2, None), DiffLine("-", "c", 3, None), DiffLine("+", "B", None, 2)))
    assert [(r.left.text, r.left.kind, r.right.text, r.right.kind) for r in rows] == [
        ("@@ -1,3 +1,3 @@", "@", "", "@"), ("a", " ", "a", " "), ("b", "-", "B", "+"), ("c", "-", "", "")]

    three_versions(ws, tmp_path)
    window = make_window()
    pane = window.compare.file_pane
    qtbot.waitUntil(lambda: pane.current_diff is not None, timeout=WAIT)
    pane.side_by_side_box.setChecked(True)
    assert pane.side_view.isVisible() and not pane.diff_view.isVisible()
    model = pane.side_view.diff_model
    texts = [(model.index(r, 1).data(), model.index(r, 3).data()) for r in range(model.rowCount())]
    assert ("", "third line") in texts
    pane.side_by_side_box.setChecked(False)
    assert pane.diff_view.isVisible() and not pane.side_view.isVisible()


def test_a_long_blame_counts_the_versions_read_and_stop_ends_it(qtbot, make_window, ws, tmp_path, monkeypatch):
    """A first blame of a long history can take seconds: the tab counts, and Stop ends it."""
    import core.ancestry
    from core.cancel import Cancelled

    real = core.ancestry.blame_file
    art, versions = three_versions(ws, tmp_path)

    def long_walk(ws_, artifact_id, path, version_id, cancel, progress, on_text):  # a walk over 400 versions
        on_text(b"# pdf\nfirst text\n")  # the file, read before the walk
        deadline = time.monotonic() + 20
        done = 0
        while time.monotonic() < deadline:
            if cancel():
                raise Cancelled("Blame was cancelled.")
            progress(min(done, 399), 400)
            done += 8
            time.sleep(0.01)
        raise AssertionError("never stopped")

    monkeypatch.setattr(core.ancestry, "blame_file", long_walk)
    window = make_window()
    blame = window.compare.blame_view
    window.compare.file_tabs.setCurrentWidget(blame)
    qtbot.waitUntil(lambda: "of 400 versions read" in blame.title.text(), timeout=WAIT)
    assert blame.stop_button.isVisible() and blame.busy()
    # The lines show at once, their versions when found.
    qtbot.waitUntil(lambda: blame.model.rowCount() == 2, timeout=WAIT)
    model = blame.model
    assert [model.index(r, 2).data() for r in range(2)] == ["# pdf", "first text"]
    assert [model.index(r, 1).data() for r in range(2)] == [1, 2] and model.index(0, 0).data() == "…"
    assert model.index(0, 0).data(VERSION_ROLE) is None
    with qtbot.waitSignal(blame.blameShown, timeout=WAIT) as shown:
        qtbot.mouseClick(blame.stop_button, Qt.MouseButton.LeftButton)
    assert shown.args[0] is None and blame.title.text().startswith("Stopped.")
    assert not blame.stop_button.isVisible()
    qtbot.waitUntil(lambda: not blame.busy(), timeout=WAIT)

    monkeypatch.setattr(core.ancestry, "blame_file", real)  # another version: blamed afresh
    with qtbot.waitSignal(blame.blameShown, timeout=WAIT) as shown:
        window.graph.select_version(versions[1].id)
        window.browser.show_version(versions[1].id)
    assert shown.args[0] is not None and shown.args[0].version.id == versions[1].id

"""The merge view and the window's merge flow: choose Merge in the diverged dialog, resolve
each conflicting hunk with the real buttons, Finish merge (pytest-qt, offscreen)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core import sync as core_sync
from core.sync.pending import has_pending, load_pending
from gui.sync.merge_view import MergeView
from gui.workers import WorkerPool
from tests.gui.helpers import WAIT

BASE = "# alpha\n\none\n\ntwo\n\nthree\n\nfour\n"
LOCAL = BASE.replace("one", "one (local)").replace("four", "four (local)")
UPSTREAM = BASE.replace("one", "one (upstream)").replace("four", "four (upstream)").replace("three", "THREE")


def conflicted(ws, root: Path) -> tuple[int, Path]:
    """alpha, merged with two conflicting hunks waiting (and one clean upstream change)."""
    up = root / "alpha"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text(BASE, encoding="utf-8")
    (up / "notes.md").write_text("notes\n", encoding="utf-8")
    info = core_sync.add_artifact(ws, "alpha", str(up))
    core_sync.sync_artifact(ws, info.id)
    copy = Path(ws.home.collection_dir) / "skills" / "alpha"
    (copy / "SKILL.md").write_text(LOCAL, encoding="utf-8")
    (up / "SKILL.md").write_text(UPSTREAM, encoding="utf-8")
    return info.id, copy


def test_resolve_hunk_by_hunk_and_finish(qtbot, ws, tmp_path):
    aid, copy = conflicted(ws, tmp_path / "up")
    result = core_sync.sync_artifact(ws, aid, core_sync.Strategy.MERGE)
    assert result.action == "conflict"
    pool = WorkerPool()
    view = MergeView(ws, pool, ws.history.artifact(aid), load_pending(ws.home, aid))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    page = view.page("SKILL.md")
    first, second = page.hunks
    assert "one (local)" in first.findChildren(type(first.result))[1].toPlainText()  # base, local, upstream panes
    assert not view.finish_button.isEnabled()

    qtbot.mouseClick(first.take_other, Qt.MouseButton.LeftButton)
    assert first.state.text() == "Resolved: upstream"
    assert not view.finish_button.isEnabled()  # the second hunk still waits
    assert "(1/2)" in view.files.item(0).text()

    qtbot.mouseClick(second.edit, Qt.MouseButton.LeftButton)
    assert not second.result.isReadOnly() and second.result.toPlainText() == "four (local)\n"
    second.result.selectAll()
    qtbot.keyClicks(second.result, "four (both)")
    assert view.finish_button.isEnabled()
    assert view.files.item(0).text().startswith("✓")

    with qtbot.waitSignal(view.reviewed, timeout=WAIT):
        qtbot.mouseClick(view.finish_button, Qt.MouseButton.LeftButton)
    assert (copy / "SKILL.md").read_text(encoding="utf-8") == LOCAL  # nothing recorded before Record merge
    with qtbot.waitSignal(view.merged, timeout=WAIT) as blocker:
        qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
    outcome = blocker.args[0]
    assert outcome.version_recorded
    text = (copy / "SKILL.md").read_text(encoding="utf-8")
    # the typed line replaced the region and the file keeps its final newline
    assert text == BASE.replace("one", "one (upstream)").replace("three", "THREE").replace("four\n", "four (both)\n")
    head = ws.history.head(aid)
    (upstream,) = ws.history.versions(aid, line="upstream")
    assert head.change_origin == "merge" and head.second_parent_id == upstream.id
    assert not has_pending(ws.home, aid)
    pool.wait_all()


def test_window_merge_from_the_diverged_dialog(qtbot, make_window, ws, tmp_path):
    aid, copy = conflicted(ws, tmp_path / "up")
    window = make_window()
    button = window.toolbar.widgetForAction(window.sync_action)
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.sync.dialog is not None and window.sync.dialog.isVisible(), timeout=WAIT)
        dialog = window.sync.dialog
        row = dialog.rows[aid]
        qtbot.waitUntil(lambda: "four (upstream)" in dialog.upstream_pane.view.toPlainText(), timeout=WAIT)
        qtbot.mouseClick(row.buttons[core_sync.Strategy.MERGE], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    (result,) = blocker.args[0]
    assert (result.action, result.conflicts) == ("conflict", ("SKILL.md",))
    view = window.merge_view
    assert view is not None and view.isVisible()  # opened for the merge that stopped
    assert (copy / "SKILL.md").read_text(encoding="utf-8") == LOCAL  # nothing live changed yet
    window.select_artifact(aid)
    qtbot.waitUntil(lambda: window.graph.pending_item is not None, timeout=WAIT)
    assert window.artifact_header.resolve_button.isVisible()

    for hunk in view.page("SKILL.md").hunks:
        qtbot.mouseClick(hunk.take_local, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.reviewed, timeout=WAIT):
        qtbot.mouseClick(view.finish_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.merged, timeout=WAIT):
        qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
    assert (copy / "SKILL.md").read_text(encoding="utf-8") == LOCAL.replace("three", "THREE")
    assert (copy / "notes.md").read_text(encoding="utf-8") == "notes\n"
    qtbot.waitUntil(lambda: window.model.state_of(aid) == "locally_modified", timeout=WAIT)
    qtbot.waitUntil(lambda: window.graph.pending_item is None, timeout=WAIT)
    assert not window.artifact_header.resolve_button.isVisible()


def test_kept_local_can_be_chosen_again_from_the_header(qtbot, make_window, ws, tmp_path):
    aid, copy = conflicted(ws, tmp_path / "up")
    core_sync.sync_artifact(ws, aid)  # keep local: a decision about this upstream state
    window = make_window()
    window.select_artifact(aid)
    qtbot.waitUntil(lambda: window.model.state_of(aid) == "kept_local", timeout=WAIT)
    assert "diverged (kept local)" in window.artifact_header.subtitle.text()
    header = window.artifact_header
    qtbot.waitUntil(header.choose_button.isVisible, timeout=WAIT)
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(header.choose_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.sync.dialog is not None and window.sync.dialog.isVisible(), timeout=WAIT)
        dialog = window.sync.dialog
        qtbot.mouseClick(dialog.rows[aid].buttons[core_sync.Strategy.TAKE_UPSTREAM], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    (result,) = blocker.args[0]
    assert (result.state, result.action) == (core_sync.SyncState.KEPT_LOCAL, "replaced")
    assert (copy / "SKILL.md").read_text(encoding="utf-8") == UPSTREAM
    qtbot.waitUntil(lambda: not header.choose_button.isVisible(), timeout=WAIT)


def test_a_plain_sync_does_not_ask_about_kept_local_again(qtbot, make_window, ws, tmp_path):
    aid, copy = conflicted(ws, tmp_path / "up")
    core_sync.sync_artifact(ws, aid)
    window = make_window()
    qtbot.waitUntil(lambda: window.model.state_of(aid) == "kept_local", timeout=WAIT)
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(window.toolbar.widgetForAction(window.sync_action), Qt.MouseButton.LeftButton)
    (result,) = blocker.args[0]
    assert (result.action, result.conflict) == ("kept-local", False)
    assert window.sync.dialog is None


REPORTS_BASE = "# Reports\n\n- Status reports\n- Leadership updates\n- Board packs\n"
REPORTS_LOCAL = REPORTS_BASE.replace("Status reports", "Status reports (weekly)")
REPORTS_UPSTREAM = REPORTS_BASE.replace("Status reports", "Status reports (monthly rollup)")


def test_a_hand_edited_region_never_joins_the_next_line_and_is_reviewed_first(qtbot, ws, tmp_path):
    """Issue 15 §2: Edit, select all, type one line, Finish merge: the review shows the diff
    against local, and the recorded file keeps the line that followed the conflict."""
    up = tmp_path / "up" / "reports"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text(REPORTS_BASE, encoding="utf-8")
    info = core_sync.add_artifact(ws, "reports", str(up))
    core_sync.sync_artifact(ws, info.id)
    copy = Path(ws.home.collection_dir) / "skills" / "reports"
    (copy / "SKILL.md").write_text(REPORTS_LOCAL, encoding="utf-8")
    (up / "SKILL.md").write_text(REPORTS_UPSTREAM, encoding="utf-8")
    assert core_sync.sync_artifact(ws, info.id, core_sync.Strategy.MERGE).action == "conflict"
    pool = WorkerPool()
    view = MergeView(ws, pool, ws.history.artifact(info.id), load_pending(ws.home, info.id))
    qtbot.addWidget(view)
    view.show()
    (hunk,) = view.page("SKILL.md").hunks
    # the conflict is shown with the unchanged lines around it
    assert "# Reports" in hunk.before.text() and "- Leadership updates" in hunk.after.text()
    assert hunk.before.isVisibleTo(view) and hunk.after.isVisibleTo(view)
    qtbot.mouseClick(hunk.edit, Qt.MouseButton.LeftButton)
    hunk.result.selectAll()
    qtbot.keyClicks(hunk.result, "- Status reports (weekly; monthly rollup upstream)")
    short = hunk.result.height()
    for more in ("line two", "line three", "line four"):
        qtbot.keyClick(hunk.result, Qt.Key.Key_Return)
        qtbot.keyClicks(hunk.result, more)
    assert hunk.result.height() > short  # the result pane grows with its text
    hunk.result.selectAll()
    qtbot.keyClicks(hunk.result, "- Status reports (weekly; monthly rollup upstream)")
    with qtbot.waitSignal(view.reviewed, timeout=WAIT):
        qtbot.mouseClick(view.finish_button, Qt.MouseButton.LeftButton)
    shown = view.review.diff.toPlainText()
    assert shown.splitlines()[1:] == [
        "  # Reports", "  ", "- - Status reports (weekly)", "+ - Status reports (weekly; monthly rollup upstream)",
        "  - Leadership updates", "  - Board packs",
    ]
    assert (copy / "SKILL.md").read_text(encoding="utf-8") == REPORTS_LOCAL  # not recorded yet
    qtbot.mouseClick(view.back_button, Qt.MouseButton.LeftButton)  # back: choices kept
    assert view.finish_button.isVisible() and hunk.resolved()
    with qtbot.waitSignal(view.reviewed, timeout=WAIT):
        qtbot.mouseClick(view.finish_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.merged, timeout=WAIT):
        qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
    assert (copy / "SKILL.md").read_text(encoding="utf-8") == REPORTS_BASE.replace(
        "Status reports", "Status reports (weekly; monthly rollup upstream)")
    pool.wait_all()


def test_abort_with_choices_made_asks_first(qtbot, ws, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    aid, copy = conflicted(ws, tmp_path / "up")
    core_sync.sync_artifact(ws, aid, core_sync.Strategy.MERGE)
    pool = WorkerPool()
    view = MergeView(ws, pool, ws.history.artifact(aid), load_pending(ws.home, aid))
    qtbot.addWidget(view)
    qtbot.mouseClick(view.page("SKILL.md").hunks[0].take_other, Qt.MouseButton.LeftButton)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(view.abort_button, Qt.MouseButton.LeftButton)
    assert asked and "1 choice made here will be lost" in asked[0]
    assert has_pending(ws.home, aid)  # kept: the person said Cancel
    pool.wait_all()



def test_resolve_in_the_header_opens_a_waiting_push_merge_into_the_collection(qtbot, make_window, ws, tmp_path):
    from core import projects
    from core.projects import MergeDirection

    up = tmp_path / "up" / "alpha"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text(BASE, encoding="utf-8")
    info = core_sync.add_artifact(ws, "alpha", str(up))
    core_sync.sync_artifact(ws, info.id)
    (tmp_path / "web").mkdir()
    web = projects.add_project(ws, "web", tmp_path / "web")
    projects.deploy(ws, info, web)
    copy = Path(ws.home.collection_dir) / "skills" / "alpha"
    (copy / "SKILL.md").write_text(LOCAL, encoding="utf-8")
    (tmp_path / "web" / ".claude" / "skills" / "alpha" / "SKILL.md").write_text(UPSTREAM, encoding="utf-8")
    assert projects.merge_deployment(ws, info, web, MergeDirection.PUSH).action == "conflict"
    (up / "SKILL.md").write_text(BASE + "upstream moved on\n", encoding="utf-8")

    window = make_window()
    window.select_artifact(info.id)
    qtbot.waitUntil(lambda: window.model.state_of(info.id) == "conflict", timeout=WAIT)
    header = window.artifact_header
    qtbot.waitUntil(header.resolve_button.isVisible, timeout=WAIT)
    qtbot.mouseClick(header.resolve_button, Qt.MouseButton.LeftButton)
    view = window.merge_view
    assert view is not None and view.isVisible()
    assert (view.line, view.into) == ("web", "the collection")  # the push merge, not "none waits"
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(window.toolbar.widgetForAction(window.sync_action), Qt.MouseButton.LeftButton)
    (result,) = blocker.args[0]
    assert (result.action, result.merge_line) == ("conflict", "web")
    assert (copy / "SKILL.md").read_text(encoding="utf-8") == LOCAL  # sync left the copy the merge goes into

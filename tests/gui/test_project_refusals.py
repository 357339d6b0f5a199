"""A refused push or deploy (a deployment in `conflict`: both copies edited), driven through the
Projects panel's menu in the window, with the real question boxes answered each way.

Before WorkerPool.start delivered callbacks on the GUI thread, the refusal's question box was
made on the worker thread (a segmentation fault in 2 of 4 tries by hand); tests/gui/conftest.py's
thread guard and qt_log_level_fail make that a failure here.
"""
from __future__ import annotations

import pytest

from core import projects, sync as core_sync
from core.workspace import path_of
from gui.projects.actions import CANCEL_BUTTON, MERGE_BUTTON
from tests.gui.helpers import WAIT, Answers, add_skills

BASE = "---\nname: alpha\n---\n# alpha\nfirst text\n"


def answer(qtbot, window, action, *answers: str) -> Answers:
    """Trigger `action` and answer its boxes; returns once every answer was given and the
    project action (if one started) has ended."""
    answers_ = Answers(*answers)
    action.trigger()
    qtbot.waitUntil(answers_.done, timeout=WAIT)
    qtbot.waitUntil(lambda: not window.projects.actions.is_busy(), timeout=WAIT)
    answers_.timer.stop()
    return answers_


@pytest.fixture
def conflict(qtbot, make_window, ws, tmp_path):
    """alpha deployed into site, then edited in both copies; the window with its panel showing it."""
    aid = add_skills(ws, tmp_path / "up", ["alpha"])["alpha"]
    folder = tmp_path / "site"
    folder.mkdir()
    site = projects.add_project(ws, "site", folder)
    artifact = ws.history.artifact(aid)
    projects.deploy(ws, artifact, site)
    project_copy = projects.project_copy_path(site, artifact) / "SKILL.md"
    collection_copy = path_of(ws.home.collection_dir, artifact) / "SKILL.md"
    assert project_copy.read_text(encoding="utf-8") == BASE
    project_copy.write_text(BASE.replace("first text", "edited in site"), encoding="utf-8")
    collection_copy.write_text(BASE.replace("first text", "edited in the collection"), encoding="utf-8")
    core_sync.sync_all(ws)  # records the collection's edit: the deployment is in conflict
    window = make_window()
    panel = window.projects.panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and bool(panel.model.statuses_in(projects.DeploymentState.CONFLICT)),
                    timeout=WAIT)
    return window, aid, project_copy, collection_copy


def menu_action(window, text: str):
    panel = window.projects.panel
    menu = panel.menu_for(panel.model.index(0, 0, panel.model.index(0, 0)))
    return next(a for a in menu.actions() if a.text() == text)


def assert_in_window_words(text: str) -> None:
    assert "`" not in text and "--strategy" not in text and "--project" not in text, text


def test_refused_push_cancel_then_take_project(qtbot, conflict, ws):
    window, aid, project_copy, collection_copy = conflict
    before = len(ws.history.versions(aid))

    said = answer(qtbot, window, menu_action(window, "Push to collection"), "Yes", CANCEL_BUTTON)
    refusal = said.asked[1]
    assert "Both site's copy and the collection copy" in refusal and MERGE_BUTTON in refusal
    assert_in_window_words(refusal)
    assert_in_window_words(window.projects.panel.status.text())
    assert len(ws.history.versions(aid)) == before  # Cancel changed nothing
    assert "edited in the collection" in collection_copy.read_text(encoding="utf-8")

    answer(qtbot, window, menu_action(window, "Push to collection"), "Yes", "Take project copy")
    qtbot.waitUntil(lambda: ws.history.head(aid).metadata.get("pushed_from") == "site", timeout=WAIT)
    assert collection_copy.read_text(encoding="utf-8") == project_copy.read_text(encoding="utf-8")
    # The collection's own edit was recorded before it was replaced: nothing is lost.
    assert any(b"edited in the collection" in ws.objects.read_bytes(e.digest)
               for v in ws.history.versions(aid, "collection")
               for e in ws.objects.get_manifest(v.content_hash).entries)


def test_refused_deploy_cancel_then_overwrite(qtbot, conflict, ws):
    window, aid, project_copy, collection_copy = conflict
    before = len(ws.history.versions(aid))

    said = answer(qtbot, window, menu_action(window, "Deploy the collection's copy again"), "Yes", CANCEL_BUTTON)
    refusal = said.asked[1]
    assert "edits that deploying would overwrite" in refusal and "Overwrite project copy" in refusal
    assert_in_window_words(refusal)
    assert len(ws.history.versions(aid)) == before
    assert "edited in site" in project_copy.read_text(encoding="utf-8")

    answer(qtbot, window, menu_action(window, "Deploy the collection's copy again"), "Yes", "Overwrite project copy")
    qtbot.waitUntil(lambda: "edited in the collection" in project_copy.read_text(encoding="utf-8"), timeout=WAIT)
    # The project's edit is in history (recorded before it was overwritten, or by the sync before).
    edits = [v for v in ws.history.versions(aid, "site") if v.change_origin == "local_modification"]
    assert any(b"edited in site" in ws.objects.read_bytes(e.digest)
               for v in edits for e in ws.objects.get_manifest(v.content_hash).entries)


def test_refused_push_merge_opens_the_merge_view_and_records_it(qtbot, conflict, ws):
    window, aid, project_copy, collection_copy = conflict
    answer(qtbot, window, menu_action(window, "Push to collection"), "Yes", MERGE_BUTTON)
    qtbot.waitUntil(lambda: window.merge_view is not None, timeout=WAIT)
    view = window.merge_view
    assert view.line == "site" and view.target_line == "collection"
    page = view.file_pages[0]
    assert [h.take_local.text() for h in page.hunks] == ["Take collection"]
    page.hunks[0].take_other.click()  # the project's side
    with qtbot.waitSignal(view.reviewed, timeout=WAIT):
        view.finish_button.click()  # the merged file against the collection copy first
    assert "edited in site" in view.review.diff.toPlainText()
    with qtbot.waitSignal(view.recorded, timeout=WAIT) as blocker:
        view.record_button.click()
    head = ws.history.head(aid)
    assert head.change_origin == "merge" and ws.history.version(head.second_parent_id).line == "site"
    assert "edited in site" in collection_copy.read_text(encoding="utf-8")
    assert blocker.args[0].startswith("Recorded the merge of alpha as v") and "collection line" in blocker.args[0]
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == blocker.args[0], timeout=WAIT)


def test_a_clean_deploy_merge_needs_no_merge_view(qtbot, make_window, ws, tmp_path):
    aid = add_skills(ws, tmp_path / "up", ["alpha"])["alpha"]
    folder = tmp_path / "site"
    folder.mkdir()
    site = projects.add_project(ws, "site", folder)
    artifact = ws.history.artifact(aid)
    projects.deploy(ws, artifact, site)
    project_copy = projects.project_copy_path(site, artifact) / "SKILL.md"
    collection_copy = path_of(ws.home.collection_dir, artifact) / "SKILL.md"
    project_copy.write_text(BASE.replace("---\nname", "---\n# site's note\nname"), encoding="utf-8")
    collection_copy.write_text(BASE + "collection's new line\n", encoding="utf-8")
    core_sync.sync_all(ws)
    window = make_window()
    panel = window.projects.panel
    qtbot.waitUntil(lambda: bool(panel.model.statuses_in(projects.DeploymentState.CONFLICT)), timeout=WAIT)
    answer(qtbot, window, menu_action(window, "Deploy the collection's copy again"), "Yes", MERGE_BUTTON)
    qtbot.waitUntil(lambda: ws.history.head(aid, "site").change_origin == "merge", timeout=WAIT)
    text = project_copy.read_text(encoding="utf-8")
    assert "site's note" in text and "collection's new line" in text
    assert window.merge_view is None

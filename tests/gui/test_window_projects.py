"""The window's project actions, clicked through the real menus: deploy from the artifact's
menu, push and restore from the graph's node menu; the history recorded is checked."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core import projects, sync as core_sync
from gui.projects.node_menu import DEPLOY_MENU, PUSH, RESTORE_MENU, find_action
from tests.gui.helpers import WAIT, add_skills, click_sync, select_artifact


@pytest.fixture
def yes(monkeypatch):
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def run_action(qtbot, window, action) -> None:
    """Trigger a menu action and wait until the graph shows the recorded history again."""
    with qtbot.waitSignal(window.artifactShown, timeout=WAIT):
        action.trigger()
    qtbot.waitUntil(lambda: not window.projects.actions.is_busy(), timeout=WAIT)


def test_deploy_push_and_restore_through_the_menus(qtbot, make_window, ws, tmp_path, yes):
    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    aid = ids["alpha"]
    folder = tmp_path / "site"
    folder.mkdir()
    site = projects.add_project(ws, "site", folder)
    window = make_window()
    select_artifact(qtbot, window, aid)

    # Deploy from the artifact's context menu in the list.
    menu = window.projects.artifact_menu(aid)
    run_action(qtbot, window, find_action(menu, DEPLOY_MENU, "site"))
    deployed = ws.history.head(aid, "site")
    assert deployed is not None and deployed.change_origin == "deployment"
    assert any("Deploy" in text and "site" in text for text in yes)
    assert window.graph.lines().keys() >= {"collection", "site"}
    # Another reload (the live watch seeing the history move) may show the graph first: wait for this one.
    qtbot.waitUntil(lambda: deployed.id in window.graph.graph(), timeout=WAIT)

    # Edit the project copy; Sync now records it on the site line.
    copy = projects.project_copy_path(site, ws.history.artifact(aid)) / "SKILL.md"
    copy.write_text("# alpha\nedited in site\n", encoding="utf-8")
    click_sync(qtbot, window)
    edit = ws.history.head(aid, "site")
    assert edit.change_origin == "local_modification"

    # Push from the edit's node menu: a collection version whose second parent is the edit.
    qtbot.waitUntil(lambda: edit.id in window.graph.graph(), timeout=WAIT)
    push = find_action(window.projects.node_menu(edit.id), PUSH)
    assert push.isEnabled()
    run_action(qtbot, window, push)
    pushed = ws.history.head(aid)
    assert pushed.second_parent_id == edit.id and pushed.metadata["pushed_from"] == "site"
    assert (ws.history.version(pushed.parent_id).line, pushed.line) == ("collection", "collection")
    qtbot.waitUntil(lambda: window.graph.graph().has_edge(edit.id, pushed.id), timeout=WAIT)
    second = window.graph.graph().edges[edit.id, pushed.id]
    assert second["kind"] == "second"

    # Restore the collection's first version from its node menu: a rollback on the collection line.
    first = ws.history.versions(aid, "collection")[-1]
    run_action(qtbot, window, find_action(window.projects.node_menu(first.id), RESTORE_MENU, "into the collection"))
    rollback = ws.history.head(aid)
    assert rollback.change_origin == "rollback" and rollback.content_hash == first.content_hash
    assert rollback.metadata["restored_version"] == first.id
    qtbot.waitUntil(lambda: rollback.id in window.graph.graph(), timeout=WAIT)
    # The deployment is outdated now; the panel says so and offers the update.
    qtbot.waitUntil(lambda: window.projects.panel.outdated_count() == 1, timeout=WAIT)
    assert window.projects.panel.update_button.isEnabled()


def test_sync_now_offers_update_outdated_projects(qtbot, make_window, ws, tmp_path, yes):
    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    folder = tmp_path / "site"
    folder.mkdir()
    site = projects.add_project(ws, "site", folder)
    projects.deploy(ws, ws.history.artifact(ids["alpha"]), site)
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nnewer\n", encoding="utf-8")
    window = make_window()
    click_sync(qtbot, window)
    banner = window.banner
    qtbot.waitUntil(lambda: banner.offer_button.isVisible(), timeout=WAIT)
    assert "Update outdated projects (1)" == banner.offer_button.text()
    with qtbot.waitSignal(window.projects.actions.snapshotLoaded, timeout=WAIT):
        banner.offer_button.click()
    qtbot.waitUntil(lambda: window.projects.panel.outdated_count() == 0, timeout=WAIT)
    head = ws.history.head(ids["alpha"], "site")
    assert head.change_origin == "deployment"
    assert head.content_hash == ws.history.head(ids["alpha"]).content_hash


def waiting_node(qtbot, window):
    graph = window.graph
    qtbot.waitUntil(lambda: graph.graph() is not None
                    and any(d.get("waiting") for _n, d in graph.graph().nodes(data=True)), timeout=WAIT)
    return next((n, d) for n, d in graph.graph().nodes(data=True) if d.get("waiting"))


def click_waiting_node(qtbot, window, key) -> None:
    graph = window.graph
    window.show()
    qtbot.waitExposed(window)
    graph.centerOn(graph.node_item(key))
    pos = graph.mapFromScene(graph.node_item(key).scenePos())
    with qtbot.waitSignal(graph.waitingSelected, timeout=WAIT):
        qtbot.mouseClick(graph.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def test_clicking_the_waiting_upstream_compares_the_head_with_it(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nnewer\n", encoding="utf-8")
    (tmp_path / "up" / "alpha" / "extra.md").write_text("more\n", encoding="utf-8")
    before = ws.history.versions(ids["alpha"])
    window = make_window()
    select_artifact(qtbot, window, ids["alpha"])
    key, data = waiting_node(qtbot, window)
    status = window.model.status(ids["alpha"])
    assert data["content_hash"] == status.upstream and data["line"] == "upstream"
    assert "upstream" in window.graph.lines()

    click_waiting_node(qtbot, window, key)
    compare = window.compare
    qtbot.waitUntil(lambda: compare.version is not None, timeout=WAIT)
    assert compare.version.content_hash == status.upstream
    assert compare.base.content_hash == before[0].content_hash  # head on the left
    assert "waiting upstream" in compare.title.text()
    assert "Nothing is recorded until Sync now" in compare.banner.text()
    assert {(c.display_path, c.status) for c in compare.changes} == {("SKILL.md", "modified"), ("extra.md", "added")}
    assert ws.history.versions(ids["alpha"]) == before  # comparing recorded nothing


def test_waiting_upstream_that_cannot_be_fetched_says_why(qtbot, make_window, ws, tmp_path):
    import shutil

    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nnewer\n", encoding="utf-8")
    window = make_window()
    select_artifact(qtbot, window, ids["alpha"])
    key, _data = waiting_node(qtbot, window)
    shutil.rmtree(tmp_path / "up" / "alpha")  # gone between the status check and the click
    click_waiting_node(qtbot, window, key)
    compare = window.compare
    qtbot.waitUntil(lambda: compare.banner.text() != "Fetching upstream…", timeout=WAIT)
    (status,) = core_sync.status_all(ws, ["alpha"])
    assert compare.banner.text() == status.error and compare.version is None


def test_a_restore_says_which_version_it_brought_back():
    from gui.compare.version_details import metadata_rows

    rows = metadata_rows({"restored_version": 15, "restored_number": 8, "user": "me"}, None)
    assert ("Restored", "content of <b>v8 (#15)</b>") in rows
    assert not any(label.startswith("Restored ") for label, _ in rows)  # no raw "Restored version" keys

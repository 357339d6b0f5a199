"""The menu bar holds every verb: its real menu items clicked with the mouse (Artifact's Deploy
to ▸ / Push from ▸ / Restore ▸ / Merge…, the Projects menu, Help), and what core recorded."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu

from core import projects, sync as core_sync
from core.projects import DeploymentState
from core.version import app_version
from core.workspace import path_of
from gui.projects.actions import MERGE_BUTTON
from tests.gui.helpers import WAIT, Answers, add_skills, select_artifact


def plain(text: str) -> str:
    return text.replace("&", "")


def click_menu(qtbot, window, *path: str, answers: tuple[str, ...] = ()) -> Answers:
    """Open the menu bar's menu `path[0]` with the mouse and click through `path[1:]`; every
    question box on the way is answered with `answers`, in order."""
    said = Answers(*answers)
    bar = window.menuBar()
    top = next(a for a in bar.actions() if plain(a.text()) == path[0])
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(top).center())
    menu: QMenu = top.menu()
    qtbot.waitUntil(menu.isVisible, timeout=WAIT)
    for text in path[1:]:
        action = next(a for a in menu.actions() if plain(a.text()).startswith(text))
        assert action.isEnabled(), f"{text} is disabled"
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
        if action.menu() is not None:
            menu = action.menu()
            qtbot.waitUntil(menu.isVisible, timeout=WAIT)
    qtbot.waitUntil(said.done, timeout=WAIT)
    qtbot.waitUntil(lambda: not window.projects.actions.is_busy(), timeout=WAIT)
    said.timer.stop()
    return said


def site_project(ws, tmp_path, name: str = "site"):
    folder = tmp_path / name
    folder.mkdir()
    return projects.add_project(ws, name, folder)


def test_artifact_menu_deploys_pushes_and_restores(qtbot, make_window, ws, tmp_path):
    aid = add_skills(ws, tmp_path / "up", ["alpha"])["alpha"]
    site = site_project(ws, tmp_path)
    window = make_window()
    select_artifact(qtbot, window, aid)

    said = click_menu(qtbot, window, "Artifact", "Deploy to", "site", answers=("Yes",))
    assert "Deploy alpha into site?" in said.asked[0]
    deployed = ws.history.head(aid, "site")
    assert deployed is not None and deployed.change_origin == "deployment"

    copy = projects.project_copy_path(site, ws.history.artifact(aid)) / "SKILL.md"
    copy.write_text("# alpha\nedited in site\n", encoding="utf-8")
    panel = window.projects.panel
    with qtbot.waitSignal(window.projects.actions.snapshotLoaded, timeout=WAIT):
        panel.reload()
    # The first snapshot to land may be one asked for before the edit (the live watcher's, after
    # the deploy): wait for the one that sees it.
    qtbot.waitUntil(lambda: bool(panel.model.statuses_in(DeploymentState.MODIFIED)), timeout=WAIT)
    click_menu(qtbot, window, "Artifact", "Push from", "site  (modified)", answers=("Yes",))
    pushed = ws.history.head(aid)
    assert pushed.metadata["pushed_from"] == "site"

    first = ws.history.versions(aid, "collection")[-1]
    qtbot.waitUntil(lambda: first.id in {v.id for v in window.browser.versions}, timeout=WAIT)
    window.browser.show_version(first.id)
    click_menu(qtbot, window, "Artifact", "Restore", "the selected version into the collection", answers=("Yes",))
    rollback = ws.history.head(aid)
    assert rollback.change_origin == "rollback" and rollback.content_hash == first.content_hash


def test_merge_in_the_artifact_menu_opens_a_waiting_project_merge(qtbot, make_window, ws, tmp_path):
    aid = add_skills(ws, tmp_path / "up", ["alpha"])["alpha"]
    site = site_project(ws, tmp_path)
    artifact = ws.history.artifact(aid)
    projects.deploy(ws, artifact, site)
    body = (path_of(ws.home.collection_dir, artifact) / "SKILL.md").read_text(encoding="utf-8")
    (projects.project_copy_path(site, artifact) / "SKILL.md").write_text(body.replace("first", "site's"))
    (path_of(ws.home.collection_dir, artifact) / "SKILL.md").write_text(body.replace("first", "collection's"))
    core_sync.sync_all(ws)
    window = make_window()
    select_artifact(qtbot, window, aid)
    panel = window.projects.panel
    qtbot.waitUntil(lambda: bool(panel.model.deployments_of(aid)), timeout=WAIT)
    merge = window.verbs.merge_action
    window.verbs.update_merge()
    assert not merge.isEnabled()  # nothing waits yet

    click_menu(qtbot, window, "Artifact", "Push from", "site", answers=("Yes", MERGE_BUTTON))
    qtbot.waitUntil(lambda: window.merge_view is not None, timeout=WAIT)
    window.merge_view.reject()  # Later: the merge waits
    qtbot.waitUntil(lambda: window.merge_view is None, timeout=WAIT)
    click_menu(qtbot, window, "Artifact", "Merge…")
    qtbot.waitUntil(lambda: window.merge_view is not None, timeout=WAIT)
    assert window.merge_view.line == "site"
    # The deployment's menu in the panel says the same, in the window's words.
    menu = panel.menu_for(panel.model.index(0, 0, panel.model.index(0, 0)))
    assert menu.actions()[0].text() == "merge waiting — Resolve…"
    window.merge_view.abort()


def test_projects_menu_adds_updates_shows_and_removes(qtbot, make_window, ws, tmp_path, monkeypatch):
    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    folder = tmp_path / "web"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("web", True)))
    window = make_window()
    actions = window.projects.actions

    with qtbot.waitSignal(actions.snapshotLoaded, timeout=WAIT):
        click_menu(qtbot, window, "Projects", "Add project…")
    web = projects.get_project(ws, "web")
    assert web.path == str(folder)
    assert window.projects.dock.isVisible() and window.verbs.show_action.isChecked()

    artifact = ws.history.artifact(ids["alpha"])
    projects.deploy(ws, artifact, web)
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nnewer\n", encoding="utf-8")
    core_sync.sync_all(ws)
    with qtbot.waitSignal(actions.snapshotLoaded, timeout=WAIT):
        window.projects.panel.reload()
    assert plain(window.verbs.update_action.text()) == "Update outdated projects (1)"
    with qtbot.waitSignal(actions.snapshotLoaded, timeout=WAIT):
        click_menu(qtbot, window, "Projects", "Update outdated projects (1)", answers=("Yes",))
    assert ws.history.head(artifact.id, "web").content_hash == ws.history.head(artifact.id).content_hash
    assert plain(window.verbs.update_action.text()) == "Update outdated projects"
    assert not window.verbs.update_action.isEnabled()

    click_menu(qtbot, window, "Projects", "Show projects")
    assert not window.projects.dock.isVisible()

    click_menu(qtbot, window, "Projects", "Remove project", "web…", answers=("Yes",))
    assert [p.name for p in projects.list_projects(ws)] == []


def test_help_menu_opens_the_docs_and_about_says_the_version(qtbot, make_window, ws, tmp_path, monkeypatch):
    add_skills(ws, tmp_path / "up", ["alpha"])
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))
    window = make_window()
    click_menu(qtbot, window, "Help", "Documentation")
    assert opened and opened[0].endswith("docs/gui.md")
    click_menu(qtbot, window, "Help", "About Artifact Lineage")
    box = window.verbs.about_box
    qtbot.waitUntil(box.isVisible, timeout=WAIT)
    assert app_version() in box.text()
    box.accept()


def test_the_banner_never_offers_a_stale_count(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    site = site_project(ws, tmp_path)
    projects.deploy(ws, ws.history.artifact(ids["alpha"]), site)
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nnewer\n", encoding="utf-8")
    window = make_window()
    from tests.gui.helpers import click_sync

    click_sync(qtbot, window)
    banner = window.banner
    qtbot.waitUntil(lambda: banner.offered() == "Update outdated projects (1)", timeout=WAIT)
    # Updated another way (the panel's own button): the banner's offer goes with the count.
    said = Answers("Yes")
    with qtbot.waitSignal(window.projects.actions.snapshotLoaded, timeout=WAIT):
        window.projects.panel.update_button.click()
    said.timer.stop()
    qtbot.waitUntil(lambda: window.projects.panel.outdated_count() == 0, timeout=WAIT)
    assert banner.offered() is None

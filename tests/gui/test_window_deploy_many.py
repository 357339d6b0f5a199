"""Multi-select in the artifact list: deploy several into a project, undeploy them (issue 18)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QMessageBox

from core import projects
from core.history import Deployments
from gui.projects.node_menu import UNDEPLOY_MENU, find_action
from tests.gui.helpers import WAIT, add_skills


@pytest.fixture
def yes(monkeypatch):
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def select_rows(window, ids) -> None:
    pane = window.left
    selection = pane.tree.selectionModel()
    for aid in ids:
        index = pane.proxy.mapFromSource(pane.model.index_of(aid))
        selection.select(index, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


def wait_done(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.projects.actions.is_busy(), timeout=WAIT)


def test_deploy_and_undeploy_several_from_the_artifact_list(qtbot, make_window, ws, tmp_path, yes):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta", "gamma"])
    folder = tmp_path / "site"
    folder.mkdir()
    site = projects.add_project(ws, "site", folder)
    window = make_window()
    select_rows(window, [ids["alpha"], ids["beta"]])
    assert window.left.selected_ids() == [ids["alpha"], ids["beta"]]

    menu = window._on_artifact_menu(ids["beta"], window.mapToGlobal(window.rect().center()))
    menu.close()
    assert window.left.selected_ids() == [ids["alpha"], ids["beta"]]  # a right-click inside keeps the selection
    deploy = find_action(menu, "Deploy 2 artifacts to project", "site")
    deploy.trigger()
    wait_done(qtbot, window)
    assert any("Deploy 2 artifacts into site" in text for text in yes)
    store = Deployments(ws.db)
    assert {d.artifact_id for d in store.deployments(project_id=site.id)} == {ids["alpha"], ids["beta"]}
    assert (folder / ".claude" / "skills" / "beta" / "SKILL.md").is_file()

    window.projects.panel.reload()
    qtbot.waitUntil(lambda: len(window.projects.panel.model.deployments_of(ids["alpha"])) == 1, timeout=WAIT)
    menu = window.projects.artifact_menu(ids["alpha"], None, [ids["alpha"], ids["beta"]])
    undeploy = find_action(menu, "Undeploy 2 artifacts from project", "site, deleting its copy")
    undeploy.trigger()
    wait_done(qtbot, window)
    assert store.deployments(project_id=site.id) == []
    assert not (folder / ".claude" / "skills" / "alpha").exists()
    assert ws.history.head(ids["alpha"], "site") is not None  # the project's line stays

    menu = window.projects.artifact_menu(ids["gamma"])
    assert not find_action(menu, UNDEPLOY_MENU).isEnabled()  # deployed nowhere


def test_version_details_name_the_commit_that_last_changed_the_artifact():
    from gui.compare.version_details import metadata_rows

    rows = dict(metadata_rows({"upstream_kind": "git", "url": "/r", "resolved_commit": "c" * 40,
                               "path_commit": "a" * 40, "commit_date": "2025-01-02T03:04:05+00:00",
                               "commit_subject": "Add the skills"}, None))
    assert "Add the skills" not in rows["Commit"]
    assert rows["Last changed in"] == f"<code>{'a' * 12}</code> 2025-01-02 Add the skills"


def test_the_list_groups_by_plugin_then_by_type(qtbot):
    from datetime import datetime, timezone

    from core.history import ArtifactInfo
    from core.upstreams import UpstreamSpec
    from gui.artifacts.model import ArtifactListModel

    def info(i, name, type_, plugin=None):
        return ArtifactInfo(i, name, type_, UpstreamSpec("folder", "/x"), f"{type_}/{name}", "dir",
                            datetime.now(timezone.utc), plugin=plugin)

    model = ArtifactListModel()
    model.set_artifacts([info(1, "pdf", "skill", "document-skills"), info(2, "docx", "skill", "document-skills"),
                         info(3, "review", "command"), info(4, "terse", "output-style")])
    assert model.group_titles() == ["Plugin document-skills (2)", "Commands (1)", "Output styles (1)"]

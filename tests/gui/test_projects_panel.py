"""The projects panel: states from core, and its buttons and menu running core on workers."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from core import projects, sync
from core.workspace import Workspace
from gui.projects.actions import ProjectActions
from gui.projects.model import STATE_COLUMN
from gui.projects.panel import ProjectsPanel

WAIT = 20000


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path / "data"))
    yield workspace
    workspace.close()


@pytest.fixture
def deployed(ws, tmp_path):
    """A skill `alpha` deployed into project `site`; returns (artifact, project, upstream SKILL.md)."""
    skill = tmp_path / "up" / "alpha"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("# alpha\nfirst\n", encoding="utf-8")
    artifact = sync.add_artifact(ws, "alpha", str(skill), type="skill")
    sync.sync_all(ws)
    folder = tmp_path / "site"
    folder.mkdir()
    project = projects.add_project(ws, "site", folder)
    projects.deploy(ws, artifact, project)
    return artifact, project, skill / "SKILL.md"


@pytest.fixture
def answers(monkeypatch):
    """QMessageBox.question answers Yes (or what the test sets) and records what was asked."""
    asked: list[str] = []
    reply = {"button": QMessageBox.StandardButton.Yes}

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return reply["button"]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked, reply


def make_panel(qtbot, ws) -> ProjectsPanel:
    panel = ProjectsPanel(ProjectActions(ws))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.actions.snapshotLoaded, timeout=WAIT):
        panel.reload()
    return panel


def state_text(panel: ProjectsPanel, row: int = 0) -> str:
    project = panel.model.index(0, 0)
    return panel.model.index(row, STATE_COLUMN, project).data()


def test_panel_shows_projects_and_deployment_states_from_core(qtbot, ws, deployed):
    artifact, project, upstream = deployed
    panel = make_panel(qtbot, ws)
    assert panel.model.rowCount() == 1
    assert panel.model.index(0, 0).data() == "site"
    assert state_text(panel) == "in sync"
    assert not panel.update_button.isEnabled()

    upstream.write_text("# alpha\nsecond\n", encoding="utf-8")
    sync.sync_all(ws)
    with qtbot.waitSignal(panel.actions.snapshotLoaded, timeout=WAIT):
        panel.reload()
    assert state_text(panel) == "outdated"
    assert panel.update_button.isEnabled() and "(1)" in panel.update_button.text()


def test_update_outdated_button_redeploys_after_asking(qtbot, ws, deployed, answers):
    artifact, project, upstream = deployed
    upstream.write_text("# alpha\nsecond\n", encoding="utf-8")
    sync.sync_all(ws)
    panel = make_panel(qtbot, ws)
    with qtbot.waitSignal(panel.actions.snapshotLoaded, timeout=WAIT):
        panel.update_button.click()
    assert answers[0] and "1 outdated" in answers[0][0]
    assert state_text(panel) == "in sync"
    head = ws.history.head(artifact.id, "site")
    assert head.change_origin == "deployment"
    assert head.content_hash == ws.history.head(artifact.id).content_hash
    copy = projects.project_copy_path(project, artifact) / "SKILL.md"
    assert copy.read_text(encoding="utf-8") == "# alpha\nsecond\n"


def test_saying_no_changes_nothing(qtbot, ws, deployed, answers):
    artifact, project, upstream = deployed
    upstream.write_text("# alpha\nsecond\n", encoding="utf-8")
    sync.sync_all(ws)
    before = len(ws.history.versions(artifact.id))
    panel = make_panel(qtbot, ws)
    answers[1]["button"] = QMessageBox.StandardButton.No
    panel.update_button.click()
    assert not panel.actions.is_busy()
    assert len(ws.history.versions(artifact.id)) == before
    assert state_text(panel) == "outdated"


def test_push_from_the_deployment_menu_brings_the_edit_back(qtbot, ws, deployed, answers):
    artifact, project, upstream = deployed
    copy = projects.project_copy_path(project, artifact) / "SKILL.md"
    copy.write_text("# alpha\nedited in site\n", encoding="utf-8")
    panel = make_panel(qtbot, ws)
    assert state_text(panel) == "modified in project"
    menu = panel.menu_for(panel.model.index(0, 0, panel.model.index(0, 0)))
    push = next(a for a in menu.actions() if a.text() == "Push to collection")
    assert push.isEnabled()
    with qtbot.waitSignal(panel.actions.snapshotLoaded, timeout=WAIT):
        push.trigger()
    head = ws.history.head(artifact.id)
    assert head.metadata.get("pushed_from") == "site"
    assert ws.history.version(head.second_parent_id).line == "site"
    assert state_text(panel) == "in sync"
    assert "Pushed" in panel.status.text()


def test_a_refused_deploy_asks_to_overwrite_and_keeps_the_edits_in_history(qtbot, ws, deployed, answers):
    artifact, project, upstream = deployed
    copy = projects.project_copy_path(project, artifact) / "SKILL.md"
    copy.write_text("# alpha\nedited in site\n", encoding="utf-8")
    panel = make_panel(qtbot, ws)
    panel.actions.deploy(artifact, project)
    asked, _ = answers
    assert len(asked) == 1  # "Deploy …?"; core refuses, and the window offers its ways on
    qtbot.waitUntil(lambda: panel.actions.refusal_box is not None and panel.actions.refusal_box.isVisible(),
                    timeout=WAIT)
    box = panel.actions.refusal_box
    assert "edits that deploying would overwrite" in box.text() and "`" not in box.text()
    overwrite = next(b for b in box.buttons() if b.text() == "Overwrite project copy")
    with qtbot.waitSignal(panel.actions.snapshotLoaded, timeout=WAIT):
        overwrite.click()
    lines = [(v.line, v.change_origin) for v in ws.history.versions(artifact.id)]
    assert ("site", "local_modification") in lines  # the edit, kept
    assert copy.read_text(encoding="utf-8") == "# alpha\nfirst\n"


def test_core_sentence_is_shown_when_an_action_fails(qtbot, ws, deployed, answers, tmp_path):
    artifact, project, upstream = deployed
    panel = make_panel(qtbot, ws)
    with qtbot.waitSignal(panel.actions.failed, timeout=WAIT) as blocker:
        panel.actions.add_project("site", str(tmp_path))
    assert "site" in blocker.args[0] and "Traceback" not in blocker.args[0]
    assert panel.status.text() == blocker.args[0]

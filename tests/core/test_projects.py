"""Projects and deployments (core/projects, docs/projects.md): the whole cycle on temp folders."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core import projects, sync
from core.content import hash_tree
from core.errors import ProjectError, RefusedError, VersionNotFoundError
from core.history import COLLECTION_LINE
from core.projects import DeploymentState, DeployStrategy, PushStrategy
from core.sync import SyncState
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def write_tree(root: Path, files: dict) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
    return root


@pytest.fixture
def setup(ws, tmp_path):
    """A synced skill `pdf` and a registered project `web`."""
    up = write_tree(tmp_path / "up" / "pdf", {"SKILL.md": "# pdf\n", "run.sh": "echo 1\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    sync.sync_artifact(ws, art.id)
    (tmp_path / "web").mkdir()
    project = projects.add_project(ws, "web", tmp_path / "web")
    return art, project, up


def copy_in(project, name="pdf") -> Path:
    return Path(project.path) / ".claude" / "skills" / name


def state(ws, art):
    (st,) = projects.deployment_states(ws, [art.id])
    return st.state


# --- registry ----------------------------------------------------------------------


def test_project_names_are_unique_and_not_reserved_and_folders_must_exist(ws, tmp_path):
    (tmp_path / "a").mkdir()
    projects.add_project(ws, "a", tmp_path / "a")
    with pytest.raises(ProjectError, match="already registered"):
        projects.add_project(ws, "a", tmp_path / "a")
    for reserved in ("collection", "upstream"):
        with pytest.raises(ProjectError, match="line"):
            projects.add_project(ws, reserved, tmp_path / "a")
    with pytest.raises(ProjectError, match="does not exist"):
        projects.add_project(ws, "b", tmp_path / "nowhere")
    assert [p.name for p in projects.list_projects(ws)] == ["a"]


def test_removing_a_project_touches_none_of_its_files(ws, setup):
    art, project, _ = setup
    projects.deploy(ws, art, project)
    before = hash_tree(copy_in(project)).content_hash
    projects.remove_project(ws, "web")
    assert projects.list_projects(ws) == []
    assert projects.deployment_states(ws) == []
    assert hash_tree(copy_in(project)).content_hash == before
    # History stays, on a retired line: a project added later as "web" starts its own.
    assert any(v.line == f"web/removed-{project.id}" for v in ws.history.versions(art.id))
    with pytest.raises(ProjectError):
        projects.remove_project(ws, "web")


# --- deploy --------------------------------------------------------------------------


def test_first_deploy_copies_the_head_and_records_a_deployment_whose_parent_is_that_version(ws, setup):
    art, project, _ = setup
    head = ws.history.head(art.id)
    result = projects.deploy(ws, art, project)
    assert (copy_in(project) / "run.sh").read_text() == "echo 1\n"
    assert hash_tree(copy_in(project)).content_hash == head.content_hash
    deployed = ws.history.version(result.version_id)
    assert (deployed.line, deployed.change_origin, deployed.parent_id, deployed.second_parent_id) == (
        "web", "deployment", head.id, None)
    assert ws.history.head(art.id).id == head.id  # the collection line did not move
    assert state(ws, art) is DeploymentState.IN_SYNC


def test_redeploy_has_the_project_version_as_first_parent_and_the_copied_version_second(ws, setup, tmp_path):
    art, project, up = setup
    first = projects.deploy(ws, art, project)
    (up / "run.sh").write_text("echo 2\n")
    sync.sync_artifact(ws, art.id)
    assert state(ws, art) is DeploymentState.OUTDATED
    new_head = ws.history.head(art.id)
    second = projects.deploy(ws, art, project)
    v = ws.history.version(second.version_id)
    assert (v.parent_id, v.second_parent_id, v.line) == (first.version_id, new_head.id, "web")
    assert (copy_in(project) / "run.sh").read_text() == "echo 2\n"
    assert state(ws, art) is DeploymentState.IN_SYNC


def test_deploy_of_an_older_version_materialises_it_from_the_store(ws, setup):
    art, project, up = setup
    v1 = ws.history.head(art.id)
    (up / "run.sh").write_text("echo 2\n")
    sync.sync_artifact(ws, art.id)
    result = projects.deploy(ws, art, project, version=v1)
    assert (copy_in(project) / "run.sh").read_text() == "echo 1\n"
    assert ws.history.version(result.version_id).parent_id == v1.id
    assert state(ws, art) is DeploymentState.OUTDATED


def test_deploy_refuses_to_overwrite_edits_and_overwrite_records_them_first(ws, setup):
    art, project, up = setup
    projects.deploy(ws, art, project)
    (copy_in(project) / "run.sh").write_text("echo mine\n")
    (up / "run.sh").write_text("echo 2\n")
    sync.sync_artifact(ws, art.id)
    with pytest.raises(RefusedError, match=r"run\.sh \(modified\)"):
        projects.deploy(ws, art, project)
    assert (copy_in(project) / "run.sh").read_text() == "echo mine\n"
    result = projects.deploy(ws, art, project, strategy=DeployStrategy.OVERWRITE)
    edits = ws.history.version(result.edits_version_id)
    assert (edits.line, edits.change_origin) == ("web", "local_modification")
    assert ws.objects.get_manifest(edits.content_hash)  # stored: nothing lost
    assert ws.history.version(result.version_id).parent_id == edits.id
    assert (copy_in(project) / "run.sh").read_text() == "echo 2\n"


def test_deploy_refuses_a_copy_found_before_the_first_deployment(ws, setup):
    art, project, _ = setup
    write_tree(copy_in(project), {"SKILL.md": "# someone else's\n"})
    with pytest.raises(RefusedError):
        projects.deploy(ws, art, project)
    assert (copy_in(project) / "SKILL.md").read_text() == "# someone else's\n"


def test_deploy_never_follows_a_link_out_of_the_project(ws, setup, tmp_path):
    art, project, _ = setup
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, Path(project.path) / ".claude")
    with pytest.raises(RefusedError, match="outside the project"):
        projects.deploy(ws, art, project)
    assert list(outside.iterdir()) == []


def test_deploy_without_versions_is_refused(ws, tmp_path):
    up = write_tree(tmp_path / "up" / "new", {"SKILL.md": "x\n"})
    art = sync.add_artifact(ws, "new", str(up))
    (tmp_path / "p").mkdir()
    project = projects.add_project(ws, "p", tmp_path / "p")
    with pytest.raises(VersionNotFoundError):
        projects.deploy(ws, art, project)


def test_single_file_commands_deploy_to_their_md_file(ws, tmp_path):
    up = tmp_path / "up" / "commands" / "review.md"
    up.parent.mkdir(parents=True)
    up.write_text("review\n")
    art = sync.add_artifact(ws, "review", str(up))
    sync.sync_artifact(ws, art.id)
    (tmp_path / "p").mkdir()
    project = projects.add_project(ws, "p", tmp_path / "p")
    projects.deploy(ws, art, project)
    target = tmp_path / "p" / ".claude" / "commands" / "review.md"
    assert target.read_text() == "review\n"
    assert state(ws, art) is DeploymentState.IN_SYNC
    target.write_text("edited\n")
    assert state(ws, art) is DeploymentState.MODIFIED


# --- drift ---------------------------------------------------------------------------


@pytest.mark.parametrize("copy_moved, collection_moved, expected", [
    (False, False, "in_sync"), (False, True, "outdated"), (True, False, "modified"), (True, True, "conflict"),
])
def test_the_four_states_from_three_hashes(copy_moved, collection_moved, expected):
    base = "b" * 64
    copy = "c" * 64 if copy_moved else base
    head = "h" * 64 if collection_moved else base
    assert projects.classify_deployment(base, copy, head).value == expected
    assert projects.classify_deployment(base, None, head) is DeploymentState.MISSING


def test_reading_states_writes_nothing(ws, setup):
    art, project, _ = setup
    projects.deploy(ws, art, project)
    (copy_in(project) / "run.sh").write_text("edit\n")
    before = len(ws.history.versions(art.id))
    (st,) = projects.deployment_states(ws)
    assert st.state is DeploymentState.MODIFIED
    assert st.project_copy == hash_tree(copy_in(project)).content_hash
    assert len(ws.history.versions(art.id)) == before
    shutil.rmtree(copy_in(project))
    assert state(ws, art) is DeploymentState.MISSING


# --- sync ----------------------------------------------------------------------------


def test_sync_records_project_edits_and_updates_only_outdated_copies_when_asked(ws, setup, tmp_path):
    art, project, up = setup
    (tmp_path / "other").mkdir()
    other = projects.add_project(ws, "other", tmp_path / "other")
    first = projects.deploy(ws, art, project)
    projects.deploy(ws, art, other)
    (copy_in(project) / "run.sh").write_text("edit in web\n")
    (up / "SKILL.md").write_text("# pdf v2\n")
    checks = []
    sync.sync_all(ws, on_deployments=checks.extend)
    by_project = {c.status.project: c for c in checks}
    assert by_project["web"].action == "recorded"
    edit = ws.history.version(by_project["web"].version_id)
    assert (edit.line, edit.change_origin, edit.parent_id) == ("web", "local_modification", first.version_id)
    assert by_project["other"].status.state is DeploymentState.OUTDATED
    assert by_project["other"].action == "nothing"
    assert (copy_in(other) / "SKILL.md").read_text() == "# pdf\n"  # not changed unless asked

    checks.clear()
    sync.sync_all(ws, deploy_outdated=True, on_deployments=checks.extend)
    by_project = {c.status.project: c for c in checks}
    assert by_project["other"].action == "updated"
    assert (copy_in(other) / "SKILL.md").read_text() == "# pdf v2\n"
    assert by_project["web"].status.state is DeploymentState.CONFLICT and by_project["web"].action == "nothing"
    assert (copy_in(project) / "run.sh").read_text() == "edit in web\n"


# --- push ----------------------------------------------------------------------------


def test_push_brings_the_edit_back_with_the_project_version_as_second_parent(ws, setup):
    art, project, _ = setup
    projects.deploy(ws, art, project)
    (copy_in(project) / "run.sh").write_text("echo better\n")
    head_before = ws.history.head(art.id)
    result = projects.push(ws, art, project)
    assert result.action == "pushed"
    pushed = ws.history.version(result.version_id)
    project_version = ws.history.version(result.project_version_id)
    assert (pushed.line, pushed.change_origin, pushed.parent_id, pushed.second_parent_id) == (
        COLLECTION_LINE, "sync", head_before.id, project_version.id)
    assert project_version.line == "web"
    collection = Path(ws.home.collection_dir) / art.place
    assert (collection / "run.sh").read_text() == "echo better\n"
    assert state(ws, art) is DeploymentState.IN_SYNC
    assert projects.push(ws, art, project).action == "nothing"


def test_a_pushed_edit_is_a_local_change_to_the_upstream(ws, setup):
    """push, then upstream changes: diverged, and a default sync keeps the pushed edit."""
    art, project, up = setup
    projects.deploy(ws, art, project)
    (copy_in(project) / "run.sh").write_text("echo pushed\n")
    projects.push(ws, art, project)
    (st,) = sync.status_all(ws, ["pdf"])
    assert st.state is SyncState.LOCALLY_MODIFIED
    (up / "SKILL.md").write_text("# pdf upstream v2\n")
    (st,) = sync.status_all(ws, ["pdf"])
    assert st.state is SyncState.DIVERGED
    (result,) = sync.sync_all(ws, ["pdf"])
    assert result.conflict and result.action == "kept-local"
    collection = Path(ws.home.collection_dir) / art.place
    assert (collection / "run.sh").read_text() == "echo pushed\n"


def test_push_refuses_a_conflict_unless_take_project(ws, setup):
    art, project, up = setup
    projects.deploy(ws, art, project)
    (copy_in(project) / "run.sh").write_text("project side\n")
    (up / "SKILL.md").write_text("# collection side\n")
    sync.sync_artifact(ws, art.id)
    collection_head = ws.history.head(art.id)
    with pytest.raises(RefusedError, match="conflict"):
        projects.push(ws, art, project)
    result = projects.push(ws, art, project, PushStrategy.TAKE_PROJECT)
    pushed = ws.history.version(result.version_id)
    assert pushed.parent_id == collection_head.id  # the collection's newer content stays in history
    collection = Path(ws.home.collection_dir) / art.place
    assert (collection / "run.sh").read_text() == "project side\n"
    assert (collection / "SKILL.md").read_text() == "# pdf\n"


def test_push_of_an_artifact_not_deployed_there_is_bad_input(ws, setup):
    art, project, _ = setup
    with pytest.raises(ProjectError, match="not deployed"):
        projects.push(ws, art, project)


# --- restore -------------------------------------------------------------------------


def test_restore_records_a_rollback_naming_the_restored_version(ws, setup):
    art, _project, up = setup
    v1 = ws.history.head(art.id)
    (up / "run.sh").write_text("echo 2\n")
    sync.sync_artifact(ws, art.id)
    v2 = ws.history.head(art.id)
    collection = Path(ws.home.collection_dir) / art.place
    (collection / "extra.txt").write_text("unrecorded\n")
    result = projects.restore(ws, art, v1)
    edits = ws.history.version(result.edits_version_id)
    assert (edits.change_origin, edits.parent_id) == ("local_modification", v2.id)
    rollback = ws.history.version(result.version_id)
    assert (rollback.change_origin, rollback.parent_id, rollback.content_hash) == ("rollback", edits.id, v1.content_hash)
    assert rollback.metadata["restored_version"] == v1.id and rollback.metadata["restored_number"] == 1
    assert hash_tree(collection).content_hash == v1.content_hash
    assert len(ws.history.versions(art.id)) == 4  # nothing rewritten


def test_restore_into_a_project_copy(ws, setup):
    art, project, _ = setup
    projects.deploy(ws, art, project)
    (copy_in(project) / "run.sh").write_text("edit\n")
    v1 = ws.history.versions(art.id, COLLECTION_LINE)[-1]
    result = projects.restore(ws, art, v1, project)
    assert result.line == "web"
    assert (copy_in(project) / "run.sh").read_text() == "echo 1\n"
    assert ws.history.version(result.version_id).line == "web"
    assert state(ws, art) is DeploymentState.IN_SYNC


def test_a_project_folder_that_is_gone_is_an_error_state_and_refuses_deploy(ws, setup, tmp_path):
    art, project, _ = setup
    projects.deploy(ws, art, project)
    shutil.rmtree(tmp_path / "web")
    (st,) = projects.deployment_states(ws)
    assert st.state is DeploymentState.ERROR and "is gone" in st.error
    with pytest.raises(ProjectError, match="is gone"):
        projects.deploy(ws, art, project)
    assert not (tmp_path / "web").exists()  # not silently re-created


def test_a_broken_deployment_never_fails_the_upstream_sync(ws, setup, tmp_path):
    art, project, up = setup
    projects.deploy(ws, art, project)
    shutil.rmtree(tmp_path / "web")
    (up / "SKILL.md").write_text("# pdf v2\n")
    checks = []
    (result,) = sync.sync_all(ws, deploy_outdated=True, on_deployments=checks.extend)
    assert result.action == "replaced" and result.error is None
    (check,) = checks
    assert check.action == "failed" and "is gone" in check.error
    assert not (tmp_path / "web").exists()


def test_a_cancelled_sync_checks_no_deployment(ws, setup):
    art, project, _ = setup
    projects.deploy(ws, art, project)
    (copy_in(project) / "run.sh").write_text("edit\n")
    checks = []
    sync.sync_all(ws, cancel=lambda: True, on_deployments=checks.extend)
    assert checks == []
    assert ws.history.head(art.id, "web").change_origin == "deployment"  # nothing recorded

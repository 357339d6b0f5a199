"""Issue 14 §2 and issue 15 §4: content never lost for good, waiting merges never invalidated,
drift measured against the collection copy as it is (core/projects, core/sync/pending.py,
core/sync/repair.py)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core import projects, sync
from core.content import hash_tree
from core.errors import RefusedError
from core.history import COLLECTION_LINE
from core.projects import DeploymentState, DeployStrategy, MergeDirection, PushStrategy
from core.sync import Strategy
from core.sync.merging import pending_merge
from core.sync.pending import MergeWaitingError, has_pending, pending_place
from core.sync.workfolder import continue_from_work_folder, write_work_folder
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture
def setup(ws, tmp_path):
    """Skill `pdf` synced and deployed into project `web`; returns (artifact, project, upstream, collection copy)."""
    up = tmp_path / "up" / "pdf"
    write(up, {"SKILL.md": "# pdf\none\ntwo\nthree\n", "run.sh": "echo 1\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    sync.sync_artifact(ws, art.id)
    (tmp_path / "web").mkdir()
    project = projects.add_project(ws, "web", tmp_path / "web")
    projects.deploy(ws, art, project)
    return art, project, up, Path(ws.home.collection_dir) / art.place


def project_copy(project) -> Path:
    return Path(project.path) / ".claude" / "skills" / "pdf"


def state(ws, art) -> DeploymentState:
    (st,) = projects.deployment_states(ws, [art.id])
    return st.state


# --- fsck --repair from project copies -----------------------------------------------


def test_fsck_repairs_an_object_only_a_project_copy_still_holds(ws, setup):
    art, project, up, collection = setup
    digest = next(e.digest for e in ws.objects.get_manifest(ws.history.head(art.id).content_hash).entries
                  if e.path == b"run.sh")
    # Neither the collection copy nor the upstream holds that content any more.
    write(collection, {"run.sh": "echo collection\n"})
    write(up, {"run.sh": "echo upstream\n"})
    os.chmod(ws.objects.object_path(digest), 0o644)
    ws.objects.object_path(digest).write_bytes(b"damaged")

    report = sync.fsck(ws, repair=True)

    assert [(p.name, p.repaired_from) for p in report.problems] == [(digest, "web's copy of 'pdf'")]
    assert report.remaining == ()
    assert ws.objects.read_bytes(digest) == b"echo 1\n"


# --- verbs refused while a merge waits --------------------------------------------------


@pytest.fixture
def collection_merge(ws, setup):
    """A collection merge stopped on conflicts, its work folder edited by hand."""
    art, project, up, collection = setup
    write(collection, {"SKILL.md": "# pdf\none\nLOCAL\nthree\n"})
    write(up, {"SKILL.md": "# pdf\none\nUPSTREAM\nthree\n"})
    assert sync.sync_artifact(ws, art.id, Strategy.MERGE).action == "conflict"
    work = write_work_folder(ws, art).path
    write(work, {"SKILL.md": "# pdf\none\nBY HAND\nthree\n"})
    return art, project, work


def test_verbs_that_would_change_the_copy_a_merge_waits_for_are_refused(ws, setup, collection_merge):
    art, project, work = collection_merge
    _, _, _, collection = setup
    write(project_copy(project), {"SKILL.md": "# pdf\nproject edit\n"})
    before = hash_tree(collection).content_hash
    for act in (
        lambda: projects.push(ws, art, project, PushStrategy.TAKE_PROJECT),
        lambda: projects.merge_deployment(ws, art, project, MergeDirection.PUSH),
        lambda: projects.restore(ws, art, ws.history.versions(art.id)[-1]),
        lambda: sync.remove_artifact(ws, art),
    ):
        with pytest.raises(MergeWaitingError) as refused:
            act()
        words = str(refused.value)
        assert "merge 'pdf' is waiting" in words.replace("merge of 'pdf'", "merge 'pdf'")
        assert "--continue" in words and "deletes its work folder" in words
    assert hash_tree(collection).content_hash == before
    assert (work / "SKILL.md").read_text() == "# pdf\none\nBY HAND\nthree\n"
    # The project copy is not what the merge goes into: deploying over it stays allowed.
    projects.deploy(ws, art, project, strategy=DeployStrategy.OVERWRITE)
    # And the hand resolution can still be finished.
    outcome = continue_from_work_folder(ws, art)
    assert outcome.version_recorded and (Path(ws.home.collection_dir) / art.place / "SKILL.md").read_text() \
        == "# pdf\none\nBY HAND\nthree\n"


def test_a_deploy_merge_waiting_on_the_project_copy_refuses_deploy_and_restore_there(ws, setup):
    art, project, up, collection = setup
    write(collection, {"SKILL.md": "# pdf\none\nCOLLECTION\nthree\n"})
    write(project_copy(project), {"SKILL.md": "# pdf\none\nPROJECT\nthree\n"})
    assert projects.merge_deployment(ws, art, project, MergeDirection.DEPLOY).action == "conflict"
    first = ws.history.versions(art.id)[-1]
    with pytest.raises(MergeWaitingError, match="--project web"):
        projects.deploy(ws, art, project, strategy=DeployStrategy.OVERWRITE)
    with pytest.raises(MergeWaitingError):
        projects.restore(ws, art, first, project)
    assert (project_copy(project) / "SKILL.md").read_text() == "# pdf\none\nPROJECT\nthree\n"
    # The collection copy is not what this merge goes into: restoring it stays allowed.
    projects.restore(ws, art, first)


def test_an_unreadable_pending_record_refuses_too(ws, setup, collection_merge):
    art, project, _work = collection_merge
    pending_place(ws.home, art.id).state_file.write_text("{damaged")
    with pytest.raises(MergeWaitingError):
        projects.push(ws, art, project, PushStrategy.TAKE_PROJECT)


# --- drift against the collection copy as it is -----------------------------------------


def test_drift_counts_unrecorded_collection_edits_as_the_collection_moving_on(ws, setup):
    art, project, _up, collection = setup
    write(collection, {"SKILL.md": "# pdf\nunrecorded collection edit\n"})
    assert state(ws, art) is DeploymentState.OUTDATED  # not in_sync
    write(project_copy(project), {"SKILL.md": "# pdf\nproject edit\n"})
    assert state(ws, art) is DeploymentState.CONFLICT  # not modified: push would refuse
    with pytest.raises(RefusedError, match="conflict"):
        projects.push(ws, art, project)
    versions = len(ws.history.versions(art.id))
    assert len(ws.history.versions(art.id)) == versions  # reading states recorded nothing


def test_deploying_the_collection_takes_its_unrecorded_edits_recording_them_first(ws, setup):
    art, project, _up, collection = setup
    write(collection, {"SKILL.md": "# pdf\nunrecorded collection edit\n"})
    result = projects.deploy(ws, art, project)
    head = ws.history.head(art.id, COLLECTION_LINE)
    assert head.change_origin == "local_modification" and result.source_version_id == head.id
    assert (project_copy(project) / "SKILL.md").read_text() == "# pdf\nunrecorded collection edit\n"
    assert state(ws, art) is DeploymentState.IN_SYNC


# --- sync leaves alone the collection copy a waiting push merge goes into --------------


@pytest.fixture
def push_merge(ws, setup):
    """A push merge from `web` stopped on conflicts: it waits to go into the collection copy."""
    art, project, up, collection = setup
    write(collection, {"SKILL.md": "# pdf\none\nCOLLECTION\nthree\n"})
    write(project_copy(project), {"SKILL.md": "# pdf\none\nPROJECT\nthree\n"})
    assert projects.merge_deployment(ws, art, project, MergeDirection.PUSH).action == "conflict"
    assert has_pending(ws.home, art.id, "web")
    return art, project, up, collection


@pytest.mark.parametrize("strategy", [Strategy.KEEP_LOCAL, Strategy.TAKE_UPSTREAM, Strategy.MERGE])
def test_sync_never_replaces_the_collection_copy_a_push_merge_waits_for(ws, push_merge, strategy):
    art, project, up, collection = push_merge
    write(up, {"SKILL.md": "# pdf\none\nUPSTREAM MOVED ON\nthree\n", "run.sh": "echo 2\n"})
    before = hash_tree(collection).content_hash

    result = sync.sync_artifact(ws, art.id, strategy)

    assert (result.action, result.merge_line) == ("conflict", "web")
    assert hash_tree(collection).content_hash == before
    (status,) = [s for s in sync.status_all(ws) if s.artifact_id == art.id]
    assert (status.state.value, status.merge_line) == ("conflict", "web")
    # The waiting push can still be finished, into the copy it was started on.
    work = write_work_folder(ws, art, "web").path
    write(work, {"SKILL.md": "# pdf\none\nBOTH\nthree\n"})
    outcome = continue_from_work_folder(ws, art, "web")
    assert outcome.version_recorded
    assert (collection / "SKILL.md").read_text() == "# pdf\none\nBOTH\nthree\n"
    # Once it is done, sync brings upstream's change in as usual.
    assert sync.sync_artifact(ws, art.id, Strategy.TAKE_UPSTREAM).action == "replaced"


def test_status_names_the_push_merge_the_collection_copy_waits_for(ws, push_merge, capsys):
    from core.cli.main import main

    art, *_ = push_merge
    assert main(["--home", str(ws.home.root), "status"]) in (0, 1)
    out = capsys.readouterr().out
    assert "conflict" in out and "`merge pdf --project web`" in out


def test_a_project_with_a_waiting_merge_is_not_removed_until_the_merge_is_done(ws, push_merge):
    from core.sync.merging import abort_merge

    art, project, _up, _collection = push_merge
    with pytest.raises(MergeWaitingError, match=r"wait in project 'web'.*merge pdf --project web"):
        projects.remove_project(ws, "web")
    assert [p.name for p in projects.list_projects(ws)] == ["web"] and has_pending(ws.home, art.id, "web")
    abort_merge(ws, art, "web")
    projects.remove_project(ws, "web")
    assert projects.list_projects(ws) == []

"""core.live: which paths belong to which artifact, the stat poll, and re-checking a few artifacts."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core import projects, sync
from core.history import History
from core.live import DiskPoller, PlaceIndex, Rechecker, copy_places, watch_paths
from core.projects import DeploymentState
from core.sync import SyncState
from core.sync.pending import pending_place
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
def world(ws, tmp_path):
    """Skills pdf and docx synced, a command review synced, pdf deployed into project web."""
    arts = {}
    for name in ("pdf", "docx"):
        up = write_tree(tmp_path / "up" / name, {"SKILL.md": f"# {name}\n", "lib/run.sh": "echo 1\n"})
        arts[name] = sync.add_artifact(ws, name, str(up))
    (tmp_path / "upc").mkdir()
    (tmp_path / "upc" / "review.md").write_text("review\n")
    arts["review"] = sync.add_artifact(ws, "review", str(tmp_path / "upc" / "review.md"), type="command")
    sync.sync_all(ws)
    (tmp_path / "web").mkdir()
    web = projects.add_project(ws, "web", tmp_path / "web")
    projects.deploy(ws, arts["pdf"], web)
    return arts, web


def collection(ws, *parts) -> Path:
    return Path(ws.home.collection_dir, *parts)


def test_every_copy_and_its_files_map_to_their_artifact(ws, world, tmp_path):
    arts, web = world
    index = PlaceIndex(copy_places(ws), ws.home.merges_dir)
    pdf, docx, review = arts["pdf"].id, arts["docx"].id, arts["review"].id
    assert index.artifacts_at(collection(ws, "skills", "pdf", "lib", "run.sh")) == {pdf}
    assert index.artifacts_at(collection(ws, "skills", "docx")) == {docx}
    assert index.artifacts_at(collection(ws, "commands", "review.md")) == {review}
    assert index.artifacts_at(tmp_path / "web" / ".claude" / "skills" / "pdf" / "SKILL.md") == {pdf}
    assert index.artifacts_at(collection(ws, "skills", ".pdf.staging-1", "pdf")) == set()
    assert index.artifacts_at(pending_place(ws.home, docx).state_file) == {docx}
    assert index.artifacts_below(collection(ws, "commands")) == {review}
    assert index.artifacts_below(collection(ws, "skills")) == {pdf, docx}  # the copies directly in it
    assert index.artifacts_below(collection(ws, "skills", "pdf", "lib")) == {pdf}  # a folder inside a copy
    assert index.artifacts_below(tmp_path / "web" / ".claude" / "skills") == {pdf}
    assert index.artifacts_below(tmp_path / "elsewhere") == set()

    paths = watch_paths(index)
    for expected in (collection(ws, "skills", "pdf"), collection(ws, "skills", "pdf", "lib"),
                     collection(ws, "skills", "pdf", "lib", "run.sh"), collection(ws, "commands"),
                     collection(ws, "commands", "review.md"), tmp_path / "web" / ".claude" / "skills" / "pdf" / "SKILL.md"):
        assert str(expected) in paths
    assert paths == sorted(set(paths))


def test_the_poll_names_the_artifacts_whose_copies_changed_and_nothing_else(ws, world, tmp_path):
    arts, web = world
    poller = DiskPoller(PlaceIndex(copy_places(ws), ws.home.merges_dir))
    assert poller.poll() == set()  # the starting point
    assert poller.poll() == set()
    (collection(ws, "skills", "pdf", "lib", "run.sh")).write_text("echo 2\n")  # an edit in place, same size
    os.utime(collection(ws, "skills", "pdf", "lib", "run.sh"), ns=(1, 1))
    assert poller.poll() == {arts["pdf"].id}
    (tmp_path / "web" / ".claude" / "skills" / "pdf" / "new.md").write_text("x")
    (collection(ws, "commands", "review.md")).unlink()
    assert poller.poll() == {arts["pdf"].id, arts["review"].id}
    place = pending_place(ws.home, arts["docx"].id)
    place.state_file.parent.mkdir(parents=True)
    place.state_file.write_text("{}")
    assert poller.poll() == {arts["docx"].id}
    assert poller.poll() == set()


def test_a_recheck_reports_the_edit_and_the_deployment_and_records_nothing(ws, world, tmp_path):
    arts, web = world
    pdf = arts["pdf"].id
    before = len(History(ws.db).versions(pdf))
    checker = Rechecker(ws)
    first = checker.check({pdf})
    assert [s.state for s in first.statuses] == [SyncState.UP_TO_DATE]
    assert [d.state for d in first.deployments] == [DeploymentState.IN_SYNC]
    assert first.fetched == {pdf}

    (tmp_path / "web" / ".claude" / "skills" / "pdf" / "SKILL.md").write_text("# pdf, edited in web\n")
    second = checker.check({pdf})
    assert [d.state for d in second.deployments] == [DeploymentState.MODIFIED]
    (collection(ws, "skills", "pdf", "SKILL.md")).write_text("# pdf, edited here\n")
    second = checker.check({pdf})
    assert [s.state for s in second.statuses] == [SyncState.LOCALLY_MODIFIED]
    assert second.fetched == frozenset()  # an edit on disk is compared with the upstream fetched before
    assert checker.check({pdf}, refetch={pdf}).fetched == {pdf}
    assert len(History(ws.db).versions(pdf)) == before  # seeing is not recording


def test_a_recheck_of_a_removed_artifact_reports_nothing(ws, world):
    arts, _web = world
    sync.remove_artifact(ws, ws.history.artifact(arts["docx"].id), purge=False)
    check = Rechecker(ws).check({arts["docx"].id})
    assert check.statuses == () and check.deployments == ()

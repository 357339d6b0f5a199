"""edit and remove in core (core/sync/managing.py): what never changes or gets lost on failure."""
from __future__ import annotations

from pathlib import Path

import pytest

from core import sync
from core.errors import DatabaseError, UpstreamError
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def skill(root: Path, text: str = "# pdf\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_text(text)
    return root


def synced(ws, tmp_path, name: str = "pdf"):
    art = sync.add_artifact(ws, name, str(skill(tmp_path / "up" / name)))
    sync.sync_all(ws)
    return art


def test_remove_records_nothing_and_deletes_nothing_when_recording_fails(ws, tmp_path, monkeypatch):
    art = synced(ws, tmp_path)
    copy = ws.collection_dir / art.place
    (copy / "SKILL.md").write_text("# pdf\nedited\n")

    def broken(*args, **kwargs):
        raise DatabaseError("The database is locked; try again.")

    monkeypatch.setattr(ws.history, "record_version", broken)
    with pytest.raises(DatabaseError):
        sync.remove_artifact(ws, art)
    assert (copy / "SKILL.md").read_text() == "# pdf\nedited\n"
    assert [a.name for a in ws.history.list_artifacts()] == ["pdf"]


def test_remove_without_a_copy_and_a_single_file_skill_leaves_no_empty_folder(ws, tmp_path):
    never_synced = sync.add_artifact(ws, "fresh", str(skill(tmp_path / "up" / "fresh")))
    outcome = sync.remove_artifact(ws, never_synced)
    assert (outcome.copy_removed, outcome.recorded_version_id) == (False, None)
    single = tmp_path / "single"
    single.mkdir()
    (single / "notes.md").write_text("x\n")
    art = sync.add_artifact(ws, "one", str(single / "notes.md"), type="skill")
    sync.sync_all(ws)
    assert (ws.collection_dir / art.place).is_file()
    sync.remove_artifact(ws, art)
    assert not (ws.collection_dir / "skills" / "one").exists()
    assert (ws.collection_dir / "skills").is_dir()


def test_edit_refuses_an_upstream_of_several_artifacts_and_changes_nothing(ws, tmp_path):
    art = synced(ws, tmp_path)
    repo = tmp_path / "repo"
    skill(repo / "skills" / "a")
    skill(repo / "skills" / "b")
    with pytest.raises(sync.SeveralArtifactsError) as info:
        sync.edit_upstream(ws, art, source=str(repo))
    assert {f.name for f in info.value.found} == {"a", "b"}
    with pytest.raises(UpstreamError):
        sync.edit_upstream(ws, art, source=str(tmp_path / "missing"))
    assert ws.history.artifact(art.id).upstream == art.upstream
    moved = sync.edit_upstream(ws, art, source=str(repo), subdir="skills/a")
    assert moved.changed and ws.history.artifact(art.id).upstream.subdir == "skills/a"

"""Storing the upstream's waiting state for comparing: content stored, history unchanged."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core import sync
from core.diff import compare, file_diff
from core.errors import LineageError
from core.sync.upstream_preview import store_upstream
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def synced_skill(ws, tmp_path: Path):
    up = tmp_path / "up" / "pdf"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# pdf\nalpha\n")
    (up / "notes.md").write_text("same\n")
    art = sync.add_artifact(ws, "pdf", str(up))
    sync.sync_artifact(ws, art.id)
    return art, up


def test_changed_upstream_is_stored_and_compares_with_the_head_without_a_version(ws, tmp_path):
    art, up = synced_skill(ws, tmp_path)
    (up / "SKILL.md").write_text("# pdf\nbeta\n")
    (up / "extra.md").write_text("new\n")
    before = ws.history.versions(art.id)
    copy = Path(ws.home.collection_dir) / art.place
    copy_before = (copy / "SKILL.md").read_text()

    state = store_upstream(ws, art.id)

    (status,) = sync.status_all(ws, ["pdf"])
    assert state.content_hash == status.upstream != state.head
    assert state.head == before[0].content_hash
    assert ws.objects.has_manifest(state.content_hash)
    assert ws.history.versions(art.id) == before  # nothing recorded
    assert (copy / "SKILL.md").read_text() == copy_before  # nor the collection copy touched
    changes = compare(ws.objects, state.head, state.content_hash)
    assert {(c.display_path, c.status) for c in changes} == {("SKILL.md", "modified"), ("extra.md", "added")}
    modified = next(c for c in changes if c.display_path == "SKILL.md")
    shutil.rmtree(up)  # the diff reads the stored objects, not the upstream folder
    assert [(l.kind, l.text) for l in file_diff(ws.objects, modified).lines if l.kind in "+-"] == [
        ("-", "alpha"), ("+", "beta")]


def test_unreachable_upstream_is_core_sentence(ws, tmp_path):
    art, up = synced_skill(ws, tmp_path)
    shutil.rmtree(up)
    with pytest.raises(LineageError) as caught:
        store_upstream(ws, art.id)
    (status,) = sync.status_all(ws, ["pdf"])
    assert str(caught.value) == status.error

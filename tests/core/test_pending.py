"""Pending records (core.workspace.pending): the version a sync records after its swap,
written before it, rolled forward by the next run (issue 7.1)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import sync
from core.content import hash_tree
from core.errors import DatabaseError
from core.history import History
from core.workspace import PendingRecord, Workspace


def _skill(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_text(text)
    return root


@pytest.fixture
def synced(tmp_path):
    """A skill synced at v1, its upstream now at v2, and the v2 copy put in place by hand,
    as a sync that died between its swap and its recording leaves it."""
    up = _skill(tmp_path / "up" / "st", "v1\n")
    ws = Workspace.open(tmp_path / "home")
    art = sync.add_artifact(ws, "st", str(up))
    first = sync.sync_artifact(ws, art.id)
    (up / "SKILL.md").write_text("v2\n")
    copy = ws.home.collection_dir / art.place
    (copy / "SKILL.md").write_text("v2\n")
    yield ws, art, first, hash_tree(copy).content_hash, up
    ws.close()


def test_a_record_whose_copy_is_in_place_is_recorded_as_sync_once(synced):
    ws, art, first, v2, _ = synced
    record = PendingRecord(art.id, v2, first.new_hash, "sync", {"strategy": "keep-local"})
    ws.pending.hold(record).leave()  # the process died after the swap
    messages = ws.roll_forward()
    assert len(messages) == 1 and "interrupted run" in messages[0]
    head = ws.history.head(art.id)
    assert (head.content_hash, head.change_origin, head.parent_id) == (v2, "sync", first.version_id)
    assert head.metadata == {"strategy": "keep-local", "recovered": True}
    assert os.listdir(ws.home.pending_dir) == []
    # A crash after the commit but before the unlink: rolled forward again, recorded once.
    ws.pending.hold(record).leave()
    assert ws.roll_forward() == []
    assert len(ws.history.versions(art.id)) == 2 and os.listdir(ws.home.pending_dir) == []


def test_a_record_whose_swap_never_happened_is_dropped(synced):
    ws, art, first, v2, _ = synced
    ws.pending.hold(PendingRecord(art.id, "f" * 64, first.new_hash)).leave()
    assert ws.roll_forward() == []
    assert len(ws.history.versions(art.id)) == 1 and os.listdir(ws.home.pending_dir) == []


def test_a_record_a_running_sync_holds_is_left_alone(synced):
    ws, art, first, v2, _ = synced
    held = ws.pending.hold(PendingRecord(art.id, v2, first.new_hash))
    try:
        assert ws.roll_forward() == []  # its sync records it itself
        assert len(ws.history.versions(art.id)) == 1 and held.path.exists()
    finally:
        held.done()
    assert os.listdir(ws.home.pending_dir) == []


def test_unreadable_and_unfinished_records_are_removed(synced):
    ws, art, *_ = synced
    ws.home.pending_dir.mkdir(exist_ok=True)
    (ws.home.pending_dir / "bad.json").write_text("{not json")
    (ws.home.pending_dir / "half.json.tmp").write_text('{"format": 1')
    messages = ws.roll_forward()
    assert len(messages) == 1 and "unreadable" in messages[0]
    assert os.listdir(ws.home.pending_dir) == []


def test_a_record_is_kept_while_the_database_still_fails(synced, monkeypatch):
    ws, art, first, v2, _ = synced
    ws.pending.hold(PendingRecord(art.id, v2, first.new_hash)).leave()

    def broken(self, *a, **kw):
        raise DatabaseError("The database is locked by another program.")

    with monkeypatch.context() as m:
        m.setattr(History, "record_version", broken)
        messages = ws.roll_forward()
    assert len(messages) == 1 and "kept" in messages[0]
    assert len(os.listdir(ws.home.pending_dir)) == 1
    assert ws.roll_forward() and ws.history.head(art.id).content_hash == v2


def test_workspace_open_rolls_forward_before_the_next_sync(synced, tmp_path):
    """The issue's case: after the crash the upstream moves on; the next sync applies it."""
    ws, art, first, v2, up = synced
    ws.pending.hold(PendingRecord(art.id, v2, first.new_hash)).leave()
    ws.close()
    (up / "SKILL.md").write_text("v3\n")
    with Workspace.open(tmp_path / "home") as again:
        assert any("interrupted run" in m for m in again.startup_messages)
        (result,) = sync.sync_all(again)
        assert (result.state.value, result.action, result.conflict) == ("upstream_changed", "replaced", False)
        origins = [v.change_origin for v in again.history.versions(art.id)]
        assert origins == ["sync", "sync", "sync"]


def test_a_record_that_cannot_be_written_stops_the_sync_before_the_swap(synced, monkeypatch):
    ws, art, first, v2, up = synced
    copy = ws.home.collection_dir / art.place
    (copy / "SKILL.md").write_text("v1\n")  # back to what the history says

    def full(self, record):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(ws.pending), "hold", full)
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed" and "Disk full" in result.error
    assert (copy / "SKILL.md").read_text() == "v1\n"  # the copy is untouched
    assert not [p for p in copy.parent.iterdir() if ".staging-" in p.name]

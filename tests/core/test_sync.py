"""Sync states and rules (core/sync/engine.py, docs/sync.md)."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import sync
from core.atomic import swap, transfer
from core.sync import engine as sync_engine, Strategy, SyncState
from core.errors import DatabaseError, LineageError, UpstreamError
from core.content import hash_tree
from core.history import History
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def write_tree(root: Path, files: dict) -> Path:
    """Make `root` hold exactly `files` (name -> str/bytes)."""
    if root.exists():
        import shutil

        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def skill(tmp_path: Path, name: str = "pdf", **files) -> Path:
    return write_tree(tmp_path / "up" / name, {"SKILL.md": f"# {name}\n", **files})


def copy_of(ws, art) -> Path:
    return Path(ws.home.collection_dir) / art.place


def state_of(ws, name: str) -> SyncState:
    (status,) = sync.status_all(ws, [name])
    return status.state


def test_new_artifact_is_copied_and_recorded_as_a_root(ws, tmp_path):
    up = skill(tmp_path, "pdf", **{"scripts/run.sh": "echo hi\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    assert (art.type, art.shape, art.place) == ("skill", "dir", "skills/pdf")
    assert state_of(ws, "pdf") is SyncState.NEW
    assert not copy_of(ws, art).exists()  # status changes nothing

    result = sync.sync_artifact(ws, art.id)
    expected = hash_tree(up).content_hash
    assert (result.state, result.action, result.new_hash) == (SyncState.NEW, "copied", expected)
    assert result.version_recorded and result.error is None and not result.conflict
    assert (copy_of(ws, art) / "scripts" / "run.sh").read_text() == "echo hi\n"
    assert hash_tree(copy_of(ws, art)).content_hash == expected

    (version,) = ws.history.versions(art.id)
    assert version.id == result.version_id
    assert (version.content_hash, version.parent_hash, version.change_origin) == (expected, None, "sync")
    meta = version.metadata
    assert meta["files_added"] == 2 and meta["files_removed"] == 0 and meta["files_changed"] == 0
    assert meta["upstream_kind"] == "folder" and meta["strategy"] == "keep-local"
    assert "machine" in meta and "user" in meta
    assert ws.objects.has_manifest(expected)
    assert state_of(ws, "pdf") is SyncState.UP_TO_DATE


def test_up_to_date_does_nothing(ws, tmp_path):
    art = sync.add_artifact(ws, "pdf", str(skill(tmp_path)))
    sync.sync_artifact(ws, art.id)
    again = sync.sync_artifact(ws, art.id)
    assert (again.state, again.action, again.version_recorded) == (SyncState.UP_TO_DATE, "nothing", False)
    assert len(ws.history.versions(art.id)) == 1


def test_upstream_changed_replaces_and_records_parent_local(ws, tmp_path):
    up = skill(tmp_path, "pdf", **{"a.txt": "one\n", "gone.txt": "bye\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    first = sync.sync_artifact(ws, art.id)
    write_tree(up, {"SKILL.md": "# pdf\n", "a.txt": "two\n", "new.txt": "hello\n"})
    assert state_of(ws, "pdf") is SyncState.UPSTREAM_CHANGED
    assert len(ws.history.versions(art.id)) == 1  # status recorded nothing

    result = sync.sync_artifact(ws, art.id)
    assert (result.state, result.action) == (SyncState.UPSTREAM_CHANGED, "replaced")
    assert result.old_hash == first.new_hash
    assert (copy_of(ws, art) / "a.txt").read_text() == "two\n"
    assert not (copy_of(ws, art) / "gone.txt").exists()
    head = ws.history.head(art.id)
    assert head.id == result.version_id and head.change_origin == "sync"
    assert head.parent_hash == first.new_hash and head.parent_id == first.version_id
    assert (head.metadata["files_added"], head.metadata["files_removed"], head.metadata["files_changed"]) == (1, 1, 1)
    assert ws.history.lineage(head.id) == [first.new_hash, result.new_hash]
    # no staging or backup left beside the copy
    assert sorted(p.name for p in copy_of(ws, art).parent.iterdir()) == ["pdf"]


def test_locally_modified_is_recorded_and_never_overwritten(ws, tmp_path):
    art = sync.add_artifact(ws, "pdf", str(skill(tmp_path)))
    first = sync.sync_artifact(ws, art.id)
    (copy_of(ws, art) / "SKILL.md").write_text("# my edit\n")
    assert state_of(ws, "pdf") is SyncState.LOCALLY_MODIFIED

    result = sync.sync_artifact(ws, art.id)
    assert (result.action, result.conflict, result.version_recorded) == ("kept-local", False, True)
    assert (copy_of(ws, art) / "SKILL.md").read_text() == "# my edit\n"
    head = ws.history.head(art.id)
    assert head.change_origin == "local_modification" and head.parent_id == first.version_id
    assert ws.objects.has_manifest(head.content_hash)
    # still locally modified, nothing more to record
    again = sync.sync_artifact(ws, art.id)
    assert (again.state, again.version_recorded) == (SyncState.LOCALLY_MODIFIED, False)
    assert len(ws.history.versions(art.id)) == 2


def _diverge(ws, tmp_path):
    up = skill(tmp_path)
    art = sync.add_artifact(ws, "pdf", str(up))
    first = sync.sync_artifact(ws, art.id)
    (copy_of(ws, art) / "SKILL.md").write_text("# local\n")
    (up / "SKILL.md").write_text("# upstream\n")
    assert state_of(ws, "pdf") is SyncState.DIVERGED
    return up, art, first


def test_diverged_keep_local_reports_a_conflict(ws, tmp_path):
    _, art, first = _diverge(ws, tmp_path)
    result = sync.sync_artifact(ws, art.id)  # default strategy
    assert (result.state, result.action, result.conflict) == (SyncState.DIVERGED, "kept-local", True)
    assert result.error is None
    assert (copy_of(ws, art) / "SKILL.md").read_text() == "# local\n"
    head = ws.history.head(art.id)
    assert head.change_origin == "local_modification" and head.parent_hash == first.new_hash
    # keep-local is a decision about this upstream state: later syncs succeed (cron) and say so
    again = sync.sync_artifact(ws, art.id)
    assert (again.state, again.action, again.conflict) == (SyncState.KEPT_LOCAL, "kept-local", False)
    assert not again.version_recorded
    assert again.not_recorded_reason == "The local copy is already recorded as the newest version; it was kept."
    assert len(ws.history.versions(art.id, line="collection")) == 2
    (kept,) = ws.history.versions(art.id, line="upstream")
    assert kept.metadata["decision"] == "kept_local" and kept.parent_id == first.version_id


def test_diverged_take_upstream_keeps_local_in_history(ws, tmp_path):
    _, art, first = _diverge(ws, tmp_path)
    local_hash = hash_tree(copy_of(ws, art)).content_hash
    result = sync.sync_artifact(ws, art.id, Strategy.TAKE_UPSTREAM)
    assert (result.state, result.action) == (SyncState.DIVERGED, "replaced")
    assert (copy_of(ws, art) / "SKILL.md").read_text() == "# upstream\n"
    newest, local, root = ws.history.versions(art.id, line="collection")
    (upstream,) = ws.history.versions(art.id, line="upstream")
    assert (root.id, local.content_hash, local.change_origin) == (first.version_id, local_hash, "local_modification")
    assert newest.change_origin == "sync" and newest.parent_id == local.id and newest.parent_hash == local_hash
    # the local edit is a side branch: upstream's content came from the upstream line
    assert newest.second_parent_id == upstream.id and upstream.content_hash == newest.content_hash
    assert upstream.parent_id == root.id
    assert newest.metadata["strategy"] == "take-upstream"
    # the local edit can be restored from the object store
    restored = tmp_path / "restored"
    ws.objects.materialize(local_hash, restored)
    assert (restored / "SKILL.md").read_text() == "# local\n"
    assert state_of(ws, "pdf") is SyncState.UP_TO_DATE


def test_revert_a_b_a_records_three_versions(ws, tmp_path):
    up = skill(tmp_path)
    art = sync.add_artifact(ws, "pdf", str(up))
    a = sync.sync_artifact(ws, art.id)
    (up / "SKILL.md").write_text("# B\n")
    b = sync.sync_artifact(ws, art.id)
    (up / "SKILL.md").write_text("# pdf\n")
    a2 = sync.sync_artifact(ws, art.id)
    assert a2.version_recorded and a2.new_hash == a.new_hash != b.new_hash
    newest = ws.history.head(art.id)
    assert newest.metadata["matches_version"] == a.version_id
    assert ws.history.lineage(newest.id) == [a.new_hash, b.new_hash, a.new_hash]


def test_identical_content_in_two_artifacts(ws, tmp_path):
    one = sync.add_artifact(ws, "one", str(write_tree(tmp_path / "u1", {"SKILL.md": "same\n"})))
    two = sync.add_artifact(ws, "two", str(write_tree(tmp_path / "u2", {"SKILL.md": "same\n"})))
    results = sync.sync_all(ws)
    assert [r.version_recorded for r in results] == [True, True]
    (v1,) = ws.history.versions(one.id)
    (v2,) = ws.history.versions(two.id)
    assert v1.content_hash == v2.content_hash and v1.id != v2.id


def test_single_file_command_named_differently_from_upstream(ws, tmp_path):
    src = tmp_path / "repo" / "commands" / "review-code.md"
    src.parent.mkdir(parents=True)
    src.write_text("Review the code.\n")
    art = sync.add_artifact(ws, "review", str(src))
    assert (art.type, art.shape, art.place) == ("command", "file", "commands/review.md")
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "copied"
    target = copy_of(ws, art)
    assert target.read_text() == "Review the code.\n"
    # the recorded hash is what `hash` prints for the collection file
    assert hash_tree(target).content_hash == result.new_hash
    assert state_of(ws, "review") is SyncState.UP_TO_DATE
    src.write_text("Review it twice.\n")
    assert sync.sync_artifact(ws, art.id).action == "replaced"
    assert target.read_text() == "Review it twice.\n"


def test_add_skill_md_file_tracks_its_folder(ws, tmp_path):
    up = skill(tmp_path, "pdf", **{"helper.py": "print(1)\n"})
    art = sync.add_artifact(ws, "pdf", str(up / "SKILL.md"))
    assert (art.type, art.shape, art.place) == ("skill", "dir", "skills/pdf")
    assert Path(art.upstream.location) == up.resolve()
    sync.sync_artifact(ws, art.id)
    assert (copy_of(ws, art) / "helper.py").exists()


def test_add_refuses_bad_names_and_missing_upstreams(ws, tmp_path):
    up = skill(tmp_path)
    with pytest.raises(LineageError, match="name"):
        sync.add_artifact(ws, "../evil", str(up))
    with pytest.raises(UpstreamError):
        sync.add_artifact(ws, "x", str(tmp_path / "nowhere"))
    with pytest.raises(UpstreamError):
        sync.add_artifact(ws, "x", f"file://{tmp_path}/no-such-repo.git")
    assert ws.history.list_artifacts() == []


# --- failures before the swap leave the copy alone ---------------------------


def _synced_then_upstream_changed(ws, tmp_path):
    up = skill(tmp_path, "pdf", **{"a.txt": "old\n", "b.txt": "old\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    first = sync.sync_artifact(ws, art.id)
    (up / "a.txt").write_text("new\n")
    (up / "b.txt").write_text("new\n")
    return up, art, first


def _partial_copy_then_fail(exc: OSError):
    real = transfer.copy_untrusted

    def fake(src, dest):
        real(src, dest)  # a whole copy lands on disk, then the "disk" fails
        (Path(dest) / "b.txt").write_text("half")
        raise exc

    return fake


def test_failure_mid_copy_keeps_old_copy_and_records_nothing(ws, tmp_path, monkeypatch):
    up, art, first = _synced_then_upstream_changed(ws, tmp_path)
    monkeypatch.setattr(transfer, "copy_untrusted", _partial_copy_then_fail(OSError(errno.EIO, "I/O error")))
    result = sync.sync_artifact(ws, art.id)
    assert (result.state, result.action, result.version_recorded) == (SyncState.UPSTREAM_CHANGED, "failed", False)
    assert "pdf" in result.error and "Traceback" not in result.error
    assert (copy_of(ws, art) / "a.txt").read_text() == "old\n"
    assert hash_tree(copy_of(ws, art)).content_hash == first.new_hash
    assert len(ws.history.versions(art.id)) == 1
    assert sorted(p.name for p in copy_of(ws, art).parent.iterdir()) == ["pdf"]  # staging removed
    monkeypatch.undo()
    assert sync.sync_artifact(ws, art.id).action == "replaced"


def test_failure_in_the_swap_keeps_old_copy(ws, tmp_path, monkeypatch):
    """The real replace_atomically, with its one-step exchange failing: the old copy stays."""
    up, art, first = _synced_then_upstream_changed(ws, tmp_path)

    def exchange_fails(a, b, *dir_fds):
        raise OSError(errno.EIO, "Input/output error", str(a))

    monkeypatch.setattr(swap, "_renameat2_exchange", exchange_fails)
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed" and not result.version_recorded
    assert "previous copy was kept" in result.error
    assert hash_tree(copy_of(ws, art)).content_hash == first.new_hash
    assert len(ws.history.versions(art.id)) == 1
    assert not [p for p in copy_of(ws, art).parent.iterdir() if ".staging-" in p.name]


def test_failure_halfway_through_the_rename_pair_puts_the_old_copy_back(ws, tmp_path, monkeypatch):
    """Where the exchange is unsupported: old copy moved aside, then moving the new one in fails."""
    up, art, first = _synced_then_upstream_changed(ws, tmp_path)
    target = copy_of(ws, art)

    def unsupported(a, b, *dir_fds):
        raise OSError(errno.ENOSYS, "renameat2 unsupported")

    real_rename = os.rename

    def rename(src, dst, *a, **kw):
        if Path(dst) == target and ".staging-" in str(src):
            raise OSError(errno.EIO, "Input/output error", str(src))
        return real_rename(src, dst, *a, **kw)

    monkeypatch.setattr(swap, "_renameat2_exchange", unsupported)
    monkeypatch.setattr(swap.os, "rename", rename)
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed" and not result.version_recorded
    assert hash_tree(target).content_hash == first.new_hash
    assert len(ws.history.versions(art.id)) == 1
    assert not [p for p in target.parent.iterdir() if ".backup-" in p.name]


def test_upstream_changing_during_the_copy_is_refused(ws, tmp_path, monkeypatch):
    """The staged copy is re-hashed: content that differs from the upstream hashed is not swapped in."""
    up, art, first = _synced_then_upstream_changed(ws, tmp_path)
    real_copy = transfer.copy_untrusted

    def copy_then_upstream_edits(src, dest):
        real_copy(src, dest)
        (Path(dest) / "SKILL.md").write_text("edited while copying\n")

    monkeypatch.setattr(transfer, "copy_untrusted", copy_then_upstream_edits)
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed" and not result.version_recorded
    assert "changed while it was being copied" in result.error
    assert hash_tree(copy_of(ws, art)).content_hash == first.new_hash
    assert len(ws.history.versions(art.id)) == 1


def test_an_unexpected_error_in_one_artifact_does_not_stop_the_others(ws, tmp_path, monkeypatch):
    for name in ("a", "b", "c"):
        sync.add_artifact(ws, name, str(skill(tmp_path, name)))
    real_probe = sync_engine.probe_artifact

    def probe(ws_, artifact, *rest):
        if artifact.name == "b":
            raise RuntimeError("bug in the probe")
        return real_probe(ws_, artifact, *rest)

    monkeypatch.setattr(sync_engine, "probe_artifact", probe)
    results = {r.name: r for r in sync.sync_all(ws)}
    assert results["a"].action == "copied" and results["c"].action == "copied"
    assert results["b"].action == "failed" and "bug in the probe" in results["b"].error
    assert len(ws.history.versions(results["c"].artifact_id)) == 1


def test_disk_full_gives_a_clear_message_and_keeps_the_copy(ws, tmp_path, monkeypatch):
    up, art, first = _synced_then_upstream_changed(ws, tmp_path)
    monkeypatch.setattr(
        transfer, "copy_untrusted", _partial_copy_then_fail(OSError(errno.ENOSPC, "No space left on device"))
    )
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed"
    assert result.error.startswith("Disk full while copying 'pdf' into the collection")
    assert "free space" in result.error
    assert hash_tree(copy_of(ws, art)).content_hash == first.new_hash


def test_missing_upstream_is_an_error_for_that_artifact(ws, tmp_path):
    up = skill(tmp_path)
    art = sync.add_artifact(ws, "pdf", str(up))
    first = sync.sync_artifact(ws, art.id)
    import shutil

    shutil.rmtree(up)
    (status,) = sync.status_all(ws)
    assert status.state is SyncState.ERROR and str(up) in status.error
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed" and str(up) in result.error
    assert hash_tree(copy_of(ws, art)).content_hash == first.new_hash


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX links")
def test_link_leaving_the_artifact_is_refused_by_name(ws, tmp_path):
    up = skill(tmp_path)
    os.symlink("/etc/passwd", up / "steal")
    art = sync.add_artifact(ws, "pdf", str(up))
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed" and "steal" in result.error
    assert not copy_of(ws, art).exists()
    assert ws.history.versions(art.id) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX links")
def test_link_inside_the_artifact_is_copied_as_a_link(ws, tmp_path):
    up = skill(tmp_path, "pdf", **{"docs/a.md": "a\n"})
    os.symlink("docs/a.md", up / "alias")
    art = sync.add_artifact(ws, "pdf", str(up))
    assert sync.sync_artifact(ws, art.id).action == "copied"
    assert os.readlink(copy_of(ws, art) / "alias") == "docs/a.md"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_by_name(ws, tmp_path):
    up = skill(tmp_path)
    art = sync.add_artifact(ws, "pdf", str(up))
    os.mkfifo(up / "pipe")
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed" and "pipe" in result.error
    assert not copy_of(ws, art).exists()


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs byte file names")
def test_non_utf8_file_name_syncs(ws, tmp_path):
    up = skill(tmp_path)
    with open(os.path.join(os.fsencode(up), b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"latin-1 name\n")
    art = sync.add_artifact(ws, "pdf", str(up))
    assert sync.sync_artifact(ws, art.id).action == "copied"
    assert os.path.exists(os.path.join(os.fsencode(copy_of(ws, art)), b"caf\xe9.txt"))
    assert state_of(ws, "pdf") is SyncState.UP_TO_DATE


# --- graceful degradation and reconcile ---------------------------------------


def _break_recording(monkeypatch):
    def broken(self, *args, **kwargs):
        raise DatabaseError("The database is locked by another program; close it and sync again.")

    monkeypatch.setattr(History, "record_version", broken)


def test_recording_failure_on_first_sync_is_recorded_by_the_next_pass(ws, tmp_path, monkeypatch):
    art = sync.add_artifact(ws, "pdf", str(skill(tmp_path)))
    _break_recording(monkeypatch)
    result = sync.sync_artifact(ws, art.id)
    assert (result.action, result.version_recorded, result.error) == ("copied", False, None)
    assert "locked" in result.not_recorded_reason
    assert copy_of(ws, art).is_dir()
    assert len(os.listdir(ws.home.pending_dir)) == 1  # the version waits as a pending record
    monkeypatch.undo()

    (status,) = sync.status_all(ws)  # finishes the recording: the copy is what the sync put there
    assert status.state is SyncState.UP_TO_DATE and status.head == result.new_hash
    (version,) = ws.history.versions(art.id)
    assert version.change_origin == "sync" and version.parent_hash is None
    assert version.content_hash == result.new_hash and version.metadata["recovered"] is True
    assert version.metadata["location"] == str(tmp_path / "up" / "pdf")
    assert os.listdir(ws.home.pending_dir) == []
    again = sync.sync_artifact(ws, art.id)
    assert again.action == "nothing" and len(ws.history.versions(art.id)) == 1


def test_recording_failure_on_update_then_upstream_moves_on(ws, tmp_path, monkeypatch):
    """Issue 7.1: the copy came from upstream, so the next upstream change is applied, not a conflict."""
    up, art, first = _synced_then_upstream_changed(ws, tmp_path)
    _break_recording(monkeypatch)
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "replaced" and not result.version_recorded
    assert (copy_of(ws, art) / "a.txt").read_text() == "new\n"
    monkeypatch.undo()
    (up / "a.txt").write_text("newer\n")  # upstream moves on before the next sync
    again = sync.sync_artifact(ws, art.id)
    assert (again.state, again.action, again.conflict) == (SyncState.UPSTREAM_CHANGED, "replaced", False)
    assert [v.change_origin for v in ws.history.versions(art.id)] == ["sync", "sync", "sync"]
    newest, middle, oldest = ws.history.versions(art.id)
    assert middle.content_hash == result.new_hash and middle.parent_id == first.version_id
    assert newest.parent_id == middle.id and middle.metadata["recovered"] is True


def test_recording_failure_on_update_then_reconcile(ws, tmp_path, monkeypatch):
    """A copy equal to the upstream with no version (placed by hand, or pending records lost) is reconciled."""
    up, art, first = _synced_then_upstream_changed(ws, tmp_path)
    _break_recording(monkeypatch)
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "replaced" and not result.version_recorded
    monkeypatch.undo()
    shutil.rmtree(ws.home.pending_dir)
    # local == upstream, head is still the old sync: the next sync records a `sync` version
    assert state_of(ws, "pdf") is SyncState.UP_TO_DATE
    again = sync.sync_artifact(ws, art.id)
    assert again.version_recorded
    head = ws.history.head(art.id)
    assert head.change_origin == "sync" and head.content_hash == result.new_hash
    assert head.parent_id == first.version_id and head.metadata["reconciled"] is True
    assert len(ws.history.versions(art.id)) == 2


def test_take_upstream_keeps_local_when_its_edit_cannot_be_recorded(ws, tmp_path, monkeypatch):
    _, art, _ = _diverge(ws, tmp_path)
    _break_recording(monkeypatch)
    result = sync.sync_artifact(ws, art.id, Strategy.TAKE_UPSTREAM)
    assert (result.action, result.conflict, result.version_recorded) == ("kept-local", True, False)
    assert (copy_of(ws, art) / "SKILL.md").read_text() == "# local\n"


def test_copy_placed_by_hand_is_reconciled(ws, tmp_path):
    up = skill(tmp_path)
    art = sync.add_artifact(ws, "pdf", str(up))
    write_tree(copy_of(ws, art), {"SKILL.md": "# hand made\n"})
    assert state_of(ws, "pdf") is SyncState.DIVERGED  # no base: never overwritten by default
    result = sync.sync_artifact(ws, art.id)
    assert (result.action, result.conflict) == ("kept-local", True)
    (root,) = ws.history.versions(art.id, line="collection")
    assert root.change_origin == "local_modification" and root.parent_hash is None
    taken = sync.sync_artifact(ws, art.id, Strategy.TAKE_UPSTREAM)
    assert taken.action == "replaced" and ws.history.head(art.id).parent_id == root.id


# --- sync all -------------------------------------------------------------------


def test_sync_all_reports_progress_and_one_failure_does_not_stop_the_rest(ws, tmp_path):
    for name in ("a", "b", "c"):
        sync.add_artifact(ws, name, str(skill(tmp_path, name)))
    import shutil

    shutil.rmtree(tmp_path / "up" / "b")
    calls = []
    results = sync.sync_all(ws, progress=lambda done, total, name: calls.append((done, total, name)))
    assert [(r.name, r.action) for r in results] == [("a", "copied"), ("b", "failed"), ("c", "copied")]
    assert calls == [(0, 3, "a"), (1, 3, "b"), (2, 3, "c"), (3, 3, "")]
    assert results[1].error and results[1].state is SyncState.ERROR


def test_sync_all_cancel_between_artifacts(ws, tmp_path):
    for name in ("a", "b", "c"):
        sync.add_artifact(ws, name, str(skill(tmp_path, name)))
    seen = []
    results = sync.sync_all(ws, progress=lambda d, t, n: seen.append(n), cancel=lambda: len(seen) >= 1)
    assert [(r.name, r.action) for r in results] == [("a", "copied"), ("b", "cancelled"), ("c", "cancelled")]
    assert ws.history.versions(results[1].artifact_id) == []
    assert [r.state for r in results[1:]] == [SyncState.NOT_CHECKED] * 2  # never looked at, not failed


def test_versions_are_stamped_by_the_workspace_clock(ws, tmp_path):
    from datetime import datetime, timezone

    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    ws.clock = lambda: moment
    art = sync.add_artifact(ws, "pdf", str(skill(tmp_path)))
    result = sync.sync_artifact(ws, art.id)
    assert ws.history.version(result.version_id).created_at == moment


def test_sync_all_per_artifact_strategies(ws, tmp_path):
    ups = {n: skill(tmp_path, n) for n in ("a", "b")}
    arts = {n: sync.add_artifact(ws, n, str(ups[n])) for n in ups}
    sync.sync_all(ws)
    for n in ups:
        (copy_of(ws, arts[n]) / "SKILL.md").write_text("local\n")
        (ups[n] / "SKILL.md").write_text("upstream\n")
    results = sync.sync_all(ws, strategies={arts["b"].id: Strategy.TAKE_UPSTREAM})
    assert [(r.action, r.conflict) for r in results] == [("kept-local", True), ("replaced", False)]


def test_sync_all_unknown_name_raises(ws):
    with pytest.raises(LineageError, match="nope"):
        sync.sync_all(ws, names=["nope"])


# --- git upstream end to end ---------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_git_upstream_end_to_end(ws, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    write_tree(repo / "skills" / "pdf", {"SKILL.md": "# v1\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "v1")
    first_commit = _git(repo, "rev-parse", "HEAD")

    art = sync.add_artifact(ws, "pdf", str(repo), ref="main", subdir="skills/pdf")
    assert (art.upstream.kind, art.type, art.place) == ("git", "skill", "skills/pdf")
    one = sync.sync_artifact(ws, art.id)
    assert one.action == "copied"
    assert ws.history.head(art.id).metadata["resolved_commit"] == first_commit

    (repo / "skills" / "pdf" / "SKILL.md").write_text("# v2\n")
    _git(repo, "commit", "-qam", "v2")
    second_commit = _git(repo, "rev-parse", "HEAD")
    assert state_of(ws, "pdf") is SyncState.UPSTREAM_CHANGED
    two = sync.sync_artifact(ws, art.id)
    assert two.action == "replaced"
    head = ws.history.head(art.id)
    assert head.metadata["resolved_commit"] == second_commit and head.parent_hash == one.new_hash
    assert (copy_of(ws, art) / "SKILL.md").read_text() == "# v2\n"


# --- more rules -----------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX links")
def test_status_already_reports_an_escaping_link(ws, tmp_path):
    up = skill(tmp_path)
    art = sync.add_artifact(ws, "pdf", str(up))
    sync.sync_artifact(ws, art.id)
    os.symlink("../../outside", up / "sneaky")
    (status,) = sync.status_all(ws)
    assert status.state is SyncState.ERROR and "sneaky" in status.error


def test_hand_revert_then_upstream_change(ws, tmp_path):
    up = skill(tmp_path)
    art = sync.add_artifact(ws, "pdf", str(up))
    base = sync.sync_artifact(ws, art.id)
    skill_md = copy_of(ws, art) / "SKILL.md"
    skill_md.write_text("# edit\n")
    sync.sync_artifact(ws, art.id)  # records the edit
    skill_md.write_text("# pdf\n")  # reverted by hand to the synced content
    (up / "SKILL.md").write_text("# new upstream\n")
    assert state_of(ws, "pdf") is SyncState.UPSTREAM_CHANGED
    result = sync.sync_artifact(ws, art.id)
    assert result.action == "replaced"
    newest, revert, edit, root = ws.history.versions(art.id)
    assert revert.change_origin == "local_modification" and revert.content_hash == base.new_hash
    assert revert.metadata["matches_version"] == root.id and revert.parent_id == edit.id
    assert newest.parent_id == revert.id and newest.change_origin == "sync"


def test_explicit_type_and_subdir_for_a_folder_upstream(ws, tmp_path):
    write_tree(tmp_path / "pack", {"agents/helper.md": "You help.\n", "README.md": "x"})
    art = sync.add_artifact(ws, "helper", str(tmp_path / "pack"), subdir="agents/helper.md", type="agent")
    assert (art.type, art.shape, art.place, art.upstream.subdir) == ("agent", "file", "agents/helper.md", "agents/helper.md")
    assert sync.sync_artifact(ws, art.id).action == "copied"
    assert copy_of(ws, art).read_text() == "You help.\n"


def test_workspace_reports_recovery_messages_and_closes_once(tmp_path, monkeypatch):
    monkeypatch.setattr(swap, "recover", lambda collection_dir: [f"Finished replacing {collection_dir}/x."])
    w = Workspace.open(home=tmp_path / "h2")
    try:
        assert w.startup_messages == [f"Finished replacing {w.home.collection_dir}/x."]
        assert w.home.objects_dir.is_dir() and w.home.collection_dir.is_dir()
        hash_tree(skill(tmp_path), cache=w.stat_cache)  # something for close() to save
    finally:
        w.close()
        w.close()  # idempotent
    assert w.home.stat_cache_path.exists()


def test_summary_counts_each_outcome_once():
    from core.sync import summarize_results
    from core.sync import SyncResult, SyncState

    def r(state, action, conflict=False):
        return SyncResult(1, "x", "skill", state, action, None, None, None, False, conflict=conflict)

    results = (
        [r(SyncState.UPSTREAM_CHANGED, "replaced")] * 2
        + [r(SyncState.NEW, "copied")]
        + [r(SyncState.LOCALLY_MODIFIED, "kept-local")]
        + [r(SyncState.DIVERGED, "kept-local", conflict=True)]
        + [r(SyncState.UP_TO_DATE, "nothing")] * 17
        + [r(SyncState.ERROR, "failed")]
        + [r(SyncState.NOT_CHECKED, "cancelled")] * 2
    )
    summary = summarize_results(results)
    assert (summary.added, summary.updated, summary.locally_modified, summary.diverged_kept_local) == (1, 2, 1, 1)
    assert (summary.up_to_date, summary.failed, summary.cancelled) == (17, 1, 2)
    assert summary.text() == (
        "1 added, 2 updated, 1 locally modified, 1 diverged (kept local), 17 up to date, 1 failed, 2 cancelled"
    )
    assert summarize_results(results[:2] + results[3:4] + results[5:22]).text() == (
        "2 updated, 1 locally modified, 17 up to date, 0 failed"
    )


def test_store_puts_back_an_object_deleted_by_hand(tmp_path):
    """The advice for a corrupt object is 'delete it and sync again': that must work."""
    import os

    from core import sync
    from core.workspace import Workspace

    upstream = tmp_path / "up" / "skill-a"
    upstream.mkdir(parents=True)
    (upstream / "SKILL.md").write_text("one\n")
    with Workspace.open(tmp_path / "home") as ws:
        sync.add_artifact(ws, "skill-a", str(upstream), type="skill")
        first = sync.sync_all(ws)[0]
        manifest = ws.objects.get_manifest(first.new_hash)
        digest = manifest.entries[0].digest
        obj = ws.objects.object_path(digest)
        os.chmod(obj, 0o644)
        obj.unlink()
        assert not ws.objects.has(digest)
        (upstream / "SKILL.md").write_text("two\n")
        sync.sync_all(ws)  # stores the local content (manifest present) before replacing it
        assert ws.objects.has(digest)


def test_a_diverged_status_says_what_each_side_changed(ws, tmp_path):
    up = skill(tmp_path, "pdf", **{"notes.md": "n\n", "old.txt": "o\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    sync.sync_artifact(ws, art.id)
    copy = copy_of(ws, art)
    (copy / "notes.md").write_text("edited here\n")
    (copy / "mine.txt").write_text("new here\n")
    (up / "SKILL.md").write_text("# changed upstream\n")
    (up / "old.txt").unlink()
    (status,) = sync.status_all(ws, ["pdf"])
    assert status.state is SyncState.DIVERGED
    assert [(c.display_path, c.status) for c in status.changed_locally] == [
        ("mine.txt", "added"), ("notes.md", "modified"),
    ]
    assert [(c.display_path, c.status) for c in status.changed_upstream] == [
        ("SKILL.md", "modified"), ("old.txt", "removed"),
    ]
    # only diverged artifacts carry the details
    (up / "SKILL.md").write_text("# pdf\n")
    (up / "old.txt").write_text("o\n")
    (status,) = sync.status_all(ws, ["pdf"])
    assert status.state is SyncState.LOCALLY_MODIFIED
    assert status.changed_locally == () and status.changed_upstream == ()


def test_a_version_recorded_by_another_verb_during_a_pass_is_read_again_under_the_lock(ws, tmp_path):
    """sync_all reads every head and base at its start; another verb (here a sync of one
    artifact, as a second window's, recording an edit of b's collection copy) records a
    version of "b" before the pass takes b's lock. Under the lock the pass reads b's head
    again and works from it: the copy is known as the newest version and no record is
    tried (with the stale head the pass tried one and the database refused it as known)."""
    ups = {name: skill(tmp_path, name) for name in ("a", "b")}
    arts = {name: sync.add_artifact(ws, name, str(up)) for name, up in ups.items()}
    sync.sync_all(ws)
    (copy_of(ws, arts["b"]) / "SKILL.md").write_text("# b\nedited in the collection\n")

    def meanwhile(index, total, name):
        if name == "b":
            assert sync.sync_artifact(ws, arts["b"].id).version_recorded

    results = {r.name: r for r in sync.sync_all(ws, progress=meanwhile)}
    b = results["b"]
    assert (b.state, b.action, b.version_recorded) == (SyncState.LOCALLY_MODIFIED, "kept-local", False)
    assert b.not_recorded_reason == "The local copy is already recorded as the newest version; it was kept."
    assert [v.change_origin for v in ws.history.versions(arts["b"].id)] == ["local_modification", "sync"]

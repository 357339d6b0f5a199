"""copy_untrusted never follows links; replace_atomically leaves the old or the new copy; recover()."""
from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from core.atomic import RECOVERY_DIR_NAME, copy_untrusted, recover, replace_atomically, stage_copy, swap, transfer
from core.errors import SyncError, UnsafeEntryError
from core.fsio import remove_path, try_lock
from core.content import hash_tree


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def listing(root: Path) -> dict[str, str]:
    """Every file below root with its text (links as '-> target')."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = Path(dirpath, name)
            rel = p.relative_to(root).as_posix()
            out[rel] = f"-> {os.readlink(p)}" if p.is_symlink() else p.read_text()
    return out


# --------------------------------------------------------------------------- copy: refusals


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside", "../../../etc/passwd"])
def test_copy_refuses_escaping_link_and_names_it(tmp_path, target):
    src = make_tree(tmp_path / "src", {"a.txt": "a", "docs/readme.md": "r"})
    os.symlink(target, src / "docs" / "evil")
    dest = tmp_path / "dest"
    with pytest.raises(UnsafeEntryError) as info:
        copy_untrusted(src, dest)
    assert "docs/evil" in str(info.value)
    assert target in str(info.value)
    assert not os.path.lexists(dest)


def test_copy_refuses_fifo_naming_it_and_writes_nothing(tmp_path):
    src = make_tree(tmp_path / "src", {"a.txt": "a", "sub/b.txt": "b"})
    os.mkfifo(src / "sub" / "pipe")
    dest = tmp_path / "dest"
    with pytest.raises(UnsafeEntryError) as info:
        copy_untrusted(src, dest)
    assert "sub/pipe" in str(info.value)
    assert "FIFO" in str(info.value)
    assert not os.path.lexists(dest)


def test_copy_refuses_socket(tmp_path):
    import socket

    src = make_tree(tmp_path / "src", {"a.txt": "a"})
    # AF_UNIX paths are limited to ~108 bytes; bind with a relative name from inside src.
    cwd = os.getcwd()
    os.chdir(src)
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind("sock")
    finally:
        os.chdir(cwd)
    try:
        with pytest.raises(UnsafeEntryError, match="'sock' is a socket"):
            copy_untrusted(src, tmp_path / "dest")
    finally:
        s.close()
    assert not os.path.lexists(tmp_path / "dest")


def test_copy_refuses_a_root_that_is_a_link(tmp_path):
    real = make_tree(tmp_path / "real", {"a": "a"})
    os.symlink(real, tmp_path / "link")
    with pytest.raises(UnsafeEntryError, match="symbolic link"):
        copy_untrusted(tmp_path / "link", tmp_path / "dest")
    assert not os.path.lexists(tmp_path / "dest")


def test_copy_checks_names_with_core_safety(tmp_path, monkeypatch):
    # The OS never lists '..', so prove every entry name goes through check_name.
    src = make_tree(tmp_path / "src", {"ok.txt": "1", "zz/inner.txt": "2"})
    seen = []

    def fake_check(path: bytes) -> None:
        seen.append(path)
        if path == b"zz/inner.txt":
            raise UnsafeEntryError("The entry 'zz/inner.txt' is refused.")

    monkeypatch.setattr(transfer, "check_name", fake_check)
    with pytest.raises(UnsafeEntryError, match="zz/inner.txt"):
        copy_untrusted(src, tmp_path / "dest")
    assert seen == [b"ok.txt", b"zz", b"zz/inner.txt"]
    assert not os.path.lexists(tmp_path / "dest")


def test_copy_into_existing_destination_is_refused(tmp_path):
    src = make_tree(tmp_path / "src", {"a": "new"})
    dest = make_tree(tmp_path / "dest", {"keep": "old"})
    with pytest.raises(SyncError, match="already there"):
        copy_untrusted(src, dest)
    assert listing(dest) == {"keep": "old"}


# --------------------------------------------------------------------------- copy: what is kept


def test_copy_keeps_links_as_links_exec_bits_and_odd_names(tmp_path):
    src = make_tree(tmp_path / "src", {"SKILL.md": "skill", "scripts/run.sh": "#!/bin/sh\n", "docs/a.md": "a"})
    os.chmod(src / "scripts" / "run.sh", 0o700)
    os.chmod(src / "docs" / "a.md", 0o600)
    os.symlink("../SKILL.md", src / "docs" / "skill-link")
    os.symlink("docs", src / "docs-dir-link")
    odd = os.fsdecode(b"caf\xe9 \xff.txt")  # not UTF-8
    (src / odd).write_bytes(b"latin-1 name")
    dest = tmp_path / "dest"

    copy_untrusted(src, dest)

    assert os.readlink(dest / "docs" / "skill-link") == "../SKILL.md"
    assert (dest / "docs-dir-link").is_symlink() and os.readlink(dest / "docs-dir-link") == "docs"
    assert stat.S_IMODE(os.stat(dest / "scripts" / "run.sh").st_mode) == 0o755
    assert stat.S_IMODE(os.stat(dest / "docs" / "a.md").st_mode) == 0o644
    assert (dest / odd).read_bytes() == b"latin-1 name"
    assert hash_tree(dest).content_hash == hash_tree(src).content_hash


def test_copy_does_not_dereference_a_link_to_a_directory(tmp_path):
    outside = make_tree(tmp_path / "outside", {"secret": "s"})
    src = make_tree(tmp_path / "src", {"a": "a"})
    os.symlink("sub", src / "inner-link")  # dangling but inside: copied as a link
    dest = tmp_path / "dest"
    copy_untrusted(src, dest)
    assert (dest / "inner-link").is_symlink()
    assert not (dest / "secret").exists()
    assert (outside / "secret").read_text() == "s"


def test_copy_skips_vcs_and_cache_folders_and_hashes_like_the_source(tmp_path):
    src = make_tree(tmp_path / "src", {
        "a.py": "a", ".git/config": "c", "pkg/__pycache__/a.pyc": "p", "pkg/.DS_Store": "d", "pkg/b.py": "b",
    })
    dest = tmp_path / "dest"
    copy_untrusted(src, dest)
    assert listing(dest) == {"a.py": "a", "pkg/b.py": "b"}
    assert hash_tree(dest).content_hash == hash_tree(src).content_hash


def test_skipped_folders_are_not_scanned_for_unsafe_entries(tmp_path):
    src = make_tree(tmp_path / "src", {"a": "a", ".git/x": "x"})
    os.symlink("/etc/passwd", src / ".git" / "evil")  # ignored like the hash ignores it
    copy_untrusted(src, tmp_path / "dest")
    assert listing(tmp_path / "dest") == {"a": "a"}


def test_copy_single_file(tmp_path):
    src = tmp_path / "review.md"
    src.write_text("# review\n")
    os.chmod(src, 0o755)
    dest = tmp_path / "out" / "commands" / "review.md"
    dest.parent.mkdir(parents=True)
    copy_untrusted(src, dest)
    assert dest.read_text() == "# review\n"
    assert os.stat(dest).st_mode & 0o111


def test_failure_mid_copy_removes_the_partial_destination(tmp_path, monkeypatch):
    src = make_tree(tmp_path / "src", {f"f{i}.txt": str(i) for i in range(5)})
    calls = {"n": 0}
    real = transfer._copy_file_fd

    def flaky(sfd, dfd):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(sfd, dfd)

    monkeypatch.setattr(transfer, "_copy_file_fd", flaky)
    with pytest.raises(OSError):
        copy_untrusted(src, tmp_path / "dest")
    assert calls["n"] == 3
    assert not os.path.lexists(tmp_path / "dest")


def test_stage_copy_is_beside_the_target(tmp_path):
    src = make_tree(tmp_path / "src", {"a": "a"})
    target = tmp_path / "collection" / "skills" / "pdf"
    staged = stage_copy(src, target)
    assert staged.parent == target.parent
    assert staged.name.startswith(".pdf.staging-")
    assert listing(staged) == {"a": "a"}
    assert staged != stage_copy(src, target)  # fresh each time


# --------------------------------------------------------------------------- replace


@pytest.fixture(params=["exchange", "rename-pair"])
def mode(request, monkeypatch):
    """Run replace tests with renameat2 and with the fallback (renameat2 reporting ENOSYS)."""
    if request.param == "rename-pair":
        def unsupported(a, b):
            raise OSError(errno.ENOSYS, "not here")
        monkeypatch.setattr(swap, "_renameat2_exchange", unsupported)
    return request.param


def test_replace_directory(tmp_path, mode):
    target = make_tree(tmp_path / "coll" / "skills" / "pdf", {"old.txt": "old", "same": "1"})
    staged = stage_copy(make_tree(tmp_path / "new", {"new.txt": "new", "same": "2"}), target)
    replace_atomically(target, staged)
    assert listing(target) == {"new.txt": "new", "same": "2"}
    assert sorted(os.listdir(target.parent)) == ["pdf"]  # no staging, backup or record left


def test_replace_single_file(tmp_path, mode):
    target = tmp_path / "coll" / "commands" / "review.md"
    target.parent.mkdir(parents=True)
    target.write_text("old")
    src = tmp_path / "review.md"
    src.write_text("new")
    replace_atomically(target, stage_copy(src, target))
    assert target.read_text() == "new"
    assert os.listdir(target.parent) == ["review.md"]


def test_replace_when_target_is_missing_is_a_rename(tmp_path, mode):
    target = tmp_path / "coll" / "skills" / "pdf"
    staged = stage_copy(make_tree(tmp_path / "new", {"a": "a"}), target)
    replace_atomically(target, staged)
    assert listing(target) == {"a": "a"}
    assert not staged.exists()


def test_exchange_is_used_on_linux(tmp_path, monkeypatch):
    if not os.uname().sysname == "Linux":
        pytest.skip("renameat2 is Linux only")
    calls = []
    real = swap._renameat2_exchange
    monkeypatch.setattr(swap, "_renameat2_exchange", lambda a, b: (calls.append((a, b)), real(a, b)))
    monkeypatch.setattr(swap, "_replace_with_record", lambda *a: pytest.fail("fallback used"))
    target = make_tree(tmp_path / "pdf", {"a": "old"})
    staged = stage_copy(make_tree(tmp_path / "new", {"a": "new"}), target)
    try:
        replace_atomically(target, staged)
    except SyncError as e:  # a filesystem without RENAME_EXCHANGE would have fallen back, not failed
        pytest.fail(str(e))
    assert calls == [(staged, target)]
    assert listing(target) == {"a": "new"}


def test_exchange_failure_keeps_the_old_copy(tmp_path, monkeypatch):
    def broken(a, b):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(swap, "_renameat2_exchange", broken)
    target = make_tree(tmp_path / "pdf", {"a": "old"})
    staged = stage_copy(make_tree(tmp_path / "new", {"a": "new"}), target)
    with pytest.raises(SyncError, match="previous copy was kept"):
        replace_atomically(target, staged)
    assert listing(target) == {"a": "old"}


def _fail_nth_rename(monkeypatch, n: int):
    real = os.rename
    count = {"n": 0}

    def rename(a, b, *args, **kw):
        count["n"] += 1
        if count["n"] == n:
            raise OSError(errno.EIO, "injected failure")
        return real(a, b, *args, **kw)

    monkeypatch.setattr(swap.os, "rename", rename)
    return count


@pytest.mark.parametrize("failing_rename", [1, 2])
def test_fallback_failure_at_each_rename_leaves_the_old_copy(tmp_path, monkeypatch, failing_rename):
    target = make_tree(tmp_path / "coll" / "skills" / "pdf", {"a": "old"})
    staged = stage_copy(make_tree(tmp_path / "new", {"a": "new"}), target)
    with monkeypatch.context() as m:
        _fail_nth_rename(m, failing_rename)  # 1: target → backup, 2: staged → target
        with pytest.raises(SyncError):
            replace_atomically(target, staged, use_exchange=False)
    assert listing(target) == {"a": "old"}
    assert not (target.parent / RECOVERY_DIR_NAME).exists()
    remove_path(staged)  # the caller's (core.sync uses swap.staging_area, which does it)
    assert recover(tmp_path / "coll") == []


def test_fallback_failure_removing_the_backup_keeps_the_new_copy_and_a_record(tmp_path, monkeypatch):
    target = make_tree(tmp_path / "coll" / "skills" / "pdf", {"a": "old"})
    staged = stage_copy(make_tree(tmp_path / "new", {"a": "new"}), target)
    real_remove = swap.remove_path

    def remove(path):
        if ".backup-" in path.name:
            raise OSError(errno.EBUSY, "busy")
        real_remove(path)

    with monkeypatch.context() as m:
        m.setattr(swap, "remove_path", remove)
        replace_atomically(target, staged, use_exchange=False)
    assert listing(target) == {"a": "new"}
    messages = recover(tmp_path / "coll")
    assert len(messages) == 1 and "Finished" in messages[0]
    assert sorted(os.listdir(target.parent)) == ["pdf"]


def test_fallback_crash_between_renames_is_undone_by_recover(tmp_path, monkeypatch):
    """A crash (not an exception we can clean up after) between the two renames."""
    target = make_tree(tmp_path / "coll" / "skills" / "pdf", {"a": "old"})
    staged = stage_copy(make_tree(tmp_path / "new", {"a": "new"}), target)

    class Crash(BaseException):
        pass

    real = os.rename
    seen = {"n": 0}

    def rename(a, b):
        seen["n"] += 1
        if seen["n"] == 2:
            raise Crash()
        real(a, b)

    with monkeypatch.context() as m:
        m.setattr(swap.os, "rename", rename)
        # A power cut also skips the in-process undo: make it believe nothing needs undoing.
        m.setattr(swap.os.path, "lexists", lambda p: True)
        with pytest.raises(Crash):
            replace_atomically(target, staged, use_exchange=False)
    assert not target.exists()  # the half-done state the record is for
    messages = recover(tmp_path / "coll")
    assert len(messages) == 1 and "Undid" in messages[0]
    assert listing(target) == {"a": "old"}
    assert sorted(os.listdir(target.parent)) == ["pdf"]


# --------------------------------------------------------------------------- recover from crafted records


def _record(collection: Path, target: Path, staged: Path, backup: Path, where: Path | None = None) -> Path:
    rdir = where or target.parent / RECOVERY_DIR_NAME
    rdir.mkdir(parents=True, exist_ok=True)
    path = rdir / "abc.json"
    path.write_text(json.dumps({"id": "abc", "target": str(target), "staged": str(staged),
                                "backup": str(backup), "phase": "moving-new-in"}))
    return path


def test_recover_finishes_when_the_new_copy_is_in_place(tmp_path):
    coll = tmp_path / "coll"
    target = make_tree(coll / "skills" / "pdf", {"a": "new"})
    backup = make_tree(coll / "skills" / ".pdf.backup-abc", {"a": "old"})
    rec = _record(coll, target, coll / "skills" / ".pdf.staging-x", backup)
    messages = recover(coll)
    assert len(messages) == 1 and str(target) in messages[0] and "Finished" in messages[0]
    assert listing(target) == {"a": "new"}
    assert not backup.exists() and not rec.exists()


def test_recover_undoes_when_the_target_is_missing(tmp_path):
    coll = tmp_path / "coll"
    target = coll / "skills" / "pdf"
    backup = make_tree(coll / "skills" / ".pdf.backup-abc", {"a": "old"})
    staged = make_tree(coll / "skills" / ".pdf.staging-x", {"a": "new"})
    _record(coll, target, staged, backup)
    messages = recover(coll)
    assert len(messages) == 1 and "Undid" in messages[0]
    assert listing(target) == {"a": "old"}
    assert sorted(os.listdir(coll / "skills")) == ["pdf"]


def test_recover_drops_a_swap_that_never_started(tmp_path):
    coll = tmp_path / "coll"
    target = coll / "commands" / "review.md"
    target.parent.mkdir(parents=True)
    target.write_text("old")
    staged = coll / "commands" / ".review.md.staging-x"
    staged.write_text("new")
    _record(coll, target, staged, coll / "commands" / ".review.md.backup-abc", where=coll / RECOVERY_DIR_NAME)
    messages = recover(coll)
    assert len(messages) == 1 and "had not started" in messages[0]
    assert target.read_text() == "old"
    assert sorted(os.listdir(coll)) == ["commands"]
    assert os.listdir(coll / "commands") == ["review.md"]


def test_recover_leaves_an_inconsistent_state_alone(tmp_path):
    coll = tmp_path / "coll"
    target = make_tree(coll / "skills" / "pdf", {"a": "?"})
    backup = make_tree(coll / "skills" / ".pdf.backup-abc", {"a": "old"})
    staged = make_tree(coll / "skills" / ".pdf.staging-x", {"a": "new"})
    rec = _record(coll, target, staged, backup)
    messages = recover(coll)
    assert len(messages) == 1 and "by hand" in messages[0]
    assert rec.exists() and backup.exists() and staged.exists()


def test_recover_reports_an_unreadable_record(tmp_path):
    coll = tmp_path / "coll"
    (coll / RECOVERY_DIR_NAME).mkdir(parents=True)
    (coll / RECOVERY_DIR_NAME / "x.json").write_text("{not json")
    messages = recover(coll)
    assert len(messages) == 1 and "unreadable" in messages[0]


def test_recover_with_nothing_to_do(tmp_path):
    assert recover(tmp_path / "missing") == []
    make_tree(tmp_path / "coll" / "skills" / "pdf", {"a": "a"})
    assert recover(tmp_path / "coll") == []


def test_fallback_failed_undo_is_finished_by_recover(tmp_path, monkeypatch):
    target = make_tree(tmp_path / "coll" / "skills" / "pdf", {"a": "old"})
    staged = stage_copy(make_tree(tmp_path / "new", {"a": "new"}), target)
    real = os.rename
    count = {"n": 0}

    def rename(a, b):
        count["n"] += 1
        if count["n"] >= 2:  # staged → target fails, and so does moving the old copy back
            raise OSError(errno.EIO, "injected failure")
        real(a, b)

    with monkeypatch.context() as m:
        m.setattr(swap.os, "rename", rename)
        with pytest.raises(SyncError, match="moved back at the next start"):
            replace_atomically(target, staged, use_exchange=False)
    assert not target.exists()
    messages = recover(tmp_path / "coll")
    assert len(messages) == 1 and "Undid" in messages[0]
    assert listing(target) == {"a": "old"}
    assert sorted(os.listdir(target.parent)) == ["pdf"]


def test_a_folder_fsync_failure_after_the_swap_is_not_reported_as_failure(tmp_path, monkeypatch, mode):
    target = make_tree(tmp_path / "coll" / "pdf", {"a": "old"})
    staged = stage_copy(make_tree(tmp_path / "new", {"a": "new"}), target)

    def no_fsync(path):
        raise OSError(errno.EIO, "fsync failed")

    monkeypatch.setattr(swap, "fsync_dir", no_fsync)
    try:
        replace_atomically(target, staged)
    except SyncError as e:
        # Only the rename pair fsyncs before its swap, and then it undoes the move.
        assert mode == "rename-pair" and "previous copy was kept" in str(e)
        assert listing(target) == {"a": "old"}
    else:
        assert mode == "exchange"
        assert listing(target) == {"a": "new"}


@pytest.mark.parametrize("has_syncfs", [True, False])
def test_copy_is_made_durable(tmp_path, monkeypatch, has_syncfs):
    """One syncfs where available; otherwise an fsync per file and folder."""
    src = make_tree(tmp_path / "src", {"a": "1", "sub/b": "2", "sub/deeper/c": "3"})
    calls = {"syncfs": 0, "fsync": 0}
    real_fsync = os.fsync

    def fake_syncfs(path):
        calls["syncfs"] += 1
        return has_syncfs

    def counting_fsync(fd):
        calls["fsync"] += 1
        real_fsync(fd)

    monkeypatch.setattr(transfer, "syncfs", fake_syncfs)
    monkeypatch.setattr(transfer.os, "fsync", counting_fsync)
    copy_untrusted(src, tmp_path / "dest")
    assert calls["syncfs"] == 1
    # without syncfs: 3 files + 3 folders + the parent folder
    assert calls["fsync"] == (0 if has_syncfs else 7)
    assert listing(tmp_path / "dest") == {"a": "1", "sub/b": "2", "sub/deeper/c": "3"}


@pytest.mark.skipif(swap.fcntl is None, reason="advisory locks are POSIX only")
def test_recover_leaves_a_swap_another_process_is_doing_alone(tmp_path):
    """A CLI start-up must not undo the window's rename-pair swap while it runs."""
    import fcntl

    coll = tmp_path / "coll"
    target = coll / "skills" / "pdf"
    backup = make_tree(coll / "skills" / ".pdf.backup-abc", {"a": "old"})
    staged = make_tree(coll / "skills" / ".pdf.staging-x", {"a": "new"})
    rec = _record(coll, target, staged, backup)
    fd = os.open(coll / "skills", os.O_RDONLY)  # what _swap_lock takes for a swap in skills/
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        messages = recover(coll)
    finally:
        os.close(fd)
    assert len(messages) == 1 and "process doing it right now" in messages[0]
    assert rec.exists() and backup.exists() and staged.exists() and not target.exists()
    messages = recover(coll)  # once the lock is free, the swap is undone as usual
    assert "Undid" in messages[0] and listing(target) == {"a": "old"}


def test_recover_sweeps_staging_leftovers_no_process_holds_at_once(tmp_path):
    """Issue 7: a killed sync's staging folder goes at the next start, not a day later;
    one a running sync holds (its lock) stays."""
    coll = tmp_path / "coll"
    make_tree(coll / "skills" / "pdf", {"a": "current"})
    left = make_tree(coll / "skills" / ".pdf.staging-old", {"pdf/a": "left by a crash"})
    single = coll / "commands" / ".review.md.staging-old"
    single.parent.mkdir(parents=True)
    single.write_text("left by an older version")
    with swap.staging_area(coll / "skills" / "pdf") as running:
        make_tree(running, {"a": "a sync running now"})
        messages = recover(coll)
        assert running.exists()  # held by this sync: not swept
    assert not running.parent.exists()  # the staging area removes itself at its end
    assert not left.exists() and not single.exists()
    assert listing(coll / "skills" / "pdf") == {"a": "current"}
    assert len(messages) == 2 and all("interrupted command" in m for m in messages)


def test_staging_area_is_locked_while_in_use(tmp_path):
    target = tmp_path / "coll" / "skills" / "pdf"
    target.parent.mkdir(parents=True)
    with swap.staging_area(target) as staged:
        assert staged.name == "pdf" and staged.parent.name.startswith(".pdf.staging-")
        fd = os.open(staged.parent, os.O_RDONLY)
        try:
            assert not try_lock(fd)
        finally:
            os.close(fd)
    assert os.listdir(target.parent) == []

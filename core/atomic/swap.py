"""Swap a staged copy into place atomically, and recover from a swap a crash interrupted.

Replacing the collection copy: the new copy is staged beside the old one on the
same filesystem (`staging_area`, or `core.atomic.transfer.stage_copy`), then swapped in with
`renameat2(RENAME_EXCHANGE)` (one step on Linux); elsewhere a rename pair guarded
by a recovery record that `recover()` finishes or undoes at start-up. Either way a
crash leaves the old copy or the new one, never a mix or nothing. A per-folder
advisory lock keeps a swap and another process's `recover()` apart, and
`recover()` also sweeps the staging folders of killed syncs: `staging_area` keeps
each one locked while its sync runs, so any unlocked one is a leftover.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import secrets
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the rename-pair race below is then unguarded
    fcntl = None  # type: ignore[assignment]

from core.errors import SyncError
from core.fsio import O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, fsync_dir, fsync_fd, libc, remove_path, try_lock

if TYPE_CHECKING:
    from core.atomic.place import Place

__all__ = ["replace_atomically", "recover", "staging_area", "staging_in", "swap_into", "remove_in", "RECOVERY_DIR_NAME"]

RECOVERY_DIR_NAME = ".lineage-recovery"
# Where there are no advisory locks (Windows) a staging folder's owner cannot be
# told apart, so only one this old is taken for a dead process's leftover. The copy
# it was building, or the old copy it held, is already in the object store (sync
# stores local content before replacing it), so sweeping it loses nothing.
STALE_STAGING_SECONDS = 24 * 3600
# Leftovers of killed verbs: staging folders (locked while in use), a materialize's temporary
# folder (older versions built it beside the copy, unlocked) and a removed copy moved aside
# (only ever moved aside after the database says it is removed: deleting it is always right).
_LEFTOVER_NAMES = (".*.staging-*", ".materialize-*", ".*.removed-*")
_STAGING_PATTERNS = tuple(f"{depth}{name}" for depth in ("", "*/", "*/*/") for name in _LEFTOVER_NAMES)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 1 << 1
_FALLBACK_ERRNOS = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


def _renameat2_exchange(a: Path | str, b: Path | str, a_dir: int = _AT_FDCWD, b_dir: int = _AT_FDCWD) -> None:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE), each relative to its
    folder descriptor (default: the working folder). OSError(ENOSYS) where unavailable."""
    if not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "renameat2 is Linux only")
    fn = getattr(libc(), "renameat2", None)  # glibc >= 2.28; musl >= 1.2.4
    if fn is None:
        raise OSError(errno.ENOSYS, "libc has no renameat2")
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(a_dir, os.fsencode(a), b_dir, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(a), None, str(b))


def replace_atomically(target: Path, staged: Path, *, recovery_dir: Path | None = None,
                       use_exchange: bool = True) -> None:
    """Put `staged` (a file or folder) at `target`; a crash leaves the old copy or the new one.

    With no `target` yet: a rename. Otherwise, on Linux: renameat2(RENAME_EXCHANGE), then
    the old copy (now at `staged`) is removed. Where that is unsupported (or with
    use_exchange=False): a rename pair with a recovery record in `recovery_dir`
    (default: `target.parent/.lineage-recovery`) that `recover()` completes or undoes.
    Raises SyncError; on error the old copy is left at `target`.
    """
    target, staged = Path(target), Path(staged)
    if not os.path.lexists(staged):
        raise SyncError(f"The staged copy {staged} is missing; sync again.")
    try:
        if not os.path.lexists(target):
            os.rename(staged, target)
            _fsync_after_swap(target.parent)
            return
        if use_exchange:
            try:
                _renameat2_exchange(staged, target)
            except OSError as e:
                if e.errno not in _FALLBACK_ERRNOS:
                    raise
            else:
                _fsync_after_swap(target.parent)
                _discard_old(staged)  # the old copy, now under the staging name
                return
        _replace_with_record(target, staged, Path(recovery_dir) if recovery_dir else target.parent / RECOVERY_DIR_NAME)
    except OSError as e:
        raise SyncError(
            f"Could not put the new copy in place at {target}: {e.strerror or e}; the previous copy was kept."
        ) from e


@contextmanager
def staging_area(target: Path) -> Iterator[Path]:
    """A fresh place to stage a new copy of `target`: `<parent>/.<name>.staging-<id>/<name>`.

    The staging folder is locked by this process for as long as the context lasts, and
    removed at its end (with whatever is left in it: the old copy an exchange parked
    there, or a copy that never went in). A process killed meanwhile leaves it behind
    unlocked, and `recover()` sweeps it at once. It is created and locked while holding
    the parent folder's swap lock, which the sweep also takes, so a sweep never sees a
    staging folder between its creation and its lock.
    """
    target = Path(target)
    folder = target.parent / f".{target.name}.staging-{secrets.token_hex(6)}"
    with _swap_lock(target.parent):
        os.mkdir(folder, 0o755)
        fd = os.open(folder, os.O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try_lock(fd)
    try:
        yield folder / target.name
    finally:
        try:
            remove_path(folder)
        except OSError:
            pass  # hidden and harmless; recover() sweeps it once this lock is gone
        os.close(fd)


@contextmanager
def staging_in(place: "Place") -> Iterator[Path]:
    """`staging_area` inside an open parent folder (core.atomic.place): the staging folder is
    made with mkdirat in it and locked, and the path yielded goes through its descriptor."""
    name = f".{place.name}.staging-{secrets.token_hex(6)}"
    with _swap_lock_fd(place.fd):
        os.mkdir(name, 0o755, dir_fd=place.fd)
        fd = os.open(name, os.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, dir_fd=place.fd)
        try_lock(fd)
    try:
        yield place.through(name) / place.name
    finally:
        try:
            remove_path(place.through(name))
        except OSError:
            pass  # hidden and harmless; recover() sweeps it once this lock is gone
        os.close(fd)


def swap_into(place: "Place", staged: Path) -> None:
    """Put `staged` (yielded by `staging_in(place)`) in place of the copy, through the open folder:
    a rename when there is no copy, else renameat2(RENAME_EXCHANGE) on the descriptor and the old
    copy removed; where the exchange is unsupported, `replace_atomically`'s recorded rename pair.
    `place.check()` runs first. Raises SyncError; on error the old copy is left in place."""
    rel = f"{staged.parent.name}/{staged.name}"
    place.check()
    try:
        if not place.exists():
            os.rename(rel, place.name, src_dir_fd=place.fd, dst_dir_fd=place.fd)
            _fsync_fd_quietly(place.fd)
            return
        try:
            _renameat2_exchange(rel, place.name, place.fd, place.fd)
        except OSError as e:
            if e.errno not in _FALLBACK_ERRNOS:
                raise
        else:
            _fsync_fd_quietly(place.fd)
            _discard_old(staged)  # the old copy, now under the staging name
            return
    except OSError as e:
        raise SyncError(
            f"Could not put the new copy in place at {place.path}: {e.strerror or e}; the previous copy was kept."
        ) from e
    replace_atomically(place.path, place.parent / rel, use_exchange=False)


def remove_in(place: "Place") -> bool:
    """Delete the copy through its open folder: one rename aside (it vanishes whole), then the
    removal. False when there was no copy."""
    if not place.exists():
        return False
    place.check()
    aside = f".{place.name}.removed-{secrets.token_hex(6)}"
    os.rename(place.name, aside, src_dir_fd=place.fd, dst_dir_fd=place.fd)
    _fsync_fd_quietly(place.fd)
    remove_path(place.through(aside))
    return True


def _fsync_fd_quietly(fd: int) -> None:
    try:
        fsync_fd(fd)
    except OSError:
        pass  # the rename happened; see _fsync_after_swap


@contextmanager
def _swap_lock_fd(folder_fd: int) -> Iterator[None]:
    """_swap_lock on an open folder (a new open of it: the lock is per open file description)."""
    if fcntl is None:
        yield
        return
    fd = os.open(".", os.O_RDONLY | O_DIRECTORY | O_CLOEXEC, dir_fd=folder_fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def _swap_lock(folder: Path, *, wait: bool = True) -> Iterator[bool]:
    """Advisory lock on one folder's swaps: a rename-pair swap in one process and
    recover() in another (a CLI run while the window syncs) must not interleave,
    or recover() could "undo" a swap that is still going on. Yields False when
    `wait` is False and another process holds the lock."""
    if fcntl is None:
        yield True
        return
    try:
        # The folder itself is locked (flock works on directory descriptors), so no
        # lock file ever appears in the collection.
        fd = os.open(folder, os.O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    except OSError:
        yield True  # no folder to lock (a stale record): nothing can be swapping there
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def _write_record(path: Path, record: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _drop_record(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    try:
        path.parent.rmdir()  # only when no other swap is pending
    except OSError:
        pass


def _replace_with_record(target: Path, staged: Path, recovery_dir: Path) -> None:
    with _swap_lock(target.parent):
        _replace_with_record_locked(target, staged, recovery_dir)


def _replace_with_record_locked(target: Path, staged: Path, recovery_dir: Path) -> None:
    rid = secrets.token_hex(8)
    backup = target.parent / f".{target.name}.backup-{rid}"
    recovery_dir.mkdir(parents=True, exist_ok=True)
    record_path = recovery_dir / f"{rid}.json"
    record = {"id": rid, "target": os.fsdecode(target.absolute()), "staged": os.fsdecode(staged.absolute()),
              "backup": os.fsdecode(backup.absolute()), "phase": "moving-old-aside"}
    _write_record(record_path, record)
    try:
        os.rename(target, backup)
        fsync_dir(target.parent)
        record["phase"] = "moving-new-in"
        _write_record(record_path, record)
        os.rename(staged, target)
    except BaseException:
        # Undo now if we can; otherwise the record lets recover() undo it at start-up.
        if not os.path.lexists(target) and os.path.lexists(backup):
            try:
                os.rename(backup, target)
                fsync_dir(target.parent)
            except OSError as e:
                raise SyncError(
                    f"Could not put the new copy in place at {target}, nor move the previous copy back "
                    f"from {backup} ({e.strerror or e}); it will be moved back at the next start."
                ) from e
        if os.path.lexists(target) and not os.path.lexists(backup):
            _drop_record(record_path)
        raise
    _fsync_after_swap(target.parent)
    record["phase"] = "removing-old"
    try:
        _write_record(record_path, record)  # only informative: recover() decides from what is on disk
    except OSError:
        pass
    if _discard_old(backup):
        _drop_record(record_path)
    # else: the record stays, and recover() removes the old copy at the next start-up


def _fsync_after_swap(folder: Path) -> None:
    # The swap has happened: reporting "previous copy kept" now would be a lie, so a
    # folder fsync failure (rare; the rename is still durable on most filesystems) is not raised.
    try:
        fsync_dir(folder)
    except OSError:
        pass


def _discard_old(path: Path) -> bool:
    """Remove the replaced copy; the swap already succeeded, so a failure here is not the sync's."""
    try:
        remove_path(path)
        return True
    except OSError:
        return False


def _record_files(collection_dir: Path) -> list[Path]:
    """Recovery records at the collection root and up to two folders deep (e.g. skills/, skills/x/)."""
    found: list[Path] = []
    for pattern in (RECOVERY_DIR_NAME, f"*/{RECOVERY_DIR_NAME}", f"*/*/{RECOVERY_DIR_NAME}"):
        for d in _glob(collection_dir, pattern):
            if d.is_dir() and not d.is_symlink():
                found.extend(_glob(d, "*.json"))
    return found


def _glob(folder: Path, pattern: str) -> list[Path]:
    """Sorted matches; a folder that vanishes during the scan (another process finishing) is no error."""
    try:
        return sorted(folder.glob(pattern))
    except OSError:
        return []


def recover(collection_dir: Path) -> list[str]:
    """Finish or undo swaps a crash interrupted (the rename-pair fallback); one message per swap."""
    messages: list[str] = []
    kept: list[Path] = []  # staged copies a record still needs: never swept
    for path in _record_files(Path(collection_dir)):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
            target, staged, backup = (Path(rec[k]) for k in ("target", "staged", "backup"))
        except (OSError, ValueError, KeyError, TypeError) as e:
            messages.append(f"Ignored an unreadable recovery record {path} ({e}); delete it if the collection looks right.")
            continue
        with _swap_lock(target.parent, wait=False) as free:
            if not free:
                messages.append(f"Left the replace of {target} to the process doing it right now.")
                kept.append(staged)
                continue
            if _recover_one(path, target, staged, backup, messages):
                _drop_record(path)
            else:
                kept.append(staged)
    messages.extend(_sweep_stale_staging(Path(collection_dir), kept))
    return messages


def _recover_one(path: Path, target: Path, staged: Path, backup: Path, messages: list[str]) -> bool:
    """Finish or undo one swap from what is on disk; True when its record can go."""
    has_target, has_staged, has_backup = (os.path.lexists(p) for p in (target, staged, backup))
    try:
        if has_target and has_backup and not has_staged:
            remove_path(backup)  # the new copy is in place: finish
            messages.append(f"Finished replacing {target}: the new copy is in place and the old one was removed.")
        elif not has_target and has_backup:
            os.rename(backup, target)  # the old copy was moved aside: undo
            fsync_dir(target.parent)
            if has_staged:
                remove_path(staged)
            messages.append(f"Undid an interrupted replace of {target}: the previous copy is back in place.")
        elif has_target and not has_backup and has_staged:
            remove_path(staged)  # never started: drop the unused new copy
            messages.append(f"An interrupted replace of {target} had not started; the copy there is unchanged.")
        elif has_target and not has_backup:
            messages.append(f"A replace of {target} had completed; only its record was left, now removed.")
        elif not has_target and has_staged:  # neither old nor new at target: the staged copy beats nothing
            os.rename(staged, target)
            fsync_dir(target.parent)
            messages.append(f"Finished replacing {target} from its staged copy.")
        elif not has_target:  # nothing anywhere
            messages.append(
                f"Could not recover {target}: neither the old nor the new copy is there; "
                "sync the artifact again to rebuild it."
            )
        else:  # target, backup and staged all present: not a state our swap produces
            messages.append(
                f"Left {target} alone: the recovery record {path} does not match the folders on disk; "
                f"check {backup} and {staged} by hand."
            )
            return False
    except OSError as e:
        messages.append(f"Could not recover {target}: {e.strerror or e}; the record {path} was kept.")
        return False
    return True


def _sweep_stale_staging(collection_dir: Path, kept: list[Path]) -> list[str]:
    """Remove `.NAME.staging-*` leftovers of killed syncs: every one no process holds locked
    (the old copy an exchange parked there, or a half-built new copy) and no recovery
    record left in place still names (`kept`)."""
    needed = {os.path.abspath(p) for p in kept}
    messages: list[str] = []
    by_folder: dict[Path, list[Path]] = {}
    for pattern in _STAGING_PATTERNS:
        for leftover in _glob(collection_dir, pattern):
            if ".staging-" in leftover.parent.name:
                continue  # inside a staging folder: swept with it, never while its owner builds there
            if _through_link(collection_dir, leftover.parent):
                continue  # glob followed a link: what lies behind it is not ours to sweep
            by_folder.setdefault(leftover.parent, []).append(leftover)
    for folder, leftovers in by_folder.items():
        with _swap_lock(folder, wait=False) as free:
            if not free:
                continue  # a swap or a new staging folder right now: next time
            for leftover in leftovers:
                here = os.path.abspath(leftover)
                if any(p == here or p.startswith(here + os.sep) for p in needed):
                    continue
                try:
                    if not _unowned(leftover):
                        continue  # a sync running right now holds it
                    remove_path(leftover)
                except FileNotFoundError:
                    continue  # gone meanwhile: another process swept or finished it
                except OSError as e:
                    messages.append(f"Could not remove the leftover staging copy {leftover}: {e.strerror or e}.")
                    continue
                messages.append(f"Removed {leftover}, a staging copy left by an interrupted command.")
    return messages


def _through_link(root: Path, folder: Path) -> bool:
    here = root
    for part in folder.relative_to(root).parts:
        here = here / part
        if os.path.islink(here):
            return True
    return False


def _unowned(path: Path) -> bool:
    """True when no process holds `path`'s lock (a link or an unopenable entry is nobody's)."""
    if fcntl is None:
        return path.lstat().st_mtime < time.time() - STALE_STAGING_SECONDS
    try:
        fd = os.open(path, os.O_RDONLY | O_NOFOLLOW | O_CLOEXEC | os.O_NONBLOCK)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENXIO, errno.EACCES):
            return True  # a link (or a special file): never a staging folder we locked
        raise
    try:
        return try_lock(fd)
    finally:
        os.close(fd)

"""Low-level file system operations shared by the object store, staging and swaps.

One copy of each: durable directory entries (fsync of a folder, syncfs), removal that
never follows links, the libc handle, and the open flags the careful walks use.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import stat
import sys
import tempfile
from typing import BinaryIO, Callable

__all__ = [
    "fill_temp_beside", "discard_temp",
    "O_CLOEXEC", "O_DIRECTORY", "O_NOFOLLOW", "O_NONBLOCK",
    "fsync_fd", "fsync_dir", "libc", "syncfs", "remove_path", "remove_quietly", "folder_identity", "open_parent",
    "make_dirs", "try_lock",
]

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO swapped in after a scan must not block
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def fsync_fd(fd: int) -> None:
    """fsync, tolerating file systems that cannot fsync a directory (the data is still written)."""
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a folder's entries (a new name, a rename) durable; a no-op where the OS has no such thing."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    try:
        fsync_fd(fd)
    finally:
        os.close(fd)


def try_lock(fd: int) -> bool:
    """Take an exclusive advisory lock (flock) on an open file or folder without waiting.

    False when another open file description holds it (another process, or another
    open of the same path here). The lock goes when `fd` is closed, or with the
    process, which is why crash leftovers are told apart by it. Where there are
    no advisory locks (Windows) it always succeeds.
    """
    try:
        import fcntl
    except ImportError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


_libc_handle: "ctypes.CDLL | None" = None


def libc() -> "ctypes.CDLL":
    global _libc_handle
    if _libc_handle is None:
        _libc_handle = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc_handle


def syncfs(path: str | os.PathLike[str]) -> bool:
    """One syncfs(2) for the file system holding `path`; False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    fn = getattr(libc(), "syncfs", None)
    if fn is None:
        return False
    fd = os.open(path, os.O_RDONLY | O_CLOEXEC)
    try:
        if fn(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(path))
    finally:
        os.close(fd)
    return True


def remove_path(path: str | os.PathLike[str]) -> None:
    """Remove a file, link or tree without following links; raises OSError.

    Iterative, one open folder at a time (see `open_parent`): a tree thousands of
    folders deep is removed without recursion or running out of file descriptors.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        _remove_tree(path)
    else:
        os.unlink(path)


def make_dirs(path: str | bytes | os.PathLike[str]) -> None:
    """os.makedirs(path, exist_ok=True) without recursion (os.makedirs recurses once per missing level)."""
    missing = []
    current = os.fspath(path)
    while current and not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise


def folder_identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def open_parent(fd: int, expected: tuple[int, int]) -> int:
    """The folder above the open folder `fd`, opened through '..' and checked to be `expected`
    (its folder_identity from the way down); OSError(ESTALE) if the tree was moved meanwhile.
    Lets a walk keep one folder open instead of one per level."""
    parent = os.open("..", os.O_RDONLY | O_DIRECTORY | O_CLOEXEC, dir_fd=fd)
    if folder_identity(parent) != expected:
        os.close(parent)
        raise OSError(errno.ESTALE, "the folder was moved while it was being walked")
    return parent


def _remove_tree(path: str | os.PathLike[str]) -> None:
    fd = os.open(path, os.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    # One level per open folder on the way down: its identity, its name in its parent,
    # and the sub-folders still to remove.
    levels: list[tuple[tuple[int, int], bytes, list[bytes]]] = []
    name = b""
    try:
        while True:
            subdirs = []
            with os.scandir(fd) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        subdirs.append(os.fsencode(entry.name))
                    else:
                        os.unlink(entry.name, dir_fd=fd)
            levels.append((folder_identity(fd), name, subdirs))
            while levels and not levels[-1][2]:
                _, done, _ = levels.pop()
                if not levels:
                    break
                parent = open_parent(fd, levels[-1][0])
                os.close(fd)
                fd = parent
                os.rmdir(done, dir_fd=fd)
            if not levels:
                break
            name = levels[-1][2].pop()
            child = os.open(name, os.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = child
    finally:
        os.close(fd)
    os.rmdir(path)


def remove_quietly(path: str | os.PathLike[str]) -> bool:
    """remove_path for leftovers that are hidden and harmless: False instead of an error."""
    try:
        remove_path(path)
        return True
    except OSError:
        return False


def fill_temp_beside(final: str | os.PathLike[str], fill: Callable[[BinaryIO], None], *, durable: bool = True) -> str:
    """A temp file (`.tmp-*`) in `final`'s folder holding what `fill` wrote, flushed and, when
    `durable`, fsynced: its path, for the caller to publish (rename or link). When `fill` or
    the write fails the temp file is removed and the error raised."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(os.fspath(final)))
    try:
        with os.fdopen(fd, "wb") as out:
            fill(out)
            if durable:
                out.flush()
                os.fsync(out.fileno())
    except BaseException:
        discard_temp(tmp)
        raise
    return tmp


def discard_temp(tmp: str) -> None:
    """Remove a temp file that will not be published (gone already is fine)."""
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass

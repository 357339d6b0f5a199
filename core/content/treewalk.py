"""The walk of a tree for content hash v1: folders opened by descriptor, bytes paths, no link followed.

`scan_tree` lstats a whole folder first: its files (with stat results), its links (with
their targets) and the stat keys a stat cache's folder snapshot compares. Every folder
is opened relative to its parent's descriptor with O_NOFOLLOW, so a folder swapped for
a link while the walk runs is refused (HashingError), never followed out of the tree.
It skips SKIP_NAMES at any depth and refuses FIFOs, sockets and devices
(UnsupportedEntryError naming the entry).
"""
from __future__ import annotations

import errno
import os
import stat as stat_mod
import sys

from core.errors import UnsupportedEntryError
from core.content.read_errors import read_error, show_path, swapped_error
from core.content.safety import special_file_kind

SKIP_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", ".DS_Store", "Thumbs.db"})
_SKIP = frozenset(SKIP_NAMES) | frozenset(os.fsencode(n) for n in SKIP_NAMES)
_DIR_FLAGS = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BY_FD = os.scandir in os.supports_fd and os.open in os.supports_dir_fd
# Folder descriptors a walk may keep open for the file reads after it (a file opened
# relative to its folder's descriptor needs no identity check and a shorter path
# lookup); past this many, files are read by path and checked by (st_dev, st_ino).
KEEP_MAX = 64  # x up to 8 hash_tree calls at once (hash_trees spread) stays far below a 1,024 fd limit
_STACK_OPEN = 16  # folder descriptors a walk holds for the folders above the one it lists (deep trees)


def _open_dir(name: bytes, dir_fd: int | None, follow: bool, where: str) -> int:
    try:
        return os.open(name, _DIR_FLAGS | (0 if follow else _NOFOLLOW), dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise swapped_error(where) from None
        raise read_error(where, exc) from exc


def scan_tree(
    root_b: bytes, root_str: str, *, follow_root: bool = True, keep: list[int] | None = None
) -> tuple[list, list, dict]:
    """Every regular file (rel, path, stat, dir_fd, name) and link (rel, target) below
    root_b, and keys: rel -> (size, mtime_ns, ino, ctime_ns, mode) of a file or a link's target.

    `follow_root=False` refuses a root that is (or became) a link; folders below the
    root are never followed. With `keep` (a list), up to KEEP_MAX folder descriptors
    stay open, appended to it, for reading the files relative to them (`dir_fd`, `name`);
    the caller closes them. A file whose folder was not kept has dir_fd -1."""
    if not _BY_FD:  # pragma: no cover - Windows: no directory descriptors
        return _scan_by_path(root_b, root_str)
    files: list[tuple[bytes, bytes, os.stat_result]] = []
    links: list[tuple[bytes, bytes]] = []
    keys: dict[bytes, object] = {}
    add_file = files.append
    skip = _SKIP
    is_reg = stat_mod.S_ISREG
    fs_encoding = sys.getfilesystemencoding()  # what os.fsencode does, without its call overhead per name
    # [dir fd (-1: closed while deeper folders are walked), dir path, rel prefix,
    #  sub-folder names still to visit (None: not listed yet), kept, (st_dev, st_ino) once closed]
    stack: list[list] = [[_open_dir(root_b, None, follow_root, root_str), root_b, b"", None, False, None]]
    try:
        while stack:
            top = stack[-1]
            fd, dir_path, prefix, subdirs, kept, ident = top
            if fd < 0:
                fd = top[0] = _reopen_dir(dir_path, ident, show_path(root_str, prefix.rstrip(b"/")))
            if subdirs is None and keep is not None and len(keep) < KEEP_MAX:
                keep.append(fd)
                kept = top[4] = True
            at = fd if kept else -1
            if subdirs is None:
                subdirs = top[3] = []
                try:
                    with os.scandir(fd) as it:
                        for item in it:
                            if item.name in skip:
                                continue
                            name = item.name.encode(fs_encoding, "surrogateescape")
                            rel = prefix + name
                            if item.is_file(follow_symlinks=False) or not (
                                item.is_symlink() or item.is_dir(follow_symlinks=False)
                            ):  # a regular file (the common case: one check), or something special
                                try:
                                    fst = item.stat(follow_symlinks=False)
                                except OSError as exc:
                                    raise read_error(show_path(root_str, rel), exc) from exc
                                mode = fst.st_mode
                                if not is_reg(mode):
                                    raise UnsupportedEntryError(
                                        f"Cannot hash '{os.fsdecode(rel)}' in '{root_str}': it is "
                                        f"{special_file_kind(mode)}; artifacts may hold only files, "
                                        "folders and symbolic links, so remove it."
                                    )
                                add_file((rel, dir_path + b"/" + name, fst, at, name))
                                keys[rel] = (fst.st_size, fst.st_mtime_ns, fst.st_ino, fst.st_ctime_ns, mode)
                            elif item.is_symlink():
                                try:
                                    target = os.readlink(name, dir_fd=fd)
                                except OSError as exc:
                                    if exc.errno == errno.EINVAL:  # no longer a link
                                        raise swapped_error(show_path(root_str, rel)) from None
                                    raise read_error(show_path(root_str, rel), exc) from exc
                                links.append((rel, target))
                                keys[rel] = target
                            else:
                                subdirs.append(name)
                except OSError as exc:
                    rel_dir = prefix.rstrip(b"/")
                    raise read_error(show_path(root_str, rel_dir) if rel_dir else root_str, exc) from exc
            if subdirs:
                name = subdirs.pop()
                rel = prefix + name
                child = _open_dir(name, fd, False, show_path(root_str, rel))
                if not kept and len(stack) > _STACK_OPEN:
                    # A deep tree must not hold one descriptor per level (ulimit -n): this
                    # folder is closed and opened again, by path and checked, when its
                    # next sub-folder is due.
                    st = os.fstat(fd)
                    top[5] = (st.st_dev, st.st_ino)
                    os.close(fd)
                    top[0] = -1
                stack.append([child, dir_path + b"/" + name, rel + b"/", None, False, None])
            else:
                stack.pop()
                if not kept:
                    os.close(fd)
    finally:
        for top in stack:
            if not top[4] and top[0] >= 0:
                os.close(top[0])
    return files, links, keys


def _reopen_dir(path: bytes, ident: tuple[int, int], where: str) -> int:
    """Open a folder closed during the walk again; it must be the very folder walked."""
    fd = _open_dir(path, None, False, where)
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != ident:
        os.close(fd)
        raise swapped_error(where)
    return fd


def _scan_by_path(root_b: bytes, root_str: str) -> tuple[list, list, dict]:  # pragma: no cover - Windows
    files: list = []
    links: list = []
    keys: dict = {}
    stack: list[tuple[bytes, bytes]] = [(root_b, b"")]
    while stack:
        dir_path, prefix = stack.pop()
        try:
            with os.scandir(dir_path) as it:
                for item in it:
                    if item.name in _SKIP:
                        continue
                    rel = prefix + item.name
                    if item.is_symlink():
                        target = os.readlink(item.path)
                        links.append((rel, target))
                        keys[rel] = target
                    elif item.is_dir(follow_symlinks=False):
                        stack.append((item.path, rel + b"/"))
                    else:
                        fst = item.stat(follow_symlinks=False)
                        if not stat_mod.S_ISREG(fst.st_mode):
                            raise UnsupportedEntryError(
                                f"Cannot hash '{os.fsdecode(rel)}' in '{root_str}': it is "
                                f"{special_file_kind(fst.st_mode)}; artifacts may hold only files, "
                                "folders and symbolic links, so remove it."
                            )
                        files.append((rel, item.path, fst, -1, b""))
                        keys[rel] = (fst.st_size, fst.st_mtime_ns, fst.st_ino, fst.st_ctime_ns, fst.st_mode)
        except OSError as exc:
            raise read_error(root_str, exc) from exc
    return files, links, keys

"""The walk of a tree for content hash v1: os.scandir, bytes paths, no link followed.

`scan_tree` lstats a whole folder first: one key per file (its stat fields) or link (its
target), what a stat cache's folder snapshot compares and all hashing needs. It skips
SKIP_NAMES at any depth and refuses FIFOs, sockets and devices
(UnsupportedEntryError naming the entry).
"""
from __future__ import annotations

import os
import stat as stat_mod

from core.errors import UnsupportedEntryError
from core.content.safety import special_file_kind

SKIP_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", ".DS_Store", "Thumbs.db"})
_SKIP_BYTES = frozenset(os.fsencode(n) for n in SKIP_NAMES)


def scan_tree(root_b: bytes, root_str: str) -> dict:
    """rel -> key for everything below root_b: (size, mtime_ns, ino, ctime_ns, mode) for a
    regular file (a tuple), the target (bytes) for a link. Nothing else is kept per file:
    a re-check of an unchanged tree is this walk and one dict compare."""
    keys: dict[bytes, object] = {}
    skip = _SKIP_BYTES
    is_reg = stat_mod.S_ISREG
    stack: list[tuple[bytes, bytes]] = [(root_b, b"")]
    while stack:
        dir_path, prefix = stack.pop()
        try:
            with os.scandir(dir_path) as it:
                for item in it:
                    name = item.name
                    if name in skip:
                        continue
                    rel = prefix + name
                    if item.is_file(follow_symlinks=False) or not (
                        item.is_symlink() or item.is_dir(follow_symlinks=False)
                    ):  # a regular file (the common case: one check), or something special
                        try:
                            fst = item.stat(follow_symlinks=False)
                        except OSError as exc:
                            raise _unreadable(root_str, rel, exc) from exc
                        mode = fst.st_mode
                        if not is_reg(mode):
                            raise UnsupportedEntryError(
                                f"Cannot hash '{os.fsdecode(rel)}' in '{root_str}': it is "
                                f"{special_file_kind(mode)}; artifacts may hold only files, "
                                "folders and symbolic links, so remove it."
                            )
                        keys[rel] = (fst.st_size, fst.st_mtime_ns, fst.st_ino, fst.st_ctime_ns, mode)
                    elif item.is_symlink():
                        try:
                            target = os.readlink(item.path)
                        except OSError as exc:
                            raise _unreadable(root_str, rel, exc) from exc
                        keys[rel] = target
                    else:
                        stack.append((item.path, rel + b"/"))
        except OSError as exc:
            raise _unreadable(root_str, prefix.rstrip(b"/"), exc) from exc
    return keys


def _unreadable(root_str: str, rel: bytes, exc: OSError) -> Exception:
    from core.content.readers import read_error, show_path  # only on errors: readers imports hashlib

    return read_error(show_path(root_str, rel) if rel else root_str, exc)


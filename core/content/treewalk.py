"""The walk of a tree for content hash v1: os.scandir, bytes paths, no link followed.

`scan_tree` lstats a whole folder first: its files (with stat results), its links (with
their targets) and the stat keys a stat cache's folder snapshot compares. It skips
SKIP_NAMES at any depth and refuses FIFOs, sockets and devices
(UnsupportedEntryError naming the entry).
"""
from __future__ import annotations

import os
import stat as stat_mod

from core.errors import UnsupportedEntryError
from core.content.readers import read_error, show_path
from core.content.safety import special_file_kind

SKIP_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", ".DS_Store", "Thumbs.db"})
_SKIP_BYTES = frozenset(os.fsencode(n) for n in SKIP_NAMES)


def scan_tree(root_b: bytes, root_str: str) -> tuple[list, list, dict]:
    """Every regular file (rel, path, stat) and link (rel, target) below root_b, and
    keys: rel -> (size, mtime_ns, ino, ctime_ns, mode) of a file or a link's target."""
    files: list[tuple[bytes, bytes, os.stat_result]] = []
    links: list[tuple[bytes, bytes]] = []
    keys: dict[bytes, object] = {}
    add_file = files.append
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
                            raise read_error(show_path(root_str, rel), exc) from exc
                        mode = fst.st_mode
                        if not is_reg(mode):
                            raise UnsupportedEntryError(
                                f"Cannot hash '{os.fsdecode(rel)}' in '{root_str}': it is "
                                f"{special_file_kind(mode)}; artifacts may hold only files, "
                                "folders and symbolic links, so remove it."
                            )
                        add_file((rel, item.path, fst))
                        keys[rel] = (fst.st_size, fst.st_mtime_ns, fst.st_ino, fst.st_ctime_ns, mode)
                    elif item.is_symlink():
                        try:
                            target = os.readlink(item.path)
                        except OSError as exc:
                            raise read_error(show_path(root_str, rel), exc) from exc
                        links.append((rel, target))
                        keys[rel] = target
                    else:
                        stack.append((item.path, rel + b"/"))
        except OSError as exc:
            rel_dir = prefix.rstrip(b"/")
            where = show_path(root_str, rel_dir) if rel_dir else root_str
            raise read_error(where, exc) from exc
    return files, links, keys


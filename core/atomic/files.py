"""Replacing one small file whole: a temp file beside it, then one rename.

A reader (or a process killed half-way) sees the old file or the new one, never a torn
mix. `durable=True` also fsyncs the file and its folder, so a power cut keeps the new
file too; a cache that checks what it reads back (and recomputes a damaged entry) can
skip that cost.
"""
from __future__ import annotations

import os
from pathlib import Path

from core.fsio import discard_temp, fill_temp_beside, fsync_dir

__all__ = ["write_file_atomically"]


def write_file_atomically(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` in one rename (its folder is created if missing); on failure the
    temp file is removed, the old file is left as it was, and the OSError is raised."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = fill_temp_beside(final, lambda out: out.write(data), durable=durable)
    try:
        os.replace(tmp, final)
    except BaseException:
        discard_temp(tmp)
        raise
    if durable:
        fsync_dir(final.parent)

"""Writing one file of the local object store durably: compress into a temp file beside
its final name, fsync, then link it into place (never over an existing name).

A crash leaves either nothing or a complete file. The one exception is repair: a file
found damaged is replaced by a temp file the caller has read back and verified, in one
rename, so a reader sees the damaged file or the good one (see core.store.local).
"""
from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from core.fsio import discard_temp, fill_temp_beside, fsync_dir

__all__ = ["LEVEL", "write_compressed", "write_raw"]

LEVEL = 1  # zlib level: speed first, artifacts are mostly small text
PROBE = 64 << 10  # bytes trial-compressed to spot data that will not shrink


def level_for(first_chunk: bytes) -> int:
    """zlib level for a stream starting with `first_chunk`.

    Already-compressed or random bytes gain nothing from deflate, which runs at
    about a tenth of the speed of "stored" blocks (level 0) on them; the result is
    a valid zlib stream either way, so readers do not care.
    """
    probe = first_chunk[:PROBE]
    if len(probe) < 4096:
        return LEVEL
    return LEVEL if len(zlib.compress(probe, LEVEL)) < 0.9 * len(probe) else 0


def ensure_shard(shard: Path) -> None:
    """Create a fan-out folder (objects/ab/) durably: a power cut must not drop the
    folder of an object that a recorded version already points at."""
    if shard.is_dir():
        return
    shard.mkdir(parents=True, exist_ok=True)
    fsync_dir(str(shard.parent))


def publish(tmp: str, final: Path, replace: bool = False) -> None:
    """Move a complete, fsynced temp file to `final` without ever replacing an existing file.

    `replace=True` (repair only): the temp file was verified by the caller, and is
    renamed over `final` in one step, so a reader sees the damaged object or the good one.
    """
    try:
        os.chmod(tmp, 0o444)  # stored objects are immutable; make accidental edits fail
        if replace:
            os.replace(tmp, final)
            fsync_dir(str(final.parent))
            return
        try:
            os.link(tmp, final)
        except FileExistsError:
            pass  # someone stored the same bytes first: theirs is identical
        except OSError:
            # Filesystems without hard links: rename, unless it appeared meanwhile.
            if not final.exists():
                os.replace(tmp, final)
        fsync_dir(str(final.parent))
    finally:
        discard_temp(tmp)


def _write(final: Path, fill: Callable[[BinaryIO], None], check: Callable[[str], None] | None, replace: bool) -> None:
    """Fill a temp file beside `final`, fsync it, let `check` read it back (raising to abort), publish it."""
    ensure_shard(final.parent)
    tmp = fill_temp_beside(final, fill)
    try:
        if check is not None:
            check(tmp)
        publish(tmp, final, replace=replace)
    except BaseException:
        discard_temp(tmp)
        raise


def write_compressed(
    final: Path, chunks: Iterable[bytes], verify: Callable[[], None] | None = None,
    replace_check: Callable[[str], None] | None = None,
) -> None:
    """Compress `chunks` into a temp file beside `final`, then publish it.

    `verify` runs after the last chunk and before publishing; it raises to abort.
    `replace_check` (repair): reads the finished temp file back and raises unless it
    is sound; only then does it replace whatever is at `final`.
    """

    def fill(out: BinaryIO) -> None:
        deflate = None
        for chunk in chunks:
            if deflate is None:
                deflate = zlib.compressobj(level_for(chunk))
            out.write(deflate.compress(chunk))
        out.write((deflate or zlib.compressobj(LEVEL)).flush())

    def check(tmp: str) -> None:
        if verify is not None:
            verify()
        if replace_check is not None:
            replace_check(tmp)

    _write(final, fill, check, replace=replace_check is not None)


def write_raw(final: Path, raw: bytes, check: Callable[[str], None]) -> None:
    """Publish `raw` (an already compressed stream, e.g. fetched from the shared store) at
    `final` once `check` has read the temp file back and found it sound; never over an
    existing file."""
    _write(final, lambda out: out.write(raw), check, replace=False)

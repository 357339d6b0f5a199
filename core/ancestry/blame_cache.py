"""The blame cache: which version owns each line of a file at a version, kept on disk so
blaming it again, or blaming a version recorded on top of it, costs only what changed.

One file per (artifact, path, version) under the data folder's cache folder:
`cache/blame/<artifact id>/<key>.blame`, or `<key>.checkpoint.blame` for a checkpoint (a
version every CHECKPOINT_EVERY of a first-parent chain, core.ancestry.blame) that an older
version's blame resumes from. Deleting any of it (or all) is always safe: a
missing entry is computed again. The key is a hash over the path and the version's whole
ancestry (each ancestor's id, content hash and parents' keys, like a git commit id), so
an entry is only ever found for the exact history it was computed on: a rewritten
history, another database behind the same data folder, or another path gets another key
and never a wrong owner.

An entry holds the file's bytes (so a version recorded on top of it diffs against them
without reading the object store), their sha256, and the owners run-length encoded
(count, version id), all in one zlib stream: a torn, truncated or edited entry fails to
decompress, or to match its key or its digest, and is then ignored (deleted, computed
again), never an error. Entries are written whole in one rename (core.atomic), without
fsync (a power cut can only leave an entry that fails those checks); each artifact keeps
its MAX_ENTRIES most recently used entries and, apart from them, its MAX_CHECKPOINTS most
recently used checkpoints: versions recorded one after another each leave an entry
(core.ancestry.blame_upkeep), and they must not push out the checkpoints of a long history.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import struct
import sys
import time
import zlib
from array import array
from dataclasses import dataclass
from itertools import compress
from operator import ne, sub
from pathlib import Path
from typing import Iterable, Mapping

from core.atomic import write_file_atomically
from core.ancestry.line_match import line_count
from core.history import VersionInfo

__all__ = ["BlameCache", "CachedBlame", "MAX_CHECKPOINTS", "MAX_ENTRIES", "blame_keys"]

MAGIC = b"artifact-lineage blame cache 1\n"
SUFFIX = ".blame"
CHECKPOINT_SUFFIX = ".checkpoint" + SUFFIX
MAX_ENTRIES = 64  # per artifact: the versions blamed or recorded lately
MAX_CHECKPOINTS = 128  # per artifact: checkpoints every 32 versions of a 4,096-version chain
STALE_TEMP_SECONDS = 600  # a temp file this old was left by a killed writer
_HEAD = struct.Struct("<32s32sQI")  # key, digest, text length, runs
_LEVEL = 1


@dataclass(frozen=True)
class CachedBlame:
    """A cached blame: the file's bytes at the version, their sha256, and each line's owner."""

    digest: str
    text: bytes
    owners: list[int]


def blame_keys(by_id: Mapping[int, VersionInfo], path: bytes) -> dict[int, str]:
    """The cache key of blaming `path` at each version: a hash of the path and the version's
    ancestry (ids, content hashes, parents within `by_id`). Empty when a parent was recorded
    after its child (ids out of order): nothing is cached for such a history."""
    node: dict[int, bytes] = {}
    for vid in sorted(by_id):
        v = by_id[vid]
        parts = [b"%d %s" % (vid, v.content_hash.encode())]
        for pid in (v.parent_id, v.second_parent_id):
            if pid is None or pid not in by_id:
                parts.append(b"-")
            elif pid in node:
                parts.append(node[pid])
            else:
                return {}
        node[vid] = hashlib.sha256(b"\0".join(parts)).digest()
    prefix = MAGIC + path + b"\0"
    return {vid: hashlib.sha256(prefix + n).hexdigest() for vid, n in node.items()}


def _runs(owners: list[int]) -> tuple[array, array]:
    """Run-length: how many lines in a row each owner has. Found by C-level map/compress (a
    groupby over 20,000 lines took ~20 ms of a 32-checkpoint cold blame's time per entry)."""
    if not owners:
        return array("I"), array("q")
    starts = [0, *compress(range(1, len(owners)), map(ne, owners[1:], owners[:-1]))]
    ends = starts[1:] + [len(owners)]
    return array("I", map(sub, ends, starts)), array("q", [owners[i] for i in starts])


def encode_entry(key: str, digest: str, text: bytes, owners: list[int]) -> bytes:
    counts, ids = _runs(owners)
    if sys.byteorder == "big":
        counts.byteswap()
        ids.byteswap()
    head = _HEAD.pack(bytes.fromhex(key), bytes.fromhex(digest), len(text), len(counts))
    return zlib.compress(b"".join((MAGIC, head, counts.tobytes(), ids.tobytes(), text)), _LEVEL)


def decode_entry(raw: bytes, key: str, known: Iterable[int] | Mapping[int, object]) -> CachedBlame:
    """The entry in `raw`; ValueError (or zlib.error, struct.error) when it is not a sound
    entry for `key` whose owners are all in `known`."""
    data = zlib.decompress(raw)
    if not data.startswith(MAGIC):
        raise ValueError("not a blame cache entry")
    at = len(MAGIC)
    got_key, digest, size, n = _HEAD.unpack_from(data, at)
    at += _HEAD.size
    if got_key.hex() != key:
        raise ValueError("entry of another key")
    counts, ids = array("I"), array("q")
    counts.frombytes(data[at:at + 4 * n])
    at += 4 * n
    ids.frombytes(data[at:at + 8 * n])
    at += 8 * n
    if sys.byteorder == "big":
        counts.byteswap()
        ids.byteswap()
    text = data[at:]
    if len(text) != size or hashlib.sha256(text).digest() != digest:
        raise ValueError("text does not match its digest")
    if sum(counts) != line_count(text) or not set(ids) <= set(known) or 0 in counts:
        raise ValueError("owners do not fit the text or the history")
    owners: list[int] = []
    for count, vid in zip(counts, ids):
        owners += [vid] * count
    return CachedBlame(digest.hex(), text, owners)


class BlameCache:
    """Blame entries in `folder` (one sub-folder per artifact). `writable=False` (a read-only
    data folder) reads entries and never writes, touches or deletes one."""

    def __init__(self, folder: str | os.PathLike[str], writable: bool = True) -> None:
        self.folder = Path(folder)
        self.writable = writable

    def _dir(self, artifact_id: int) -> Path:
        return self.folder / str(int(artifact_id))

    def _path(self, artifact_id: int, key: str, checkpoint: bool = False) -> Path:
        return self._dir(artifact_id) / (key + (CHECKPOINT_SUFFIX if checkpoint else SUFFIX))

    def forget(self, artifact_id: int) -> None:
        """Delete every entry of an artifact whose history is gone (`remove --purge`)."""
        if self.writable:
            shutil.rmtree(self._dir(artifact_id), ignore_errors=True)

    def discard(self, artifact_id: int, key: str) -> None:
        """Delete a recent entry that is no longer worth its room (a checkpoint stays)."""
        self._drop(self._path(artifact_id, key))

    def present(self, artifact_id: int) -> set[str]:
        """The keys with an entry for this artifact (one listing; nothing read)."""
        try:
            names = os.listdir(self._dir(artifact_id))
        except OSError:
            return set()
        return {n.partition(".")[0] for n in names if n.endswith(SUFFIX)}

    def load(self, artifact_id: int, key: str, known: Iterable[int] | Mapping[int, object]) -> CachedBlame | None:
        """The entry, or None when there is none or it is damaged (then it is deleted)."""
        for path in (self._path(artifact_id, key), self._path(artifact_id, key, checkpoint=True)):
            try:
                raw = path.read_bytes()
                break
            except OSError:
                continue
        else:
            return None
        try:
            entry = decode_entry(raw, key, known)
        except (ValueError, zlib.error, struct.error, OverflowError):
            self._drop(path)
            return None
        if self.writable:
            try:
                os.utime(path)  # most recently used: kept longest
            except OSError:
                pass
        return entry

    def store(self, artifact_id: int, key: str, digest: str, text: bytes, owners: list[int],
              checkpoint: bool = False) -> None:
        """Write an entry (a failure to write only loses the speed-up), then trim the artifact's folder."""
        if not self.writable:
            return
        try:
            write_file_atomically(self._path(artifact_id, key, checkpoint), encode_entry(key, digest, text, owners),
                                  durable=False)
            self._trim(self._dir(artifact_id))
        except OSError:
            pass

    def _drop(self, path: Path) -> None:
        if self.writable:
            try:
                path.unlink()
            except OSError:
                pass

    def _trim(self, folder: Path) -> None:
        """Keep the MAX_ENTRIES most recently used entries and MAX_CHECKPOINTS checkpoints;
        sweep temp files killed writers left."""
        entries: list[tuple[float, Path]] = []
        checkpoints: list[tuple[float, Path]] = []
        now = time.time()
        with os.scandir(folder) as it:
            for e in it:
                try:
                    mtime = e.stat(follow_symlinks=False).st_mtime
                except OSError:
                    continue
                if e.name.endswith(CHECKPOINT_SUFFIX):
                    checkpoints.append((mtime, Path(e.path)))
                elif e.name.endswith(SUFFIX):
                    entries.append((mtime, Path(e.path)))
                elif e.name.startswith(".tmp-") and now - mtime > STALE_TEMP_SECONDS:
                    self._drop(Path(e.path))
        for found, limit in ((entries, MAX_ENTRIES), (checkpoints, MAX_CHECKPOINTS)):
            if len(found) > limit:
                found.sort()
                for _, path in found[:len(found) - limit]:
                    self._drop(path)

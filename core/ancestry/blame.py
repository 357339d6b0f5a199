"""Blame: which version brought each line of a file, over the version DAG (DESIGN.md "Blame").

git blame's rule: a line of a version that the diff finds equal to a line of its first
parent passes to that parent; else, one equal to a line of its second parent passes
there; else the version brought it. So a line written in a project and pushed back is
blamed on the project's `local_modification`, an upstream line on its `sync`, and a
merge owns only the lines neither side had.

The walk goes from the newest version to the oldest (ids follow recording order, so
every child is done before its parents) carrying ranges of lines, not lines: a parent
whose file has the same digest takes every range without a read, and a diff costs
about what changed (core.ancestry.line_match). File contents come from the object
store, read ahead on a few threads (zlib and sha256 release the GIL). Reads only;
records nothing.
"""
from __future__ import annotations

import heapq
import os
from bisect import bisect_right
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

from core.ancestry.line_match import EqualBlock, equal_blocks, line_count
from core.errors import FileNotInVersionError, LineageError
from core.history import COLLECTION_LINE, VersionInfo, ordinal_by_id
from core.merge import is_binary
from core.store import ObjectStore

__all__ = ["Blame", "BlameLine", "blame", "blame_file", "default_blame_path", "iter_owner_runs"]

READ_AHEAD = 6  # blobs read ahead of the walk
_DEFAULT_FILE = b"SKILL.md"

# (line in this version, number of lines, index of the first of them in the blamed file)
_Range = tuple[int, int, int]


@dataclass(frozen=True)
class BlameLine:
    line_no: int  # 1-based, in the blamed version's file
    text: str  # the line without its newline, decoded (undecodable bytes as U+FFFD)
    version_id: int


@dataclass(frozen=True)
class Blame:
    """A file's lines at one version, each with the version that brought it."""

    path: str
    version: VersionInfo  # the version blamed (its file's lines are `lines`)
    lines: tuple[BlameLine, ...]
    versions: dict[int, VersionInfo]  # every version a line is blamed on, by id
    numbers: dict[int, int]  # the artifact's own numbering: id -> n of vn

    def number(self, version_id: int) -> int:
        return self.numbers[version_id]


def default_blame_path(paths: list[bytes]) -> bytes | None:
    """The file blamed when none is named: the only file, else SKILL.md."""
    if len(paths) == 1:
        return paths[0]
    return _DEFAULT_FILE if _DEFAULT_FILE in paths else None


def _ancestors(start: VersionInfo, by_id: dict[int, VersionInfo]) -> list[VersionInfo]:
    """`start` and every version it descends from, newest first."""
    seen = {start.id}
    todo = [start.id]
    while todo:
        v = by_id[todo.pop()]
        for p in (v.parent_id, v.second_parent_id):
            if p is not None and p in by_id and p not in seen:
                seen.add(p)
                todo.append(p)
    return sorted((by_id[i] for i in seen), key=lambda v: v.id, reverse=True)


class _Digests:
    """Each version's digest of the file (None: not in that version), from its manifest."""

    def __init__(self, objects: ObjectStore, path: bytes) -> None:
        self.objects = objects
        self.path = path
        self.by_hash: dict[str, str | None] = {}

    def of(self, v: VersionInfo) -> str | None:
        h = v.content_hash
        if h not in self.by_hash:
            digest = None
            for e in self.objects.get_manifest(h).entries:
                if e.path == self.path and e.kind != "l":
                    digest = e.digest
                    break
            self.by_hash[h] = digest
        return self.by_hash[h]


class _Reader:
    """File contents by digest, read ahead on threads in the order the walk will want them."""

    def __init__(self, objects: ObjectStore, order: list[str], last_use: dict[str, int]) -> None:
        self.objects = objects
        self.order = order
        self.next = 0
        self.last_use = last_use
        self.pending: dict[str, Future[bytes]] = {}
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="blame-read") if len(order) > 2 else None

    def _top_up(self) -> None:
        while self.pool is not None and self.next < len(self.order) and len(self.pending) < READ_AHEAD:
            d = self.order[self.next]
            self.next += 1
            if d not in self.pending:
                self.pending[d] = self.pool.submit(self.objects.read_bytes, d)

    def get(self, digest: str) -> bytes:
        self._top_up()
        fut = self.pending.get(digest)
        if fut is None:
            fut = Future()
            fut.set_result(self.objects.read_bytes(digest))
            self.pending[digest] = fut
        return fut.result()

    def done_with(self, version_id: int, digest: str | None) -> None:
        """The walk has finished `version_id`: drop contents no older version will want."""
        if digest is not None and self.last_use.get(digest) == version_id:
            self.pending.pop(digest, None)

    def close(self) -> None:
        if self.pool is not None:
            for fut in self.pending.values():
                fut.cancel()
            self.pool.shutdown(wait=True)


def _pass_on(ranges: list[_Range], blocks: list[EqualBlock]) -> tuple[list[_Range], list[_Range]]:
    """Split `ranges` (lines of the child) into those the blocks pass to the parent,
    in the parent's numbering, and those left with the child."""
    passed: list[_Range] = []
    kept: list[_Range] = []
    starts = [b.new_start for b in blocks]
    for start, length, final in ranges:
        at, end = start, start + length
        i = max(0, bisect_right(starts, at) - 1)
        while at < end:
            b = blocks[i] if i < len(blocks) else None
            if b is None or at < b.new_start:
                stop = end if b is None else min(end, b.new_start)
                kept.append((at, stop - at, final + at - start))
                at = stop
                continue
            b_end = b.new_start + b.length
            if at >= b_end:
                i += 1
                continue
            stop = min(end, b_end)
            passed.append((b.old_start + at - b.new_start, stop - at, final + at - start))
            at = stop
            i += 1
    return passed, kept


def blame(
    objects: ObjectStore, versions: list[VersionInfo], start: VersionInfo, path: bytes,
    cancel: Callable[[], bool] | None = None,
) -> Blame:
    """Blame `path` at version `start`; `versions` are the artifact's versions (any order).

    Raises FileNotInVersionError when `start` has no such file or it is binary, and the
    object store's errors when a content is missing or damaged."""
    by_id = {v.id: v for v in versions}
    numbers = ordinal_by_id(versions)
    shown = os.fsdecode(path)
    digests = _Digests(objects, path)
    start_digest = digests.of(start)
    if start_digest is None:
        raise FileNotInVersionError(
            f"v{numbers[start.id]} has no file {shown!r}; `diff NAME --name-only` or the window's file table lists its files."
        )
    ancestors = _ancestors(start, by_id)
    order: list[str] = []
    last_use: dict[str, int] = {}
    for v in ancestors:  # newest first: the order the walk reads in
        d = digests.of(v)
        if d is not None:
            if d not in last_use:
                order.append(d)
            last_use[d] = v.id
    reader = _Reader(objects, order, last_use)
    try:
        text = reader.get(start_digest)
        if is_binary(text):
            raise FileNotInVersionError(f"{shown!r} in v{numbers[start.id]} is a binary file; blame reads text files only.")
        owner = _walk(start, text, by_id, digests, reader, cancel)
    finally:
        reader.close()
    lines = tuple(
        BlameLine(i + 1, raw.removesuffix(b"\r").decode("utf-8", "replace"), owner[i])
        for i, raw in enumerate(text.split(b"\n")[:len(owner)])
    )
    blamed = {vid: by_id[vid] for vid in set(owner)}
    return Blame(shown, start, lines, blamed, numbers)


def _walk(
    start: VersionInfo, text: bytes, by_id: dict[int, VersionInfo], digests: _Digests, reader: _Reader,
    cancel: Callable[[], bool] | None,
) -> list[int]:
    """The version id owning each line of `text` (start's file)."""
    total = line_count(text)
    owner = [start.id] * total
    suspects: dict[int, list[_Range]] = {start.id: [(0, total, 0)]} if total else {}
    heap = [-start.id]
    while heap:
        vid = -heapq.heappop(heap)
        ranges = suspects.pop(vid, None)
        if not ranges:
            continue
        if cancel is not None and cancel():
            raise LineageError("Blame was cancelled.")
        v = by_id[vid]
        mine = digests.of(v)
        for pid in (v.parent_id, v.second_parent_id):
            if not ranges:
                break
            parent = by_id.get(pid) if pid is not None else None
            theirs = digests.of(parent) if parent is not None else None
            if theirs is None:
                continue
            if theirs == mine:
                passed, ranges = ranges, []
            else:
                blocks = equal_blocks(reader.get(mine), reader.get(theirs))
                passed, ranges = _pass_on(ranges, blocks)
            if passed:
                if pid not in suspects:
                    heapq.heappush(heap, -pid)
                suspects.setdefault(pid, []).extend(passed)
        for _at, length, final in ranges:
            owner[final:final + length] = [vid] * length
        reader.done_with(vid, mine)
    return owner


def blame_file(
    ws, artifact_id: int, path: str | bytes | None = None, version_id: int | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Blame:
    """Blame a file of an artifact (`path`, default: its only file or SKILL.md) at the
    collection's head, or at `version_id`. `ws` is a Workspace (history + objects)."""
    from core.errors import VersionNotFoundError

    versions = ws.history.versions(artifact_id)
    if not versions:
        raise VersionNotFoundError("This artifact has no versions yet; sync it first.")
    if version_id is None:
        start = next((v for v in versions if v.line == COLLECTION_LINE), versions[0])
    else:
        start = next((v for v in versions if v.id == version_id), None)
        if start is None:
            raise VersionNotFoundError(f"Version #{version_id} is not a version of this artifact.")
    if path is None:
        paths = [e.path for e in ws.objects.get_manifest(start.content_hash).entries if e.kind != "l"]
        chosen = default_blame_path(paths)
        if chosen is None:
            names = ", ".join(sorted(os.fsdecode(p) for p in paths)[:8])
            raise FileNotInVersionError(f"Name the file to blame: this version has no SKILL.md; its files: {names}.")
    else:
        chosen = os.fsencode(path) if isinstance(path, str) else path
    return blame(ws.objects, versions, start, chosen, cancel)


def iter_owner_runs(b: Blame) -> Iterator[tuple[int, int, int]]:
    """(first line index, count, version id) for each run of lines blamed on one version."""
    lines = b.lines
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].version_id == lines[i].version_id:
            j += 1
        yield i, j - i, lines[i].version_id
        i = j

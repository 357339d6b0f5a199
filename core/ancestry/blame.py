"""Blame: which version brought each line of a file, over the version DAG (DESIGN.md "Blame").

git blame's rule: a line of a version that the diff finds equal to a line of its first
parent passes to that parent; else, one equal to a line of its second parent passes
there; else the version brought it. So a line written in a project and pushed back is
blamed on the project's `local_modification`, an upstream line on its `sync`, and a
merge owns only the lines neither side had.

The rule is a recurrence, so the walk goes forward: from the oldest ancestor of the
version blamed to it (ids follow recording order, so parents come first), each version's
lines take the owners of the parent lines the diff pairs them with (slice copies), else
they are its own. A version whose file has its first parent's digest shares that
parent's owners without a read, and a diff costs about what changed
(core.ancestry.line_match). Owners and lines are dropped once no later version needs
them. File contents come from the object store, verified, read ahead on two threads
(zlib and sha256 release the GIL). Reads only; records nothing.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

from core.ancestry.line_match import EqualBlock, equal_line_blocks, split_lines
from core.errors import FileNotInVersionError, LineageError
from core.history import COLLECTION_LINE, VersionInfo, ordinal_by_id
from core.merge import is_binary
from core.store import ObjectStore

__all__ = ["Blame", "BlameLine", "blame", "blame_file", "default_blame_path", "iter_owner_runs"]

READ_AHEAD = 6  # blobs read ahead of the walk
_DEFAULT_FILE = b"SKILL.md"



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

    def __init__(self, objects: ObjectStore, path: bytes, by_id: dict[int, VersionInfo]) -> None:
        self.objects = objects
        self.path = path
        self.shown = os.fsdecode(path)
        self.by_id = by_id
        self.by_hash: dict[str, str | None] = {}

    def of_id(self, version_id: int) -> str | None:
        return self.of(self.by_id[version_id])

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

    def __init__(self, objects: ObjectStore, order: list[str]) -> None:
        self.objects = objects
        self.order = order
        self.next = 0
        self.pending: dict[str, Future[bytes]] = {}
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="blame-read") if len(order) > 2 else None

    def get(self, digest: str) -> bytes:
        while self.pool is not None and self.next < len(self.order) and len(self.pending) < READ_AHEAD:
            d = self.order[self.next]
            self.next += 1
            if d not in self.pending:
                self.pending[d] = self.pool.submit(self.objects.read_bytes, d)
        fut = self.pending.pop(digest, None)
        return fut.result() if fut is not None else self.objects.read_bytes(digest)

    def close(self) -> None:
        if self.pool is not None:
            for fut in self.pending.values():
                fut.cancel()
            self.pool.shutdown(wait=True)


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
    digests = _Digests(objects, path, by_id)
    start_digest = digests.of(start)
    if start_digest is None:
        raise FileNotInVersionError(
            f"v{numbers[start.id]} has no file {shown!r}; `diff NAME --name-only` or the window's file table lists its files."
        )
    text = objects.read_bytes(start_digest)
    if is_binary(text):
        raise FileNotInVersionError(f"{shown!r} in v{numbers[start.id]} is a binary file; blame reads text files only.")
    oldest_first = list(reversed(_ancestors(start, by_id)))
    order: list[str] = []
    seen = {start_digest}
    for v in oldest_first:  # the order the walk reads in
        d = digests.of(v)
        if d is not None and d not in seen:
            seen.add(d)
            order.append(d)
    reader = _Reader(objects, order)
    try:
        owner = _walk(oldest_first, start, digests, reader, cancel, split_lines(text))
    finally:
        reader.close()
    lines = tuple(
        BlameLine(i + 1, raw.removesuffix(b"\r").decode("utf-8", "replace"), owner[i])
        for i, raw in enumerate(text.split(b"\n")[:len(owner)])
    )
    blamed = {vid: by_id[vid] for vid in set(owner)}
    return Blame(shown, start, lines, blamed, numbers)


def _walk(
    oldest_first: list[VersionInfo], start: VersionInfo, digests: _Digests, reader: _Reader,
    cancel: Callable[[], bool] | None, start_lines: list[bytes],
) -> list[int]:
    """The version id owning each line of start's file, computed forward: a version's line
    takes the owner of the first parent's line the diff pairs it with, else the second
    parent's, else it is the version's own (git blame's rule, as a recurrence)."""
    ids = {v.id for v in oldest_first}
    last_child: dict[int, int] = {}  # owners of a version are dropped after its last child
    last_read: dict[str, int] = {}  # lines of a content are dropped after the last version using them
    for v in oldest_first:
        for pid in (v.parent_id, v.second_parent_id):
            if pid in ids:
                last_child[pid] = v.id
                d = digests.of_id(pid)
                if d is not None:
                    last_read[d] = v.id
        d = digests.of(v)
        if d is not None:
            last_read[d] = max(last_read.get(d, 0), v.id)
    owners: dict[int, list[int] | None] = {}
    start_digest = digests.of(start)
    lines_of: dict[str, list[bytes]] = {start_digest: start_lines}

    def lines(digest: str) -> list[bytes]:
        got = lines_of.get(digest)
        if got is None:
            got = lines_of[digest] = split_lines(reader.get(digest))
        return got

    for v in oldest_first:
        if cancel is not None and cancel():
            raise LineageError("Blame was cancelled.")
        mine = digests.of(v)
        own: list[int] | None = None
        if mine is not None:
            parents = [(pid, digests.of_id(pid)) for pid in (v.parent_id, v.second_parent_id) if pid in ids]
            parents = [(pid, d) for pid, d in parents if d is not None and owners.get(pid) is not None]
            if parents and parents[0][1] == mine:
                own = owners[parents[0][0]]  # the same file: every line passes (shared, never changed)
            else:
                new = lines(mine)
                own = [v.id] * len(new)
                left = [(0, len(new))]  # lines no parent has claimed yet
                for pid, theirs in parents:
                    if not left:
                        break
                    inherited = owners[pid]
                    blocks = [EqualBlock(0, 0, len(new))] if theirs == mine else equal_line_blocks(new, lines(theirs))
                    left = _take(own, inherited, blocks, left)
        owners[v.id] = own
        for pid in (v.parent_id, v.second_parent_id):
            if pid in ids and last_child.get(pid) == v.id and pid != start.id:
                owners.pop(pid, None)
        for d in [d for d, last in last_read.items() if last == v.id and d != start_digest]:
            lines_of.pop(d, None)
    return owners[start.id] or []


def _take(own: list[int], inherited: list[int], blocks: list[EqualBlock],
          left: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Copy the parent's owners into `own` where a block pairs lines still unclaimed (`left`:
    sorted [start, end) ranges); the ranges still unclaimed after it."""
    still: list[tuple[int, int]] = []
    i = 0
    for lo, hi in left:
        at = lo
        while i < len(blocks) and blocks[i].new_start + blocks[i].length <= at:
            i += 1
        j = i
        while at < hi:
            b = blocks[j] if j < len(blocks) else None
            if b is None or b.new_start >= hi:
                still.append((at, hi))
                break
            if b.new_start > at:
                still.append((at, b.new_start))
                at = b.new_start
            stop = min(hi, b.new_start + b.length)
            src = b.old_start + at - b.new_start
            own[at:stop] = inherited[src:src + stop - at]
            at = stop
            j += 1
    return still


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

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
(zlib and sha256 release the GIL). Records nothing in the history.

With a blame cache (core.ancestry.blame_cache; `blame_file` uses the data folder's), a
version blamed before answers from it, and the walk goes back only as far as the nearest
cached ancestors, which bring their owners and their file's bytes: blaming a version
recorded on top of a cached one reads one content and diffs once. The walk stores the
version blamed and a checkpoint every CHECKPOINT_EVERY versions of its first-parent chain.
"""
from __future__ import annotations

import os
from pathlib import Path
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

from core.ancestry.blame_cache import BlameCache, CachedBlame, blame_keys
from core.ancestry.line_match import EqualBlock, equal_line_blocks, line_count, split_lines
from core.cancel import Cancelled
from core.errors import FileNotInVersionError
from core.history import COLLECTION_LINE, VersionInfo, ordinal_by_id
from core.merge import is_binary
from core.store import ObjectStore

__all__ = [
    "Blame", "BlameLine", "LONG_WALK", "TooFarToBlame", "blamable_paths", "blame", "blame_cache_dir", "blame_file",
    "default_blame_path", "iter_owner_runs", "store_blame", "text_lines",
]

READ_AHEAD = 6  # blobs read ahead of the walk
CHECKPOINT_EVERY = 32  # a walk stores the blame of every 32nd version of the first-parent chain it walks
PROGRESS_EVERY = 8  # versions walked between two progress reports (and cancel checks)
LONG_WALK = 64  # versions: a walk this long takes long enough to count it and show the file ahead of it
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


def blamable_paths(objects: ObjectStore, content_hash: str) -> list[bytes]:
    """The paths of a version's files blame can read (a link is no file of lines)."""
    return [e.path for e in objects.get_manifest(content_hash).entries if e.kind != "l"]


def default_blame_path(paths: list[bytes]) -> bytes | None:
    """The file blamed when none is named: the only file, else SKILL.md."""
    if len(paths) == 1:
        return paths[0]
    return _DEFAULT_FILE if _DEFAULT_FILE in paths else None


def _ancestors(start: VersionInfo, by_id: dict[int, VersionInfo], stop: Callable[[VersionInfo], bool]) -> list[VersionInfo]:
    """`start` and every version it descends from, newest first; the walk back does not go
    past a version `stop` says is known (a cached one: its own owners are all it needs)."""
    seen = {start.id}
    todo = [start.id]
    while todo:
        v = by_id[todo.pop()]
        if v.id != start.id and stop(v):
            continue
        for p in (v.parent_id, v.second_parent_id):
            if p is not None and p in by_id and p not in seen:
                seen.add(p)
                todo.append(p)
    return sorted((by_id[i] for i in seen), key=lambda v: v.id, reverse=True)


def _checkpoints(start: VersionInfo, by_id: dict[int, VersionInfo]) -> set[int]:
    """Versions on start's first-parent chain whose depth (versions from its root) is a multiple
    of CHECKPOINT_EVERY: where a walk leaves cache entries, so blaming an older version (or
    the same chain again) resumes near it. Depends only on the chain, so walks agree."""
    chain = [start.id]
    while (p := by_id[chain[-1]].parent_id) is not None and p in by_id and len(chain) <= len(by_id):
        chain.append(p)
    return {vid for depth, vid in enumerate(reversed(chain), start=1) if depth % CHECKPOINT_EVERY == 0}


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

    def know(self, v: VersionInfo, digest: str) -> None:
        """The digest of the file in `v`'s content, known without its manifest (from the cache)."""
        self.by_hash[v.content_hash] = digest

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


class TooFarToBlame(Exception):
    """The walk to blame a version would read more versions than its caller allows."""


def blame(
    objects: ObjectStore, versions: list[VersionInfo], start: VersionInfo, path: bytes,
    cancel: Callable[[], bool] | None = None, cache: BlameCache | None = None,
    progress: Callable[[int, int], None] | None = None, on_text: Callable[[bytes], None] | None = None,
) -> Blame:
    """Blame `path` at version `start`; `versions` are the artifact's versions (any order).
    With a `cache`, an entry for `start` answers at once; otherwise the walk starts from the
    nearest cached ancestors (or the roots), and `start` and the checkpoints it passes are
    stored (core.ancestry.blame_cache). `progress(done, total)` is told how far the walk is
    (versions), every PROGRESS_EVERY versions and at the end; `cancel` is asked as often.
    `on_text(bytes)` is given the file as soon as it is read, before a walk of LONG_WALK
    versions or more (a view shows the lines while their versions are found).

    Raises FileNotInVersionError when `start` has no such file or it is binary, and the
    object store's errors when a content is missing or damaged."""
    by_id = {v.id: v for v in versions}
    numbers = ordinal_by_id(versions)
    text, owner = _owners(objects, by_id, numbers, start, path, cancel, cache, progress, on_text=on_text)
    return _result(os.fsdecode(path), start, text, owner, by_id, numbers)


def store_blame(objects: ObjectStore, versions: list[VersionInfo], start: VersionInfo, path: bytes,
                cache: BlameCache, max_walk: int | None = None) -> dict[int, str]:
    """Blame `path` at `start` into `cache` only (no result built; an entry already there is
    left as it is); the cache keys of `path` in this history (`blame_keys`). With `max_walk`,
    a walk over more versions than that raises TooFarToBlame before any content is read.
    Raises as `blame` does."""
    by_id = {v.id: v for v in versions}
    keys = blame_keys(by_id, path)
    key = keys.get(start.id)
    if key is not None and key not in cache.present(start.artifact_id):
        _owners(objects, by_id, ordinal_by_id(versions), start, path, None, cache, None, max_walk, keys=keys)
    return keys


def _owners(
    objects: ObjectStore, by_id: dict[int, VersionInfo], numbers: dict[int, int], start: VersionInfo, path: bytes,
    cancel: Callable[[], bool] | None, cache: BlameCache | None, progress: Callable[[int, int], None] | None,
    max_walk: int | None = None, on_text: Callable[[bytes], None] | None = None, keys: dict[int, str] | None = None,
) -> tuple[bytes, list[int]]:
    """The file's bytes at `start` and each line's owner: `blame` without the result built.
    `keys`: the history's cache keys for `path` when the caller has them already."""
    shown = os.fsdecode(path)
    if keys is None:
        keys = blame_keys(by_id, path) if cache is not None else {}
    present = cache.present(start.artifact_id) if cache is not None and keys else set()
    seeds: dict[int, CachedBlame] = {}

    def cached(v: VersionInfo) -> bool:
        if v.id in seeds:
            return True
        key = keys.get(v.id)
        if cache is None or key is None or key not in present:
            return False
        entry = cache.load(v.artifact_id, key, by_id)
        if entry is not None:
            seeds[v.id] = entry
        return entry is not None

    binary = FileNotInVersionError(f"{shown!r} in v{numbers[start.id]} is a binary file; blame reads text files only.")
    if cached(start):  # a checkpoint may hold a binary file: refused as a cold blame refuses it
        hit = seeds[start.id]
        if is_binary(hit.text):
            raise binary
        return hit.text, hit.owners
    digests = _Digests(objects, path, by_id)
    start_digest = digests.of(start)
    if start_digest is None:
        raise FileNotInVersionError(
            f"v{numbers[start.id]} has no file {shown!r}; `diff NAME --name-only` or the window's file table lists its files."
        )
    oldest_first = list(reversed(_ancestors(start, by_id, cached)))
    if max_walk is not None and len(oldest_first) > max_walk:
        raise TooFarToBlame(f"blaming v{numbers[start.id]} reads {len(oldest_first)} versions")
    text = objects.read_bytes(start_digest)
    if is_binary(text):
        raise binary
    if on_text is not None and len(oldest_first) >= LONG_WALK:
        on_text(text)
    for vid, entry in seeds.items():
        digests.know(by_id[vid], entry.digest)
    order: list[str] = []
    seen = {start_digest} | {e.digest for e in seeds.values()}
    for v in oldest_first:  # the order the walk reads in
        d = digests.of(v)
        if d is not None and d not in seen:
            seen.add(d)
            order.append(d)
    store = _storer(cache, keys) if cache is not None and keys else None
    checkpoints = _checkpoints(start, by_id) if store is not None else set()
    reader = _Reader(objects, order)
    try:
        owner = _walk(oldest_first, start, digests, reader, cancel, text, seeds, checkpoints, store, progress)
    finally:
        reader.close()
    if store is not None:
        store(start, start_digest, text, owner, start.id in checkpoints)
    return text, owner


_Storer = Callable[[VersionInfo, str, bytes, list[int], bool], None]  # version, digest, text, owners, checkpoint


def _storer(cache: BlameCache, keys: dict[int, str]) -> _Storer:
    def store(v: VersionInfo, digest: str, raw: bytes, owners: list[int], checkpoint: bool) -> None:
        cache.store(v.artifact_id, keys[v.id], digest, raw, owners, checkpoint)
    return store


def text_lines(text: bytes) -> list[str]:
    """The file's lines as Blame shows them: without their newline (or CR LF), decoded
    (undecodable bytes as U+FFFD)."""
    return [raw.removesuffix(b"\r").decode("utf-8", "replace") for raw in text.split(b"\n")[:line_count(text)]]


def _result(shown: str, start: VersionInfo, text: bytes, owner: list[int], by_id: dict[int, VersionInfo],
            numbers: dict[int, int]) -> Blame:
    lines = tuple(BlameLine(i + 1, line, owner[i]) for i, line in enumerate(text_lines(text)[:len(owner)]))
    blamed = {vid: by_id[vid] for vid in set(owner)}
    return Blame(shown, start, lines, blamed, numbers)


def _walk(
    oldest_first: list[VersionInfo], start: VersionInfo, digests: _Digests, reader: _Reader,
    cancel: Callable[[], bool] | None, start_text: bytes, seeds: dict[int, CachedBlame],
    checkpoints: set[int], store: _Storer | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """The version id owning each line of start's file, computed forward: a version's line
    takes the owner of the first parent's line the diff pairs it with, else the second
    parent's, else it is the version's own (git blame's rule, as a recurrence). A seed
    (a cached version) brings its owners and its text; a checkpoint is stored on the way."""
    ids = {v.id for v in oldest_first}
    last_child: dict[int, int] = {}  # owners of a version are dropped after its last child
    last_read: dict[str, int] = {}  # lines of a content are dropped after the last version using them
    for v in oldest_first:
        if v.id in seeds:
            continue  # a seed's parents are not needed
        for pid in (v.parent_id, v.second_parent_id):
            if pid in ids:
                last_child[pid] = v.id
                d = digests.of_id(pid)
                if d is not None:
                    last_read[d] = v.id
        d = digests.of(v)
        if d is not None:
            last_read[d] = max(last_read.get(d, 0), v.id)
    start_digest = digests.of(start)
    drop_after: dict[int, list[str]] = {}  # last_read inverted: a lookup per version, not a scan
    for d, last in last_read.items():
        if d != start_digest:
            drop_after.setdefault(last, []).append(d)
    owners: dict[int, list[int] | None] = {}
    raw_of: dict[str, bytes] = {start_digest: start_text}  # kept for checkpoints and seeds only
    raw_of.update((e.digest, e.text) for e in seeds.values())
    keep = {digests.of_id(vid) for vid in checkpoints if vid in ids and vid not in seeds}
    lines_of: dict[str, list[bytes]] = {}
    matched: dict[tuple[str, str], list[EqualBlock]] = {}  # (new digest, old digest) -> equal blocks

    def lines(digest: str) -> list[bytes]:
        got = lines_of.get(digest)
        if got is None:
            raw = raw_of.get(digest)
            if raw is None:
                raw = reader.get(digest)
                if digest in keep:
                    raw_of[digest] = raw
            got = lines_of[digest] = split_lines(raw)
        return got

    total = len(oldest_first)
    for done, v in enumerate(oldest_first):
        if done % PROGRESS_EVERY == 0:
            if cancel is not None and cancel():
                raise Cancelled("Blame was cancelled.")
            if progress is not None:
                progress(done, total)
        if v.id in seeds:
            owners[v.id] = seeds[v.id].owners
            continue
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
                    if theirs == mine:
                        blocks = [EqualBlock(0, 0, len(new))]
                    else:  # a push diffs the project's version and the collection's against one parent: once
                        blocks = matched.get((mine, theirs)) or equal_line_blocks(new, lines(theirs))
                        matched[(mine, theirs)] = blocks
                    left = _take(own, inherited, blocks, left)
            if store is not None and v.id in checkpoints and v.id != start.id and mine in raw_of:
                store(v, mine, raw_of[mine], own, True)
        owners[v.id] = own
        for pid in (v.parent_id, v.second_parent_id):
            if pid in ids and last_child.get(pid) == v.id and pid != start.id:
                owners.pop(pid, None)
        for d in drop_after.get(v.id, ()):
            lines_of.pop(d, None)
            if d in keep:
                raw_of.pop(d, None)
    if progress is not None:
        progress(total, total)
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
    cancel: Callable[[], bool] | None = None, use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None, on_text: Callable[[bytes], None] | None = None,
) -> Blame:
    """Blame a file of an artifact (`path`, default: its only file or SKILL.md) at the
    collection's head, or at `version_id`. `ws` is a Workspace (history + objects); its
    blame cache (`blame_cache_dir(ws)`) is read and filled unless `use_cache` is False."""
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
        paths = blamable_paths(ws.objects, start.content_hash)
        chosen = default_blame_path(paths)
        if chosen is None:
            names = ", ".join(sorted(os.fsdecode(p) for p in paths)[:8])
            raise FileNotInVersionError(f"Name the file to blame: this version has no SKILL.md; its files: {names}.")
    else:
        chosen = os.fsencode(path) if isinstance(path, str) else path
    cache = BlameCache(blame_cache_dir(ws), writable=not ws.read_only) if use_cache else None
    return blame(ws.objects, versions, start, chosen, cancel, cache, progress, on_text)


def blame_cache_dir(ws) -> Path:
    """Where a Workspace keeps its blame cache: `cache/blame/` in the data folder (safe to delete)."""
    return ws.home.cache_dir / "blame"


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

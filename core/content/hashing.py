"""Content hash v1 (see docs/hashing.md and ../shared/DESIGN.md): its definition and entry points.

ManifestEntry and TreeHash define what is hashed; hash_file, hash_tree and
hash_trees compute it (the values live in core.content.manifest). The walk runs on the calling thread (core.content.treewalk: os.scandir,
bytes paths, no link is followed); file contents are read by the caller together
with a few helpers from one module-level thread pool (core.content.readers).

hashlib and core.content.readers (OpenSSL, threads, queues: ~5 ms of a process's
start) are imported by the functions that read or hash: a re-check of an unchanged
folder with a stat cache does neither (see `main.py hash`, docs/cli.md).
"""
from __future__ import annotations

import itertools
import os
import stat as stat_mod
import sys
import time
from typing import TYPE_CHECKING, Callable, Sequence

from core.errors import HashingError, UnsupportedEntryError, describe_os_error
from core.content.manifest import ManifestEntry, TreeHash, record_of
from core.content.safety import special_file_kind
from core.content.treewalk import SKIP_NAMES, scan_tree

if TYPE_CHECKING:
    from core.content.statcache import StatCache

__all__ = ["SKIP_NAMES", "hash_file", "hash_tree", "hash_trees"]


def hash_file(path: str | os.PathLike[str] | bytes) -> str:
    """Streamed sha256 hex digest of one regular file (memory: one chunk)."""
    import hashlib

    from core.content.read_errors import read_error
    from core.content.readers import sha256_factory, stream_digest

    try:
        with open(path, "rb", buffering=0) as f:
            if hasattr(hashlib, "file_digest"):  # 3.11+: C loop, GIL released per chunk
                return hashlib.file_digest(f, sha256_factory).hexdigest()  # type: ignore[arg-type]
            return stream_digest(f.fileno())  # 3.10
    except OSError as exc:
        raise read_error(os.fsdecode(os.fspath(path)), exc) from exc


def hash_tree(root: str | os.PathLike[str], *, cache: "StatCache | None" = None, follow_root: bool = True) -> TreeHash:
    """Hash a directory or a single file (a single file's one entry is its own name).

    `cache` is a core.content.statcache.StatCache or None. Raises HashingError (missing root,
    unreadable file) and UnsupportedEntryError (FIFO, socket, device), naming the entry.
    The root itself is followed if it is a link, unless `follow_root` is False (then a
    root that is a link is refused with HashingError); nothing below it is.
    """
    root_str = os.path.abspath(os.fspath(root))
    root_b = os.fsencode(root_str)
    try:
        st = os.stat(root_b) if follow_root else os.lstat(root_b)
    except FileNotFoundError as exc:
        raise HashingError(
            f"Cannot hash '{root_str}': it does not exist; check the path."
        ) from exc
    except OSError as exc:
        raise HashingError(
            f"Cannot hash '{root_str}': {describe_os_error(exc, 'check the path and its permissions')}."
        ) from exc

    if stat_mod.S_ISLNK(st.st_mode):
        raise HashingError(
            f"Cannot hash '{root_str}': it is a symbolic link, and links are not followed here; "
            "point at the real file or folder."
        )
    if stat_mod.S_ISDIR(st.st_mode):
        if cache is not None:
            return _hash_dir_cached(root_b, root_str, cache, follow_root)
        keep: list[int] = []
        try:
            files, links, _ = scan_tree(root_b, root_str, follow_root=follow_root, keep=keep)
            return _tree_of(_read_entries(root_b, root_str, files, links, {}, None))
        finally:
            _close_all(keep)

    # A single file. entries: [rel path, kind, digest or None, size].
    from core.content.readers import FileReads

    entries: list[list] = []
    reads = FileReads(root_str, root_b)
    stored: list[tuple[bytes, os.stat_result, list]] = []
    read_at = time.time_ns()  # before any read: the safe side for the racy check
    try:
        if stat_mod.S_ISREG(st.st_mode):
            entry = [os.fsencode(os.path.basename(root_str)), "x" if st.st_mode & 0o111 else "f", None, st.st_size]
            entries.append(entry)
            digest = cache.lookup(root_b, st) if cache is not None else None
            if digest is None:
                # Reads never follow a link, but a root given as a link is followed.
                real = os.fsencode(os.path.realpath(root_str)) if os.path.islink(root_b) else root_b
                reads.add(entry, real, st.st_size, (st.st_dev, st.st_ino))
                stored.append((root_b, st, entry))
            else:
                entry[2] = digest
        else:
            raise UnsupportedEntryError(
                f"Cannot hash '{root_str}': it is {special_file_kind(st.st_mode)}, not a file or folder; "
                "point at a regular file or a folder."
            )
    except BaseException:
        reads.finish(abort=True)  # helpers stop (without reading more) before we return
        raise
    reads.finish()

    if cache is not None:
        for abspath, fst, entry in stored:
            cache.store(abspath, fst, entry[2], read_at_ns=read_at)

    return _tree_of(entries)


def _tree_of(entries: list) -> TreeHash:
    """The TreeHash of manifest rows [path, kind, digest, size] (sorted here, in place).
    Its ManifestEntry objects are built when first asked for: `hash` and a sync of an
    unchanged artifact need only the content hash."""
    import hashlib

    entries.sort(key=_first)
    h = hashlib.sha256(b"".join([record_of(rel, kind, digest) for rel, kind, digest, _ in entries]))
    return TreeHash.deferred(h.hexdigest(), lambda: tuple([ManifestEntry(*row) for row in entries]))


def _hash_dir_cached(root_b: bytes, root_str: str, cache: "StatCache", follow_root: bool) -> TreeHash:
    """A folder with a stat cache: lstat everything first; if every name and stat tuple
    is as when the folder was last hashed, that TreeHash is the answer (no per-file
    lookups, no manifest rebuilt). Otherwise each unchanged file's digest comes from
    that snapshot (or a per-file row), the others are read, and the new snapshot
    replaces the old one: a folder's files need no per-file rows."""
    read_at = time.time_ns()  # before any read: the safe side for the racy check
    keep: list[int] = []
    try:
        files, links, keys = scan_tree(root_b, root_str, follow_root=follow_root, keep=keep)
        tree = cache.lookup_tree(root_b, keys)
        if tree is not None:
            return tree
        known = cache.reusable_digests(root_b, keys)
        lookup = cache.lookup if len(known) < len(files) else None
        rows = _read_entries(root_b, root_str, files, links, known, lookup)
        tree = _tree_of(rows)
    finally:
        _close_all(keep)
    cache.store_tree(root_b, keys, tree, read_at_ns=read_at, rows=rows)
    return tree


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


def _read_entries(
    root_b: bytes, root_str: str, files: list, links: list, known: dict[bytes, str], lookup: Callable | None
) -> list[list]:
    """Manifest rows for a scanned folder: digests from `known` (rel -> digest) or `lookup`
    (a StatCache's), the other files read on the caller and, for big files, pool helpers."""
    import hashlib

    from core.content.readers import FileReads

    entries: list[list] = []
    reads = FileReads(root_str, root_b)
    try:
        for rel, path, fst, at, name in files:
            digest = known.get(rel)
            if digest is None and lookup is not None:
                digest = lookup(path, fst)
            size = fst.st_size
            entry = [rel, "x" if fst.st_mode & 0o111 else "f", digest, size]
            entries.append(entry)
            if digest is None:
                reads.add(entry, path, size, (fst.st_dev, fst.st_ino), at, name)
    except BaseException:
        reads.finish(abort=True)
        raise
    reads.finish()
    for rel, target in links:
        entries.append([rel, "l", hashlib.sha256(target).hexdigest(), len(target)])
    return entries


def hash_trees(
    roots: Sequence[str | os.PathLike[str]],
    *,
    cache: "StatCache | None" = None,
    return_exceptions: bool = False,
    spread: bool = False,
) -> list:
    """hash_tree of every root, in order: `[hash_tree(r, cache=cache) for r in roots]`.

    Errors: by default the first failing root (in the order given) raises its error
    (a HashingError naming that root or the entry in it) and no further root is
    started. With `return_exceptions=True` every root is hashed and a failing root's
    place holds its exception instead of a TreeHash, so one bad artifact does not
    hide the others (what sync wants).

    Big files are read beside the caller by pool helpers in either mode. `spread=True`
    also hands whole artifacts to the pool, so each core walks and hashes its own
    artifact. Measured on 2 cores with 1,000 artifacts of small files it is not a
    reliable win (sometimes 10% faster, often 1.5x slower: every open/read/close hands
    the GIL between the two threads), so it is off by default. Memory stays one read
    buffer per working thread.
    """
    from core.content.readers import HELPER_THREADS, reading_pool

    roots = list(roots)
    n = len(roots)
    results: list = [None] * n
    if n == 0:
        return results
    failed: dict[int, BaseException] = {}
    stop = False
    claim = itertools.count()  # next() on a C iterator is atomic under the GIL

    def work() -> None:
        nonlocal stop
        while not stop:
            i = next(claim)
            if i >= n:
                return
            try:
                results[i] = hash_tree(roots[i], cache=cache)
            except Exception as exc:
                if return_exceptions:
                    results[i] = exc
                else:
                    failed[i] = exc
                    stop = True
            except BaseException as exc:  # KeyboardInterrupt etc.: stop everyone
                failed[i] = exc
                stop = True

    workers = min(HELPER_THREADS, n - 1) if spread else 0
    futures = []
    if workers > 0:
        pool = reading_pool()
        futures = [pool.submit(work) for _ in range(workers)]
    try:
        work()  # the caller works too, so a busy (or nested) pool never blocks it
    finally:
        if sys.exc_info()[0] is not None:
            stop = True
        for fut in futures:
            if not fut.cancel():
                fut.result()
    if failed:
        raise failed[min(failed)]
    return results


def _first(item: list) -> bytes:
    return item[0]

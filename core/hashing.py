"""Content hash v1 (see docs/hashing.md and ../shared/DESIGN.md).

The walk runs on the calling thread (os.scandir, bytes paths, no link is
followed); file contents are hashed by the caller together with a few helpers
from one module-level thread pool, pulling files from a shared queue. hashlib
and os.read release the GIL, so two cores hash two files at once, and a
queue design costs one queue operation per file instead of one future per file.
"""
from __future__ import annotations

import hashlib
import os
import stat as stat_mod
import sys
import threading
import time
from queue import Empty, SimpleQueue
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
import itertools
from typing import TYPE_CHECKING, Iterable, Sequence

from core.errors import HashingError, UnsupportedEntryError

if TYPE_CHECKING:
    from core.statcache import StatCache

SKIP_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", ".DS_Store", "Thumbs.db"})
_SKIP_BYTES = frozenset(os.fsencode(n) for n in SKIP_NAMES)

CHUNK_SIZE = 1 << 20  # streamed reads: memory stays at one chunk per thread
# Files of at least this size are read by pool helpers beside the caller (their
# hashing releases the GIL long enough to pay for the hand-off); smaller files are
# read on the calling thread, in one tight loop. Measured on 2 cores: handing small
# files (or whole small artifacts) to other threads is 1.2-1.6x slower than not,
# because every open/read/close hands the GIL back and forth.
_BIG_FILE = 256 << 10
# Files below this size are read with one os.read of their stat size (see _digest_path).
_ONE_READ = 64 << 10
_sha256 = hashlib.sha256
# Helpers that read beside the calling thread: together one reader per core.
_HELPERS = max(1, min(7, (os.cpu_count() or 2) - 1))

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)  # a file swapped for a link mid-walk is not followed
    | getattr(os, "O_NONBLOCK", 0)  # nor does a file swapped for a FIFO hang us
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One entry of an artifact: path bytes relative to the root with '/' separators."""

    path: bytes
    kind: str  # "f" regular, "x" executable regular, "l" symlink
    digest: str  # lowercase hex sha256 of the bytes, or of the link target bytes
    size: int  # bytes of the file, or of the link target

    def record(self) -> bytes:
        return self.kind.encode() + b" " + self.digest.encode() + b" " + self.path + b"\0"

    @property
    def display_path(self) -> str:
        """The path for people: decoded with surrogateescape, as os.fsdecode does."""
        return os.fsdecode(self.path)


@dataclass(frozen=True)
class TreeHash:
    """The content hash of a tree and its manifest, entries in hash order (ascending path bytes)."""

    content_hash: str
    entries: tuple[ManifestEntry, ...]


def content_hash_of(entries: Iterable[ManifestEntry]) -> str:
    """The content hash of a manifest (entries sorted here by path bytes)."""
    h = hashlib.sha256()
    for entry in sorted(entries, key=_path_key):
        h.update(entry.record())
    return h.hexdigest()


def hash_file(path: str | os.PathLike[str] | bytes) -> str:
    """Streamed sha256 hex digest of one regular file (memory: one chunk)."""
    try:
        with open(path, "rb", buffering=0) as f:
            if hasattr(hashlib, "file_digest"):  # 3.11+: C loop, GIL released per chunk
                return hashlib.file_digest(f, _sha256_factory).hexdigest()  # type: ignore[arg-type]
            return _stream_digest(f.fileno())  # 3.10
    except OSError as exc:
        raise _read_error(os.fsdecode(os.fspath(path)), exc) from exc


def hash_tree(root: str | os.PathLike[str], *, cache: "StatCache | None" = None) -> TreeHash:
    """Hash a directory or a single file (a single file's one entry is its own name).

    `cache` is a core.statcache.StatCache or None. Raises HashingError (missing root,
    unreadable file) and UnsupportedEntryError (FIFO, socket, device), naming the entry.
    The root itself is followed if it is a link; nothing below it is.
    """
    root_str = os.path.abspath(os.fspath(root))
    root_b = os.fsencode(root_str)
    try:
        st = os.stat(root_b)
    except FileNotFoundError as exc:
        raise HashingError(
            f"Cannot hash '{root_str}': it does not exist; check the path."
        ) from exc
    except OSError as exc:
        raise HashingError(
            f"Cannot hash '{root_str}': {exc.strerror}; check the path and its permissions."
        ) from exc

    if cache is not None and stat_mod.S_ISDIR(st.st_mode):
        return _hash_dir_cached(root_b, root_str, cache)

    # entries: [rel path, kind, digest or None, size]; files missing from the cache
    # are queued for reading as the walk finds them, so reading overlaps walking.
    entries: list[list] = []
    reads = _Reads(root_str, root_b)
    stored: list[tuple[bytes, os.stat_result, list]] = []
    read_at = time.time_ns()  # before any read: the safe side for the racy check
    try:
        if stat_mod.S_ISDIR(st.st_mode):
            _walk(root_b, root_str, entries, reads, cache, stored)
        elif stat_mod.S_ISREG(st.st_mode):
            entry = [os.fsencode(os.path.basename(root_str)), "x" if st.st_mode & 0o111 else "f", None, st.st_size]
            entries.append(entry)
            digest = cache.lookup(root_b, st) if cache is not None else None
            if digest is None:
                # Reads never follow a link, but a root given as a link is followed.
                real = os.fsencode(os.path.realpath(root_str)) if os.path.islink(root_b) else root_b
                reads.add(entry, real, st.st_size)
                stored.append((root_b, st, entry))
            else:
                entry[2] = digest
        else:
            raise UnsupportedEntryError(
                f"Cannot hash '{root_str}': it is a {_kind_name(st.st_mode)}, not a file or folder; "
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
    entries.sort(key=_first)
    manifest = tuple([ManifestEntry(rel, kind, digest, size) for rel, kind, digest, size in entries])
    h = hashlib.sha256()
    h.update(b"".join([entry.record() for entry in manifest]))
    return TreeHash(h.hexdigest(), manifest)


def _hash_dir_cached(root_b: bytes, root_str: str, cache: "StatCache") -> TreeHash:
    """A folder with a stat cache: lstat everything first; if every name and stat tuple
    is as when the folder was last hashed, that TreeHash is the answer (no per-file
    lookups, no manifest rebuilt). Otherwise each unchanged file's digest comes from
    that snapshot (or a per-file row), the others are read, and the new snapshot
    replaces the old one: a folder's files need no per-file rows."""
    read_at = time.time_ns()  # before any read: the safe side for the racy check
    files, links, keys = _scan(root_b, root_str)
    tree = cache.lookup_tree(root_b, keys)
    if tree is not None:
        return tree
    known = cache.reusable_digests(root_b, keys)
    lookup = cache.lookup if len(known) < len(files) else None
    entries: list[list] = []
    reads = _Reads(root_str, root_b)
    try:
        for rel, path, fst in files:
            digest = known.get(rel)
            if digest is None and lookup is not None:
                digest = lookup(path, fst)
            size = fst.st_size
            entry = [rel, "x" if fst.st_mode & 0o111 else "f", digest, size]
            entries.append(entry)
            if digest is None:
                reads.add(entry, path, size)
    except BaseException:
        reads.finish(abort=True)
        raise
    reads.finish()
    for rel, target in links:
        entries.append([rel, "l", hashlib.sha256(target).hexdigest(), len(target)])
    tree = _tree_of(entries)
    cache.store_tree(root_b, keys, tree, read_at_ns=read_at)
    return tree


def _scan(root_b: bytes, root_str: str) -> tuple[list, list, dict]:
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
                            raise _read_error(_show(root_str, rel), exc) from exc
                        mode = fst.st_mode
                        if not is_reg(mode):
                            raise UnsupportedEntryError(
                                f"Cannot hash '{os.fsdecode(rel)}' in '{root_str}': it is a "
                                f"{_kind_name(mode)}; artifacts may hold only files, "
                                "folders and symbolic links, so remove it."
                            )
                        add_file((rel, item.path, fst))
                        keys[rel] = (fst.st_size, fst.st_mtime_ns, fst.st_ino, fst.st_ctime_ns, mode)
                    elif item.is_symlink():
                        try:
                            target = os.readlink(item.path)
                        except OSError as exc:
                            raise _read_error(_show(root_str, rel), exc) from exc
                        links.append((rel, target))
                        keys[rel] = target
                    else:
                        stack.append((item.path, rel + b"/"))
        except OSError as exc:
            rel_dir = prefix.rstrip(b"/")
            where = _show(root_str, rel_dir) if rel_dir else root_str
            raise _read_error(where, exc) from exc
    return files, links, keys


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

    workers = min(_HELPERS, n - 1) if spread else 0
    futures = []
    if workers > 0:
        pool = _get_pool()
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


# --- walking ---------------------------------------------------------------


def _walk(
    root_b: bytes,
    root_str: str,
    entries: list,
    reads: "_Reads",
    cache: "StatCache | None",
    stored: list,
) -> None:
    lookup = cache.lookup if cache is not None else None
    stack: list[tuple[bytes, bytes]] = [(root_b, b"")]
    while stack:
        dir_path, prefix = stack.pop()
        try:
            with os.scandir(dir_path) as it:
                for item in it:
                    name = item.name
                    if name in _SKIP_BYTES:
                        continue
                    rel = prefix + name
                    if item.is_symlink():
                        try:
                            target = os.readlink(item.path)
                        except OSError as exc:
                            raise _read_error(_show(root_str, rel), exc) from exc
                        entries.append([rel, "l", hashlib.sha256(target).hexdigest(), len(target)])
                    elif item.is_dir(follow_symlinks=False):
                        stack.append((item.path, rel + b"/"))
                    else:
                        try:
                            fst = item.stat(follow_symlinks=False)
                        except OSError as exc:
                            raise _read_error(_show(root_str, rel), exc) from exc
                        mode = fst.st_mode
                        if not stat_mod.S_ISREG(mode):
                            raise UnsupportedEntryError(
                                f"Cannot hash '{os.fsdecode(rel)}' in '{root_str}': it is a "
                                f"{_kind_name(mode)}; artifacts may hold only files, "
                                "folders and symbolic links, so remove it."
                            )
                        path = item.path
                        digest = lookup(path, fst) if lookup is not None else None
                        entry = [rel, "x" if mode & 0o111 else "f", digest, fst.st_size]
                        entries.append(entry)
                        if digest is None:
                            reads.add(entry, path, fst.st_size)
                            stored.append((path, fst, entry))
        except OSError as exc:
            rel_dir = prefix.rstrip(b"/")
            where = _show(root_str, rel_dir) if rel_dir else root_str
            raise _read_error(where, exc) from exc


# --- reading ---------------------------------------------------------------

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_POOL_WORKERS = _HELPERS * 2  # room for two hash_tree calls at once
_local = threading.local()


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_POOL_WORKERS, thread_name_prefix="hashing")
        return _pool


def _forget_pool_after_fork() -> None:
    # The pool's threads do not exist in a forked child; start a new one on demand.
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


class _Reads:
    """The files one hash_tree call must read. Small files wait in a plain list and
    are read by the caller after its walk: handing a small file to another thread
    costs more (GIL hand-offs) than hashing it. Big files go to a queue that pool
    helpers start reading during the walk, as soon as there is something else to do
    beside them (another big file, or small files for the caller). The caller always
    works too, so a busy (or nested) pool never blocks it: helpers that never
    started are cancelled."""

    __slots__ = ("root_str", "root_b", "pending", "queue", "big", "futures", "errors", "stopped")

    def __init__(self, root_str: str, root_b: bytes) -> None:
        self.root_str = root_str
        self.root_b = root_b
        self.pending: list = []
        self.queue: SimpleQueue | None = None
        self.big = 0
        self.futures: list = []
        self.errors: list[BaseException] = []
        self.stopped = False

    def add(self, entry: list, path: bytes, size: int) -> None:
        if size < _BIG_FILE:
            self.pending.append((entry, path, size))
            if self.big and not self.futures:
                self._start_helpers()
            return
        if self.queue is None:
            self.queue = SimpleQueue()
        self.queue.put((entry, path, size))
        self.big += 1
        if not self.futures and (self.big > 1 or self.pending):
            self._start_helpers()

    def _start_helpers(self) -> None:
        pool = _get_pool()
        self.futures = [pool.submit(self._work, True) for _ in range(_HELPERS)]

    def finish(self, abort: bool = False) -> None:
        self.stopped = abort
        queue = self.queue
        for _ in self.futures:
            queue.put(None)  # type: ignore[union-attr]  # one stop mark per helper, after every file
        try:
            if not abort:
                root_str, root_b = self.root_str, self.root_b
                for entry, path, size in self.pending:  # small files: here, in a tight loop
                    if self.errors:
                        break
                    entry[2] = _digest_or_raise(path, size, root_str, root_b)
            if queue is not None:
                self._work(False)  # then help with the big ones
        except BaseException:
            self.stopped = True  # helpers drain without reading; then the error is ours
            self._join()
            raise
        self._join()
        if self.errors and not abort:
            raise self.errors[0]

    def _join(self) -> None:
        for fut in self.futures:
            if not fut.cancel():
                fut.result()

    def _work(self, helper: bool) -> None:
        queue = self.queue
        assert queue is not None
        get = queue.get if helper else queue.get_nowait
        while True:
            try:
                item = get()
            except Empty:
                return
            if item is None:
                if not helper:
                    queue.put(None)  # every file is taken; leave the mark to its helper
                return
            if self.errors or self.stopped:
                continue  # drain quickly once something failed
            entry, path, size = item
            try:
                entry[2] = _digest_or_raise(path, size, self.root_str, self.root_b)
            except BaseException as exc:  # reported by the caller in finish()
                self.errors.append(exc)


def _digest_or_raise(path: bytes, size: int, root_str: str, root_b: bytes) -> str:
    try:
        return _digest_path(path, size)
    except OSError as exc:
        rel = path[len(root_b) + 1 :] if path.startswith(root_b + b"/") else b""
        raise _read_error(_show(root_str, rel) if rel else root_str, exc) from exc


def _digest_path(path: bytes, size: int) -> str:
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if size < _ONE_READ:
            # One read of exactly what stat promised (+1 to notice growth): no buffer
            # bookkeeping, and a small allocation that malloc recycles.
            data = os.read(fd, size + 1)
            if len(data) <= size:  # a regular file reads short only at its end
                return _sha256(data).hexdigest()
            return _stream_digest(fd, -1, _sha256(data))
        return _stream_digest(fd, size)
    finally:
        os.close(fd)


def _thread_buffer() -> tuple[bytearray, memoryview]:
    # One reusable buffer per thread: a fresh allocation per file costs page
    # faults that, for 10,000 small files, take longer than hashing them.
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = bytearray(CHUNK_SIZE)
        _local.view = memoryview(buf)
    return buf, _local.view


def _stream_digest(fd: int, size: int = -1, h: "hashlib._Hash | None" = None) -> str:
    """sha256 of everything left in `fd` (added to `h` if given). `size` (from stat)
    lets a file finish after a short read: a regular file reads short only at its end."""
    if h is None:
        h = hashlib.sha256()
    buf, view = _thread_buffer()
    total = 0
    while True:
        n = os.readv(fd, [buf])
        if not n:
            break
        h.update(view[:n])
        total += n
        if n < CHUNK_SIZE and total >= size >= 0:
            break
    return h.hexdigest()


if not hasattr(os, "readv"):  # Windows: plain reads into new bytes objects

    def _stream_digest(fd: int, size: int = -1, h: "hashlib._Hash | None" = None) -> str:  # noqa: F811
        if h is None:
            h = hashlib.sha256()
        while True:
            data = os.read(fd, CHUNK_SIZE)
            if not data:
                return h.hexdigest()
            h.update(data)


def _sha256_factory() -> "hashlib._Hash":
    return hashlib.sha256()


# --- helpers ---------------------------------------------------------------


def _path_key(entry: ManifestEntry) -> bytes:
    return entry.path


def _show(root_str: str, rel: bytes) -> str:
    return os.path.join(root_str, os.fsdecode(rel))


def _read_error(where: str, exc: OSError) -> HashingError:
    if isinstance(exc, FileNotFoundError):
        return HashingError(
            f"Cannot read '{where}': it disappeared while hashing; try again once nothing is changing it."
        )
    reason = exc.strerror or str(exc)
    return HashingError(f"Cannot read '{where}': {reason}; check its permissions and try again.")


def _kind_name(mode: int) -> str:
    if stat_mod.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat_mod.S_ISSOCK(mode):
        return "socket"
    if stat_mod.S_ISCHR(mode):
        return "character device"
    if stat_mod.S_ISBLK(mode):
        return "block device"
    return "special file"

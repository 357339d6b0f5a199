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
import threading
import time
from queue import Empty, SimpleQueue
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from core.errors import HashingError, UnsupportedEntryError

if TYPE_CHECKING:
    from core.statcache import StatCache

SKIP_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", ".DS_Store", "Thumbs.db"})
_SKIP_BYTES = frozenset(os.fsencode(n) for n in SKIP_NAMES)

CHUNK_SIZE = 1 << 20  # streamed reads: memory stays at one chunk per thread
# Below this many bytes to hash, waking pool threads costs more than it saves.
_PARALLEL_MIN_BYTES = 64 << 10
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

    entries.sort(key=_first)
    manifest = tuple(ManifestEntry(rel, kind, digest, size) for rel, kind, digest, size in entries)
    h = hashlib.sha256()
    h.update(b"".join([entry.record() for entry in manifest]))
    return TreeHash(h.hexdigest(), manifest)


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
    """The files one hash_tree call must read. The caller reads them after its walk;
    once enough bytes are queued, pool helpers start reading during the walk. The
    caller always works too, so a busy (or nested) pool never blocks it: helpers
    that never started are cancelled."""

    __slots__ = ("root_str", "root_b", "queue", "queued_bytes", "count", "futures", "errors", "stopped")

    def __init__(self, root_str: str, root_b: bytes) -> None:
        self.root_str = root_str
        self.root_b = root_b
        self.queue: SimpleQueue = SimpleQueue()
        self.queued_bytes = 0
        self.count = 0
        self.futures: list = []
        self.errors: list[BaseException] = []
        self.stopped = False

    def add(self, entry: list, path: bytes, size: int) -> None:
        self.queue.put((entry, path, size))
        self.count += 1
        self.queued_bytes += size
        if not self.futures and self.count > 1 and self.queued_bytes >= _PARALLEL_MIN_BYTES:
            pool = _get_pool()
            self.futures = [pool.submit(self._work, True) for _ in range(_HELPERS)]

    def finish(self, abort: bool = False) -> None:
        self.stopped = abort
        if self.futures:
            for _ in self.futures:
                self.queue.put(None)  # one stop mark per helper, after every file
        self._work(False)
        for fut in self.futures:
            if not fut.cancel():
                fut.result()
        if self.errors and not abort:
            raise self.errors[0]

    def _work(self, helper: bool) -> None:
        get = self.queue.get if helper else self.queue.get_nowait
        while True:
            try:
                item = get()
            except Empty:
                return
            if item is None:
                if not helper:
                    self.queue.put(None)  # every file is taken; leave the mark to its helper
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


def _stream_digest(fd: int, size: int = -1) -> str:
    """sha256 of everything left in `fd`. `size` (from stat) lets a small file finish
    after one read: a regular file reads short only at its end."""
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

    def _stream_digest(fd: int, size: int = -1) -> str:  # noqa: F811
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

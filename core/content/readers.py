"""Reading file contents for content hash v1: the digest of one file, and the reading pool.

File contents are hashed by the caller together with a few helpers from one
module-level thread pool, pulling files from a shared queue. hashlib and os.read
release the GIL, so two cores hash two files at once, and a queue design costs one
queue operation per file instead of one future per file. Small files are read on
the calling thread (see _BIG_FILE). Used by core.content.hashing and core.content.treewalk.
"""
from __future__ import annotations

import hashlib
import os
import threading
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING

from core.content.read_errors import read_error, show_path, swapped_error

if TYPE_CHECKING:  # imported with the first pool: most runs read small files on one thread
    from concurrent.futures import ThreadPoolExecutor

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
HELPER_THREADS = max(1, min(7, (os.cpu_count() or 2) - 1))

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)  # a file swapped for a link mid-walk is not followed
    | getattr(os, "O_NONBLOCK", 0)  # nor does a file swapped for a FIFO hang us
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


_pool_lock = threading.Lock()
_pool: "ThreadPoolExecutor | None" = None
_POOL_WORKERS = HELPER_THREADS * 2  # room for two hash_tree calls at once
_local = threading.local()


def reading_pool() -> "ThreadPoolExecutor":
    global _pool
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=_POOL_WORKERS, thread_name_prefix="hashing")
        return _pool


def _forget_pool_after_fork() -> None:
    # The pool's threads do not exist in a forked child; start a new one on demand.
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


class FileReads:
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

    def add(
        self, entry: list, path: bytes, size: int, ident: tuple[int, int] | None = None, at: int = -1, name: bytes = b""
    ) -> None:
        """`at` >= 0: the file is opened as `name` relative to that folder descriptor (from
        the walk, so it cannot be anywhere else). Otherwise by `path`, and `ident` is the
        (st_dev, st_ino) the walk saw: a file reached through a folder swapped for a link
        since then is another file, and is refused, not read."""
        item = (entry, path, size, ident, at, name)
        if size < _BIG_FILE:
            self.pending.append(item)
            if self.big and not self.futures:
                self._start_helpers()
            return
        if self.queue is None:
            self.queue = SimpleQueue()
        self.queue.put(item)
        self.big += 1
        if not self.futures and (self.big > 1 or self.pending):
            self._start_helpers()

    def _start_helpers(self) -> None:
        pool = reading_pool()
        self.futures = [pool.submit(self._work, True) for _ in range(HELPER_THREADS)]

    def finish(self, abort: bool = False) -> None:
        self.stopped = abort
        queue = self.queue
        for _ in self.futures:
            queue.put(None)  # type: ignore[union-attr]  # one stop mark per helper, after every file
        try:
            if not abort:
                root_str, root_b = self.root_str, self.root_b
                for entry, path, size, ident, at, name in self.pending:  # small files: here, in a tight loop
                    if self.errors:
                        break
                    entry[2] = _digest_or_raise(path, size, ident, at, name, root_str, root_b)
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
            entry, path, size, ident, at, name = item
            try:
                entry[2] = _digest_or_raise(path, size, ident, at, name, self.root_str, self.root_b)
            except BaseException as exc:  # reported by the caller in finish()
                self.errors.append(exc)


def _digest_or_raise(
    path: bytes, size: int, ident: tuple[int, int] | None, at: int, name: bytes, root_str: str, root_b: bytes
) -> str:
    try:
        digest = _digest_path(path, size, ident, at, name)
        if digest is not None:
            return digest
        exc = None
    except OSError as error:
        exc = error
    rel = path[len(root_b) + 1 :] if path.startswith(root_b + b"/") else b""
    where = show_path(root_str, rel) if rel else root_str
    if exc is None:
        raise swapped_error(where)
    raise read_error(where, exc) from exc


def _digest_path(
    path: bytes, size: int, ident: tuple[int, int] | None = None, at: int = -1, name: bytes = b""
) -> str | None:
    """The file's sha256, or None when the file opened is not the one the walk saw (`ident`)."""
    fd = os.open(name, _OPEN_FLAGS, dir_fd=at) if at >= 0 else os.open(path, _OPEN_FLAGS)
    try:
        if at < 0 and ident is not None:
            st = os.fstat(fd)
            if st.st_ino != ident[1] or st.st_dev != ident[0]:
                return None
        if size < _ONE_READ:
            # One read of exactly what stat promised (+1 to notice growth): no buffer
            # bookkeeping, and a small allocation that malloc recycles.
            data = os.read(fd, size + 1)
            if len(data) <= size:  # a regular file reads short only at its end
                return _sha256(data).hexdigest()
            return stream_digest(fd, -1, _sha256(data))
        return stream_digest(fd, size)
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


def stream_digest(fd: int, size: int = -1, h: "hashlib._Hash | None" = None) -> str:
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

    def stream_digest(fd: int, size: int = -1, h: "hashlib._Hash | None" = None) -> str:  # noqa: F811
        if h is None:
            h = hashlib.sha256()
        while True:
            data = os.read(fd, CHUNK_SIZE)
            if not data:
                return h.hexdigest()
            h.update(data)


def sha256_factory() -> "hashlib._Hash":
    return hashlib.sha256()

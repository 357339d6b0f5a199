"""Content hash v1 (see docs/hashing.md and ../shared/DESIGN.md).

The walk runs on the calling thread (os.scandir, bytes paths, no link is
followed); file contents are hashed by the caller together with a few helpers
from one module-level thread pool, pulling files from a shared queue. hashlib
and os.read release the GIL, so two cores hash two files at once, and a
one-queue design costs one deque pop per file instead of one future per file.
"""
from __future__ import annotations

import hashlib
import os
import stat as stat_mod
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from core.errors import HashingError, UnsupportedEntryError

if TYPE_CHECKING:
    from core.statcache import StatCache

SKIP_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", ".DS_Store", "Thumbs.db"})
_SKIP_BYTES = frozenset(os.fsencode(n) for n in SKIP_NAMES)

CHUNK_SIZE = 1 << 20  # streamed reads: memory stays at one chunk per thread
# A file this small is read in one os.read of its known size: cheaper than a
# buffered loop, and it cannot blow memory.
_SMALL_FILE = 1 << 20
# Below this many bytes to hash, waking pool threads costs more than it saves.
_PARALLEL_MIN_BYTES = 64 << 10

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
            return _stream_digest(f.fileno())
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

    # entries: (rel path, kind, digest or None, size); pending: files still to read
    entries: list[list] = []
    pending: list[tuple[int, bytes, os.stat_result]] = []

    def add_file(rel: bytes, abspath: bytes, fst: os.stat_result) -> None:
        kind = "x" if fst.st_mode & 0o111 else "f"
        digest = cache.lookup(abspath, fst) if cache is not None else None
        entries.append([rel, kind, digest, fst.st_size])
        if digest is None:
            pending.append((len(entries) - 1, abspath, fst))

    if stat_mod.S_ISDIR(st.st_mode):
        _walk(root_b, root_str, entries, add_file)
    elif stat_mod.S_ISREG(st.st_mode):
        add_file(os.fsencode(os.path.basename(root_str)), root_b, st)
    else:
        raise UnsupportedEntryError(
            f"Cannot hash '{root_str}': it is a {_kind_name(st.st_mode)}, not a file or folder; "
            "point at a regular file or a folder."
        )

    if pending:
        read_at = time.time_ns()
        digests = _hash_files([(p[1], p[2].st_size) for p in pending], root_str, root_b)
        for (index, abspath, fst), digest in zip(pending, digests):
            entries[index][2] = digest
            if cache is not None:
                cache.store(abspath, fst, digest, read_at_ns=read_at)

    entries.sort(key=lambda e: e[0])
    manifest = tuple(ManifestEntry(rel, kind, digest, size) for rel, kind, digest, size in entries)
    h = hashlib.sha256()
    for entry in manifest:
        h.update(entry.record())
    return TreeHash(h.hexdigest(), manifest)


# --- walking ---------------------------------------------------------------


def _walk(root_b: bytes, root_str: str, entries: list, add_file) -> None:
    stack: list[tuple[bytes, bytes]] = [(root_b, b"")]
    while stack:
        dir_path, prefix = stack.pop()
        try:
            with os.scandir(dir_path) as it:
                for entry in it:
                    name = entry.name
                    if name in _SKIP_BYTES:
                        continue
                    rel = prefix + name
                    if entry.is_symlink():
                        try:
                            target = os.readlink(entry.path)
                        except OSError as exc:
                            raise _read_error(_show(root_str, rel), exc) from exc
                        entries.append([rel, "l", hashlib.sha256(target).hexdigest(), len(target)])
                    elif entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, rel + b"/"))
                    else:
                        try:
                            fst = entry.stat(follow_symlinks=False)
                        except OSError as exc:
                            raise _read_error(_show(root_str, rel), exc) from exc
                        if stat_mod.S_ISREG(fst.st_mode):
                            add_file(rel, entry.path, fst)
                        else:
                            raise UnsupportedEntryError(
                                f"Cannot hash '{os.fsdecode(rel)}' in '{root_str}': it is a "
                                f"{_kind_name(fst.st_mode)}; artifacts may hold only files, "
                                "folders and symbolic links, so remove it."
                            )
        except OSError as exc:
            rel_dir = prefix.rstrip(b"/")
            where = _show(root_str, rel_dir) if rel_dir else root_str
            raise _read_error(where, exc) from exc


# --- reading ---------------------------------------------------------------

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_POOL_WORKERS = max(1, min(8, (os.cpu_count() or 2)))
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


def _hash_files(files: list[tuple[bytes, int]], root_str: str, root_b: bytes) -> list[str]:
    """Digests of `files` (abspath, size), in order. The caller works too, so a busy
    or nested pool never blocks it: helper tasks that never started are cancelled."""
    results: list[str | None] = [None] * len(files)
    if len(files) == 1 or sum(size for _, size in files) < _PARALLEL_MIN_BYTES:
        for i, (path, size) in enumerate(files):
            results[i] = _digest_or_raise(path, size, root_str, root_b)
        return results  # type: ignore[return-value]

    # Biggest first, so one large file does not end up alone at the tail.
    queue = deque(sorted(range(len(files)), key=lambda i: -files[i][1]))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while True:
                try:
                    i = queue.popleft()
                except IndexError:
                    return
                path, size = files[i]
                results[i] = _digest_or_raise(path, size, root_str, root_b)
        except BaseException as exc:  # stop everyone, report in the caller
            queue.clear()
            errors.append(exc)

    helpers = min(_POOL_WORKERS, len(files) - 1)
    pool = _get_pool()
    futures = [pool.submit(work) for _ in range(helpers)]
    work()
    for fut in futures:
        if not fut.cancel():
            fut.result()
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]


def _digest_or_raise(path: bytes, size: int, root_str: str, root_b: bytes) -> str:
    try:
        return _digest_path(path, size)
    except OSError as exc:
        rel = path[len(root_b) + 1 :] if path.startswith(root_b + b"/") else b""
        raise _read_error(_show(root_str, rel) if rel else root_str, exc) from exc


def _digest_path(path: bytes, size: int) -> str:
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if size < _SMALL_FILE:
            # One read of the size stat gave, plus one byte: a regular file returns
            # short only at end of file, so a short read means we have it all.
            data = os.read(fd, size + 1)
            if len(data) <= size:
                return hashlib.sha256(data).hexdigest()
            return _stream_digest(fd, hashlib.sha256(data))  # it grew since stat
        return _stream_digest(fd)
    finally:
        os.close(fd)


def _stream_digest(fd: int, h: "hashlib._Hash | None" = None) -> str:
    h = h if h is not None else hashlib.sha256()
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = bytearray(CHUNK_SIZE)
        _local.view = memoryview(buf)
    view = _local.view
    readinto = os.readv  # POSIX: fills our buffer, no new bytes object per chunk
    while True:
        n = readinto(fd, [buf])
        if not n:
            return h.hexdigest()
        h.update(view[:n])


if not hasattr(os, "readv"):  # Windows: fall back to plain reads

    def _stream_digest(fd: int, h: "hashlib._Hash | None" = None) -> str:  # noqa: F811
        h = h if h is not None else hashlib.sha256()
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

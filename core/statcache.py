"""Persistent stat cache: (path, size, mtime_ns, inode, ctime_ns) -> digest.

Stored as one SQLite table (format in docs/hashing.md). The whole table is read
into a dict when the cache opens, so a lookup is a dict probe and a tuple
compare; `save()` writes the new and changed rows in one transaction. SQLite
gives atomic, crash-safe writes and lets two processes share the file; the
cache is only an accelerator, so a damaged or foreign file is set aside and the
cache starts empty rather than failing a hash.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

FORMAT_VERSION = 1

# The coarsest timestamp resolution (plus clock skew) we guard against: FAT keeps
# 2 s, HFS+ and some network filesystems 1 s, and Linux stamps files from a
# coarse clock that lags time.time_ns(). A file whose mtime is this close to the
# moment its digest was cached could be rewritten without its mtime changing
# (the racy-git problem), so its digest is not trusted until it is older.
DEFAULT_GRANULARITY_NS = 2_000_000_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    path BLOB PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL,
    cached_at_ns INTEGER NOT NULL
) WITHOUT ROWID;
"""

# (size, mtime_ns, ino, ctime_ns, digest, cached_at_ns)
_Row = tuple[int, int, int, int, str, int]


class StatCache:
    """Digest cache keyed by absolute path bytes; trusted only when every stat field matches
    and the file was not modified within the mtime granularity of the moment it was cached."""

    def __init__(
        self, path: Path | None, *, granularity_ns: int = DEFAULT_GRANULARITY_NS
    ) -> None:  # None: in-memory only
        self.path = Path(path) if path is not None else None
        self.granularity_ns = granularity_ns
        self._rows: dict[bytes, _Row] = {}
        self._dirty: dict[bytes, _Row] = {}
        self._lock = threading.Lock()
        if self.path is not None:
            self._load()

    def __len__(self) -> int:
        return len(self._rows)

    def lookup(self, abspath: bytes, st: os.stat_result) -> str | None:
        """The cached digest of `abspath` if it is still trustworthy for `st`, else None."""
        row = self._rows.get(abspath)
        if row is None:
            return None
        size, mtime_ns, ino, ctime_ns, digest, cached_at_ns = row
        if (
            size != st.st_size
            or mtime_ns != st.st_mtime_ns
            or ino != st.st_ino
            or ctime_ns != st.st_ctime_ns
        ):
            return None
        if mtime_ns >= cached_at_ns - self.granularity_ns:
            return None  # racy: cached too soon after a write to prove nothing changed since
        return digest

    def store(
        self, abspath: bytes, st: os.stat_result, digest: str, *, read_at_ns: int | None = None
    ) -> None:
        """Remember `digest` for `abspath` as read with stat `st` (taken before reading).

        `read_at_ns` is when the reading began (default: now); the racy check measures
        the file's mtime against it, so an earlier time is the safe side."""
        cached_at = read_at_ns if read_at_ns is not None else time.time_ns()
        row = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, digest, cached_at)
        with self._lock:
            old = self._rows.get(abspath)
            if old is not None and old[:5] == row[:5] and not self._is_racy(old):
                return  # unchanged and already trusted: nothing to write
            self._rows[abspath] = row
            self._dirty[abspath] = row

    def save(self) -> None:
        """Persist new entries (atomic, safe to call from one thread at a time)."""
        if self.path is None:
            with self._lock:
                self._dirty.clear()
            return
        with self._lock:
            dirty, self._dirty = self._dirty, {}
        if not dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = self._connect()
            try:
                with con:  # one transaction for all rows
                    con.executemany(
                        "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(p, *row) for p, row in dirty.items()],
                    )
            finally:
                con.close()
        except sqlite3.Error:
            # Unwritable cache (read-only home, disk full...): keep the rows for the
            # next save; hashing itself never fails because of the cache.
            with self._lock:
                for p, row in dirty.items():
                    self._dirty.setdefault(p, row)

    def close(self) -> None:
        self.save()

    def __enter__(self) -> "StatCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forget(self, prefix: bytes) -> None:
        """Drop every entry at or below the absolute path `prefix` (e.g. a removed artifact)."""
        below = prefix.rstrip(b"/") + b"/"
        with self._lock:
            gone = [p for p in self._rows if p == prefix or p.startswith(below)]
            for p in gone:
                del self._rows[p]
                self._dirty.pop(p, None)
        if gone and self.path is not None and self.path.exists():
            try:
                con = self._connect()
                try:
                    with con:
                        con.executemany("DELETE FROM entries WHERE path = ?", [(p,) for p in gone])
                finally:
                    con.close()
            except sqlite3.Error:
                pass

    # --- internals -----------------------------------------------------------

    def _is_racy(self, row: _Row) -> bool:
        return row[1] >= row[5] - self.granularity_ns

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        # Opened per load/save and closed again: no connection crosses threads.
        con = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")  # a lost cache row costs one re-read
        con.isolation_level = "DEFERRED"
        con.executescript(_SCHEMA)
        row = con.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if row is None:
            with con:
                con.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('format', ?)", (str(FORMAT_VERSION),)
                )
        elif row[0] != str(FORMAT_VERSION):
            con.close()
            raise sqlite3.DatabaseError(f"stat cache format {row[0]}, expected {FORMAT_VERSION}")
        return con

    def _load(self) -> None:
        assert self.path is not None
        if not self.path.exists():
            return
        try:
            con = self._connect()
            try:
                self._rows = {
                    r[0]: r[1:]
                    for r in con.execute(
                        "SELECT path, size, mtime_ns, ino, ctime_ns, digest, cached_at_ns FROM entries"
                    )
                }
            finally:
                con.close()
        except sqlite3.Error:
            self._set_aside()

    def _set_aside(self) -> None:
        """A damaged or unknown cache file is moved out of the way; we start empty."""
        assert self.path is not None
        self._rows = {}
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                try:
                    os.replace(p, str(p) + ".broken")
                except OSError:
                    pass

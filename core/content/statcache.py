"""Persistent stat cache: (path, size, mtime_ns, inode, ctime_ns) -> digest, plus one
snapshot per hashed folder: (every name -> stat tuple or link target) -> its TreeHash.

Stored as two SQLite tables (format in docs/hashing.md). Opening reads only the
folder snapshots (one blob per artifact, decoded when first asked for); the
per-file table is read into a dict the first time a file is looked up, so an
unchanged artifact costs its lstat calls and one dict compare, and a changed one
a dict probe and a tuple compare per file. `save()` writes the new and changed
rows in one transaction. SQLite
gives atomic, crash-safe writes and lets two processes share the file; the
cache is only an accelerator, so a damaged or foreign file is set aside and the
cache starts empty rather than failing a hash.
"""
from __future__ import annotations

import marshal
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.content.manifest import TreeHash

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
-- a rowid table: snapshots are blobs of ~1-2 KB, which WITHOUT ROWID stores badly (5x slower saves)
CREATE TABLE IF NOT EXISTS trees (root BLOB PRIMARY KEY, snapshot BLOB NOT NULL);
"""

# (size, mtime_ns, ino, ctime_ns, digest, cached_at_ns)
_Row = tuple[int, int, int, int, str, int]
_MARSHAL_VERSION = 4


class _Snapshot:
    """A folder as last hashed: `keys` maps every relative name to the stat tuple
    (size, mtime_ns, ino, ctime_ns, mode) of a regular file or the target bytes of a
    link; trusted only when the folder's keys are equal now and the newest mtime
    among them is older than `cached_at_ns` minus the granularity.

    The manifest is not stored as such: every entry's path, kind and size follow from
    the keys (a link: "l" and its target's length; a file: "x" if any execute bit is
    set, else "f", and its size), so beside the keys a snapshot holds only the digests,
    in hash order (ascending name bytes), as one string of 64 hex digits each. A
    re-check of an unchanged folder decodes the keys and takes the content hash; the
    manifest is built when first asked for. Snapshots written before this hold the
    rows ((path, kind, digest, size), ...) in the digests' place and are read as they are."""

    __slots__ = ("keys", "content_hash", "digests", "cached_at_ns", "max_mtime_ns", "tree", "_rows")

    def __init__(
        self, keys: dict, content_hash: str, digests: "str | tuple", cached_at_ns: int, max_mtime_ns: int
    ) -> None:
        self.keys = keys
        self.content_hash = content_hash
        self.digests = digests
        self.cached_at_ns = cached_at_ns
        self.max_mtime_ns = max_mtime_ns
        self.tree: "TreeHash | None" = None
        self._rows: tuple | None = digests if type(digests) is tuple else None

    @property
    def entries(self) -> tuple:
        """The manifest rows ((path, kind, digest, size), ...) in hash order; raises
        ValueError when the digests do not fit the keys (a damaged file)."""
        if self._rows is None:
            names = sorted(self.keys)
            digests = self.digests
            if type(digests) is not str or len(digests) != 64 * len(names):
                raise ValueError("damaged stat cache snapshot")
            rows = []
            for i, name in enumerate(names):
                key = self.keys[name]
                digest = digests[64 * i : 64 * i + 64]
                if type(key) is tuple:
                    rows.append((name, "x" if key[4] & 0o111 else "f", digest, key[0]))
                else:
                    rows.append((name, "l", digest, len(key)))
            self._rows = tuple(rows)
        return self._rows

    def manifest(self) -> tuple:
        from core.content.manifest import ManifestEntry
        from core.errors import HashingError

        try:
            return tuple([ManifestEntry(*e) for e in self.entries])
        except (TypeError, ValueError) as exc:  # only a damaged file gets here: its blob decoded
            raise HashingError(
                "The stat cache's record of a folder is damaged; delete cache/statcache.sqlite3 in the "
                "data folder (it is only an accelerator) and run again."
            ) from exc

    def encode(self) -> bytes:
        digests = self.digests if type(self.digests) is str else "".join([e[2] for e in self.digests])
        return marshal.dumps(
            (self.content_hash, self.cached_at_ns, self.max_mtime_ns, digests, self.keys), _MARSHAL_VERSION
        )

    @classmethod
    def decode(cls, blob: bytes) -> "_Snapshot | None":
        try:
            content_hash, cached_at, max_mtime, digests, keys = marshal.loads(blob)
            if not (isinstance(content_hash, str) and isinstance(digests, (str, tuple)) and isinstance(keys, dict)):
                return None
            return cls(keys, content_hash, digests, int(cached_at), int(max_mtime))
        except Exception:  # a damaged row is a miss, never an error
            return None

    def tree_hash(self) -> "TreeHash":
        if self.tree is None:
            from core.content.manifest import TreeHash

            self.tree = TreeHash.deferred(self.content_hash, self.manifest)
        return self.tree


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
        self._trees: dict[bytes, Any] = {}  # root -> _Snapshot, or its blob until first asked
        self._dirty_trees: dict[bytes, _Snapshot] = {}
        self._lock = threading.RLock()
        self._rows_loaded = self.path is None
        if self.path is not None:
            self._load()

    def __len__(self) -> int:
        """How many file digests the cache holds: per-file rows plus files in folder snapshots."""
        if not self._rows_loaded:
            self._load_rows()
        in_trees = 0
        for root in list(self._trees):
            snap = self._snapshot(root)
            if snap is not None:
                in_trees += sum(1 for key in snap.keys.values() if type(key) is tuple)
        return len(self._rows) + in_trees

    def lookup(self, abspath: bytes, st: os.stat_result) -> str | None:
        """The cached digest of `abspath` if it is still trustworthy for `st`, else None."""
        return self.lookup_key(abspath, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns))

    def lookup_key(self, abspath: bytes, key: tuple) -> str | None:
        """lookup() for a file's key as core.content.treewalk.scan_tree gives it:
        (size, mtime_ns, ino, ctime_ns, ...)."""
        if not self._rows_loaded:
            self._load_rows()
        row = self._rows.get(abspath)
        if row is None:
            return None
        size, mtime_ns, ino, ctime_ns, digest, cached_at_ns = row
        if size != key[0] or mtime_ns != key[1] or ino != key[2] or ctime_ns != key[3]:
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
        if not self._rows_loaded:
            self._load_rows()
        with self._lock:
            old = self._rows.get(abspath)
            if old is not None and old[:5] == row[:5] and not self._is_racy(old):
                return  # unchanged and already trusted: nothing to write
            self._rows[abspath] = row
            self._dirty[abspath] = row

    def lookup_tree(self, root: bytes, keys: dict) -> "TreeHash | None":
        """The TreeHash of the folder `root` if every name in it and every name's key
        (see _Snapshot) is what it was when it was hashed, and no file was racy then."""
        snap = self._snapshot(root)
        if snap is None or snap.max_mtime_ns >= snap.cached_at_ns - self.granularity_ns:
            return None
        if snap.keys != keys:
            return None
        return snap.tree_hash()

    def reusable_digests(self, root: bytes, keys: dict) -> dict[bytes, str]:
        """Digests from the last snapshot of folder `root` that still hold: the files
        whose key is unchanged and whose mtime is outside the racy window of the moment
        the snapshot was read (the same rule as a per-file row)."""
        snap = self._snapshot(root)
        if snap is None:
            return {}
        limit = snap.cached_at_ns - self.granularity_ns
        old = snap.keys
        same = [rel for rel, key in keys.items() if type(key) is tuple and key[1] < limit and old.get(rel) == key]
        if not same:
            return {}
        try:
            digests = {e[0]: e[2] for e in snap.entries}
        except ValueError:  # a damaged row is a miss
            return {}
        return {rel: digests[rel] for rel in same if rel in digests}

    def store_tree(
        self, root: bytes, keys: dict, tree: "TreeHash", *, read_at_ns: int, rows: "list | None" = None
    ) -> None:
        """Remember `tree` as the hash of folder `root` whose names had `keys` (taken
        before reading; `read_at_ns` as for store). `rows`: its manifest as
        [path, kind, digest, size] lists in hash order, if the caller has them (then
        `tree.entries` is not built)."""
        max_mtime = max([k[1] for k in keys.values() if type(k) is tuple], default=0)
        old = self._snapshot(root)
        if (
            old is not None
            and old.content_hash == tree.content_hash
            and old.max_mtime_ns < old.cached_at_ns - self.granularity_ns
            and old.keys == keys
        ):
            return  # unchanged and already trusted: nothing to write
        if rows is not None:
            digests = "".join([row[2] for row in rows])
        else:
            digests = "".join([e.digest for e in tree.entries])
        if len(digests) != 64 * len(keys):
            return  # not a tree of these keys (a caller's mistake): remember nothing rather than wrong
        snap = _Snapshot(keys, tree.content_hash, digests, read_at_ns, max_mtime)
        snap.tree = tree
        with self._lock:
            self._trees[root] = snap
            self._dirty_trees[root] = snap

    def _snapshot(self, root: bytes) -> "_Snapshot | None":
        snap = self._trees.get(root)
        if type(snap) is bytes:
            snap = _Snapshot.decode(snap)
            with self._lock:
                if snap is None:
                    self._trees.pop(root, None)
                else:
                    self._trees[root] = snap
        return snap

    def save(self) -> None:
        """Persist new entries (atomic, safe to call from one thread at a time)."""
        if self.path is None:
            with self._lock:
                self._dirty.clear()
                self._dirty_trees.clear()
            return
        with self._lock:
            dirty, self._dirty = self._dirty, {}
            dirty_trees, self._dirty_trees = self._dirty_trees, {}
        if not dirty and not dirty_trees:
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
                    con.executemany(
                        "INSERT OR REPLACE INTO trees VALUES (?, ?)",
                        [(root, snap.encode()) for root, snap in dirty_trees.items()],
                    )
            finally:
                con.close()
        except (sqlite3.Error, OSError):
            # Unwritable cache (read-only home, a file where its folder should be, disk
            # full...): keep the rows for the next save; hashing never fails because of the cache.
            with self._lock:
                for p, row in dirty.items():
                    self._dirty.setdefault(p, row)
                for root, snap in dirty_trees.items():
                    self._dirty_trees.setdefault(root, snap)

    def close(self) -> None:
        self.save()

    def __enter__(self) -> "StatCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forget(self, prefix: bytes) -> None:
        """Drop every entry at or below the absolute path `prefix` (e.g. a removed artifact)."""
        below = prefix.rstrip(b"/") + b"/"
        if not self._rows_loaded:
            self._load_rows()
        with self._lock:
            gone = [p for p in self._rows if p == prefix or p.startswith(below)]
            for p in gone:
                del self._rows[p]
                self._dirty.pop(p, None)
            gone_trees = [p for p in self._trees if p == prefix or p.startswith(below)]
            for p in gone_trees:
                del self._trees[p]
                self._dirty_trees.pop(p, None)
        if (gone or gone_trees) and self.path is not None and self.path.exists():
            try:
                con = self._connect()
                try:
                    with con:
                        con.executemany("DELETE FROM entries WHERE path = ?", [(p,) for p in gone])
                        con.executemany("DELETE FROM trees WHERE root = ?", [(p,) for p in gone_trees])
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
        # No fsync: the cache is an accelerator. After a power cut a lost row costs one
        # re-read (every row is checked against lstat before use) and a damaged file is
        # set aside; fsyncs at each save were ~40 ms of a cold `hash` of 10,000 files.
        con.execute("PRAGMA synchronous=OFF")
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
        """At open: check the file and read the folder snapshots (blobs, decoded on demand)."""
        assert self.path is not None
        if not self.path.exists():
            self._rows_loaded = True
            return
        try:
            con = self._connect()
            try:
                self._trees = dict(con.execute("SELECT root, snapshot FROM trees").fetchall())
            finally:
                con.close()
        except sqlite3.Error:
            self._set_aside()

    def _load_rows(self) -> None:
        """The per-file rows, read once, the first time a file is looked up."""
        with self._lock:
            if self._rows_loaded:
                return
            rows: dict[bytes, _Row] = {}
            if self.path is not None and self.path.exists():
                try:
                    con = self._connect()
                    try:
                        rows = {
                            r[0]: r[1:]
                            for r in con.execute(
                                "SELECT path, size, mtime_ns, ino, ctime_ns, digest, cached_at_ns FROM entries"
                            )
                        }
                    finally:
                        con.close()
                except sqlite3.Error:
                    self._set_aside()
                    rows = {}
            rows.update(self._rows)  # anything stored before the load is newer
            self._rows = rows
            self._rows_loaded = True

    def _set_aside(self) -> None:
        """A damaged or unknown cache file is moved out of the way; we start empty."""
        assert self.path is not None
        self._rows = {}
        self._trees = {}
        self._rows_loaded = True
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                try:
                    os.replace(p, str(p) + ".broken")
                except OSError:
                    pass

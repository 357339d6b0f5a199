"""Following the copies without file-system watches: a stat-based poll.

Used when watching every folder and file would pass the system's limit on watches
(Linux's fs.inotify.max_user_watches; about 11 watches per artifact of 10 files).
Each poll lstats every entry of every copy and of the merges folder and compares the
keys (size, mtime_ns, inode, ctime_ns, mode: those core's stat cache trusts a digest by)
with the previous poll's; an artifact whose keys differ has changed. No file is read.
"""
from __future__ import annotations

import os

from core.live.places import PlaceIndex, stat_keys

__all__ = ["DiskPoller"]


class DiskPoller:
    """`poll()` → the artifacts whose copies (or pending merges) changed since the previous poll.

    The first poll takes the starting point and reports nothing. Not thread-safe: one
    caller at a time (a worker thread, one poll after another)."""

    def __init__(self, index: PlaceIndex) -> None:
        self.index = index
        self._keys: dict[bytes, dict[bytes, tuple]] | None = None

    def reindex(self, index: PlaceIndex) -> None:
        """Follow another set of copies; those followed already keep their starting point, a new
        one is reported changed at the next poll (its artifact is re-checked once)."""
        self.index = index

    def _snapshot(self) -> dict[bytes, dict[bytes, tuple]]:
        roots = {os.fsencode(place.path) for place in self.index.places}
        if self.index.merges_dir is not None:
            roots.add(self.index.merges_dir)
        return {root: stat_keys(root) for root in roots}

    def poll(self) -> set[int]:
        now = self._snapshot()
        before, self._keys = self._keys, now
        if before is None:
            return set()
        changed: set[int] = set()
        for root, keys in now.items():
            old = before.get(root)
            if old == keys:
                continue
            if root == self.index.merges_dir:
                for path in set(keys) ^ set(old or {}) | {p for p in keys if old and old.get(p) != keys[p]}:
                    changed |= self.index.artifacts_at(os.fsdecode(path))
            else:
                changed |= self.index.artifacts_at(os.fsdecode(root))
        return changed

    @property
    def entries(self) -> int:
        """How many entries the last poll looked at (for the bench and the status bar)."""
        return sum(len(k) for k in (self._keys or {}).values())

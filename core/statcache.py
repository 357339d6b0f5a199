"""Persistent stat cache: (path, size, mtime_ns, inode, ctime_ns) -> digest. CONTRACT STUB: helper A implements."""
from __future__ import annotations

import os
from pathlib import Path


class StatCache:
    """Digest cache keyed by absolute path bytes; trusted only when every stat field matches
    and the file was not modified within the mtime granularity of the moment it was cached."""

    def __init__(self, path: Path | None) -> None:  # None: in-memory only
        raise NotImplementedError

    def lookup(self, abspath: bytes, st: os.stat_result) -> str | None:
        raise NotImplementedError

    def store(self, abspath: bytes, st: os.stat_result, digest: str) -> None:
        raise NotImplementedError

    def save(self) -> None:
        """Persist new entries (atomic, safe to call from one thread at a time)."""
        raise NotImplementedError

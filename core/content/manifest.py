"""What content hash v1 is computed from: manifest entries, and the hash of a manifest.

See docs/hashing.md and ../shared/DESIGN.md ("Content hash v1"). Plain values with no
I/O, so the object store, the stat cache and comparisons use them without hashing.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Iterable

__all__ = ["ManifestEntry", "TreeHash", "content_hash_of"]


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


def _path_key(entry: ManifestEntry) -> bytes:
    return entry.path


"""What content hash v1 is computed from: manifest entries, and the hash of a manifest.

See docs/hashing.md and ../shared/DESIGN.md ("Content hash v1"). Plain values with no
I/O, so the object store, the stat cache and comparisons use them without hashing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = ["ManifestEntry", "TreeHash", "content_hash_of", "record_of"]


def record_of(path: bytes, kind: str, digest: str) -> bytes:
    """The bytes one manifest entry contributes to the content hash: `kind digest path NUL`."""
    return kind.encode() + b" " + digest.encode() + b" " + path + b"\0"


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One entry of an artifact: path bytes relative to the root with '/' separators."""

    path: bytes
    kind: str  # "f" regular, "x" executable regular, "l" symlink
    digest: str  # lowercase hex sha256 of the bytes, or of the link target bytes
    size: int  # bytes of the file, or of the link target

    def record(self) -> bytes:
        return record_of(self.path, self.kind, self.digest)

    @property
    def display_path(self) -> str:
        """The path for people: decoded with surrogateescape, as os.fsdecode does."""
        return os.fsdecode(self.path)


@dataclass(frozen=True)
class TreeHash:
    """The content hash of a tree and its manifest, entries in hash order (ascending path bytes)."""

    content_hash: str
    entries: tuple[ManifestEntry, ...]

    @classmethod
    def deferred(cls, content_hash: str, entries: Callable[[], tuple[ManifestEntry, ...]]) -> "TreeHash":
        """A TreeHash whose entries are built by `entries()` when first used. A re-check of
        an unchanged folder (core.content.statcache) often wants only the content hash, and
        10,000 ManifestEntry objects cost more than the rest of that re-check."""
        tree = object.__new__(cls)
        object.__setattr__(tree, "content_hash", content_hash)
        object.__setattr__(tree, "_build_entries", entries)
        return tree

    def __getattr__(self, name: str) -> Any:
        # Reached only for attributes not set: `entries` of a deferred TreeHash, once.
        build = self.__dict__.get("_build_entries") if name == "entries" else None
        if build is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        entries = build()
        object.__setattr__(self, "entries", entries)
        del self.__dict__["_build_entries"]
        return entries


def content_hash_of(entries: Iterable[ManifestEntry]) -> str:
    """The content hash of a manifest (entries sorted here by path bytes)."""
    import hashlib  # here: a stat cache's re-check builds TreeHash values without hashing

    h = hashlib.sha256()
    for entry in sorted(entries, key=_path_key):
        h.update(entry.record())
    return h.hexdigest()


def _path_key(entry: ManifestEntry) -> bytes:
    return entry.path


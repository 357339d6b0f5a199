"""Content hash v1 (see docs/hashing.md and ../shared/DESIGN.md). CONTRACT STUB: helper A implements."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

SKIP_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", ".DS_Store", "Thumbs.db"})


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
    raise NotImplementedError


def hash_file(path: str | os.PathLike[str]) -> str:
    """Streamed sha256 hex digest of one regular file."""
    raise NotImplementedError


def hash_tree(root: str | os.PathLike[str], *, cache: "object | None" = None) -> TreeHash:
    """Hash a directory or a single file (a single file's one entry is its own name).

    `cache` is a core.statcache.StatCache or None. Raises HashingError (missing root,
    unreadable file) and UnsupportedEntryError (FIFO, socket, device), naming the entry.
    """
    raise NotImplementedError

"""Compare two versions' manifests and the text of one file. CONTRACT STUB: helper F implements."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileChange:
    path: bytes
    status: str  # "added", "removed", "modified", "mode_changed"
    old_kind: str | None
    new_kind: str | None
    old_digest: str | None
    new_digest: str | None
    old_size: int | None
    new_size: int | None

    @property
    def display_path(self) -> str:
        import os

        return os.fsdecode(self.path)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # " " context, "+" added, "-" removed, "@" hunk header
    text: str
    old_lineno: int | None
    new_lineno: int | None


@dataclass(frozen=True)
class FileDiff:
    change: FileChange
    binary: bool
    lines: tuple[DiffLine, ...]
    note: str | None = None  # e.g. "binary file, 1.2 MB -> 1.3 MB" or "content was never stored"

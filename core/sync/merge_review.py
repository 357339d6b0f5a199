"""What a merge resolved in the window will record, file by file, before it is recorded.

The merge view asks for this when Finish merge is pressed: each resolved file's content
now (the local copy's) and after the merge, so a person sees the merged file's diff
against local and records it only then. Reads stored objects; writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.diff import DiffLine, diff_lines
from core.errors import MergeError

if TYPE_CHECKING:
    from core.content import ManifestEntry
    from core.merge import PendingMerge
    from core.store import ObjectStore


@dataclass(frozen=True)
class FilePick:
    """A person's resolution of one conflicting file: one choice per conflicting hunk
    ("local", "other", "both" or the edited bytes), or one side taken whole."""

    path: bytes
    hunk_choices: tuple[Any, ...] | None = None
    side: str | None = None


@dataclass(frozen=True)
class ResolvedFile:
    display_path: str
    before: bytes | None  # the local copy's file (None: it has none)
    after: bytes | None  # what the merge records (None: deleted)

    def diff(self) -> tuple[DiffLine, ...]:
        return diff_lines(_text(self.before), _text(self.after))

    @property
    def unchanged(self) -> bool:
        return self.before == self.after


def _text(data: bytes | None) -> str:
    return "" if data is None else data.decode("utf-8", "replace")


def _content(objects: "ObjectStore", entry: "ManifestEntry | None") -> bytes | None:
    if entry is None:
        return None
    if entry.kind == "l":
        return b"-> " + entry.digest.encode()  # a link: its target's digest stands for it
    return objects.read_bytes(entry.digest)


def review_resolution(objects: "ObjectStore", pending: "PendingMerge", picks: list[FilePick]) -> list[ResolvedFile]:
    """Each picked file before (local) and after the merge, in the picks' order."""
    out = []
    for pick in picks:
        conflict = pending.conflict(pick.path)
        before = _content(objects, conflict.local)
        if pick.hunk_choices is not None:
            if conflict.text is None:
                raise MergeError(f"{conflict.display_path!r} has no text to merge hunk by hunk; take one side.")
            after: bytes | None = conflict.text.resolve(list(pick.hunk_choices))
        elif pick.side in ("local", "other"):
            after = _content(objects, conflict.local if pick.side == "local" else conflict.other)
        else:
            raise MergeError(f"No choice made for {conflict.display_path!r}: take a side or resolve its conflicts.")
        out.append(ResolvedFile(conflict.display_path, before, after))
    return out

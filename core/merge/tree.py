"""Three-way merge of an artifact's files: per path, on the manifests' digests first.

`merge_trees(base, local, other, read)` decides every path from the three
manifest entries (kind + digest). Only a regular file whose content changed on
both sides is read, through `read(digest) -> bytes` (an object store's
`read_bytes`), so the engine needs no storage of its own and unchanged files are
never read. The rules (docs/merge.md):

| base → local, base → other | result |
|---|---|
| unchanged, anything | the other side's entry (added, changed or deleted) |
| the same change on both sides (or both deleted) | that entry |
| deleted on one side, changed on the other | conflict `delete/modify` |
| both changed a text file | line-level merge; conflict `content` if it conflicts |
| both added a text file, differently | line merge against an empty base (as git); conflict `add/add` |
| both changed a binary file (NUL in its first 8,000 bytes) | conflict `binary` (`add/add` when both added it) |
| executable bit: one side changed it | that side's bit; set differently by two adds: conflict `mode` |
| both changed a symbolic link's target differently | conflict `link` |
| a file on one side, a link on the other, both changed | conflict `type` |
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

from core.content import ManifestEntry, TreeHash, content_hash_of
from core.merge.text import TextMerge, is_binary, merge_bytes

__all__ = [
    "ADD_ADD", "BINARY", "CONFLICT_KINDS", "CONTENT", "DELETE_MODIFY", "LINK", "MODE", "TYPE",
    "FROM_BOTH", "FROM_LOCAL", "FROM_OTHER", "MERGED", "FileConflict", "FileMerge", "TreeMerge", "merge_trees",
]

# Conflict kinds
CONTENT = "content"  # both changed a text file and the line merge conflicts
ADD_ADD = "add/add"  # both added the path with different content (text that conflicts, or binary)
BINARY = "binary"  # a binary file changed differently on both sides
DELETE_MODIFY = "delete/modify"  # deleted on one side, changed on the other
MODE = "mode"  # the executable bit set differently (both sides added the file)
LINK = "link"  # a symbolic link's target changed differently on both sides
TYPE = "type"  # a regular file on one side, a symbolic link on the other
CONFLICT_KINDS = (CONTENT, ADD_ADD, BINARY, DELETE_MODIFY, MODE, LINK, TYPE)

# How a settled path got its result (FileMerge.how)
FROM_LOCAL = "local"  # only the local side changed it
FROM_OTHER = "other"  # only the other side changed it
FROM_BOTH = "both"  # both sides made the same change
MERGED = "merged"  # both changed it and the changes combined (lines, or content vs exec bit)

Manifest = Union[TreeHash, Iterable[ManifestEntry]]
Reader = Callable[[str], bytes]


@dataclass(frozen=True)
class FileMerge:
    """A path one or both sides changed, settled without conflict."""

    path: bytes
    how: str  # FROM_LOCAL, FROM_OTHER, FROM_BOTH or MERGED
    entry: Optional[ManifestEntry]  # None: the file is deleted in the result

    @property
    def display_path(self) -> str:
        return os.fsdecode(self.path)


@dataclass(frozen=True)
class FileConflict:
    """A path the merge cannot settle. `text` is the line merge of a text file both
    sides changed: its Conflict hunks are what a person resolves (for a `mode`
    conflict it is clean and holds the merged content). `mode_conflict` says that
    the executable bit is in conflict too (two adds, one executable)."""

    path: bytes
    kind: str
    base: Optional[ManifestEntry]
    local: Optional[ManifestEntry]
    other: Optional[ManifestEntry]
    text: Optional[TextMerge] = None
    binary: bool = False
    mode_conflict: bool = False

    @property
    def display_path(self) -> str:
        return os.fsdecode(self.path)

    @property
    def deleted_by(self) -> Optional[str]:
        """"local" or "other" for a delete/modify conflict, else None."""
        if self.kind != DELETE_MODIFY:
            return None
        return "local" if self.local is None else "other"

    def describe(self, local: str = "local", other: str = "upstream") -> str:
        """One sentence for people, naming the sides as given."""
        where = self.display_path
        if self.kind == DELETE_MODIFY:
            gone, kept = (local, other) if self.local is None else (other, local)
            return f"{where}: deleted on the {gone} side, changed on the {kept} side."
        if self.kind == TYPE:
            return f"{where}: a file on one side and a symbolic link on the other."
        if self.kind == LINK:
            return f"{where}: the link target changed differently on both sides."
        if self.kind == BINARY or self.binary:
            what = "added" if self.kind == ADD_ADD else "changed"
            return f"{where}: binary file {what} differently on both sides; pick one side."
        extra = " (and the executable bit differs)" if self.mode_conflict else ""
        if self.kind == MODE:
            return f"{where}: added on both sides, executable on one only."
        hunks = len(self.text.conflicts) if self.text is not None else 0
        what = "added" if self.kind == ADD_ADD else "changed"
        return f"{where}: {what} on both sides, {hunks} conflicting hunk(s){extra}."


@dataclass(frozen=True)
class TreeMerge:
    """The outcome of merge_trees.

    `entries` is the result manifest without the conflicting paths (sorted by path
    bytes); `blobs` holds, by digest, the content of line-merged files, which no
    input has: store them before recording the result. `merged` lists how each
    path a side changed was settled.
    """

    entries: tuple[ManifestEntry, ...]
    blobs: dict[str, bytes] = field(default_factory=dict)
    merged: tuple[FileMerge, ...] = ()
    conflicts: tuple[FileConflict, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts

    def content_hash(self) -> str:
        """The content hash of the merged tree; only for a clean merge."""
        if self.conflicts:
            raise ValueError(f"{len(self.conflicts)} conflicting file(s) remain")
        return content_hash_of(self.entries)


def merge_trees(base: Optional[Manifest], local: Manifest, other: Manifest, read: Reader) -> TreeMerge:
    """Merge the `local` and `other` manifests against `base` (None: no common
    version, every path both sides hold is an add/add). `read(digest)` returns a
    stored file's bytes; it is called only for regular files whose content both
    sides changed (base, local and other content of those files). Errors raised by
    `read` propagate."""
    b, l, o = _by_path(base), _by_path(local), _by_path(other)
    entries: list[ManifestEntry] = []
    blobs: dict[str, bytes] = {}
    merged: list[FileMerge] = []
    conflicts: list[FileConflict] = []
    for path in sorted(b.keys() | l.keys() | o.keys()):
        eb, el, eo = b.get(path), l.get(path), o.get(path)
        if _same(el, eo):
            if el is not None:
                entries.append(el)
            if not _same(eb, el):
                merged.append(FileMerge(path, FROM_BOTH, el))
            continue
        if _same(el, eb):
            if eo is not None:
                entries.append(eo)
            merged.append(FileMerge(path, FROM_OTHER, eo))
            continue
        if _same(eo, eb):
            if el is not None:
                entries.append(el)
            merged.append(FileMerge(path, FROM_LOCAL, el))
            continue
        outcome = _both_changed(path, eb, el, eo, read)
        if isinstance(outcome, FileConflict):
            conflicts.append(outcome)
            continue
        entry, data = outcome
        entries.append(entry)
        if data is not None:
            blobs[entry.digest] = data
        merged.append(FileMerge(path, MERGED, entry))
    return TreeMerge(tuple(entries), blobs, tuple(merged), tuple(conflicts))


def _by_path(manifest: Optional[Manifest]) -> dict[bytes, ManifestEntry]:
    if manifest is None:
        return {}
    entries = manifest.entries if isinstance(manifest, TreeHash) else manifest
    return {entry.path: entry for entry in entries}


def _same(x: Optional[ManifestEntry], y: Optional[ManifestEntry]) -> bool:
    if x is None or y is None:
        return x is y
    return x.kind == y.kind and x.digest == y.digest


def _both_changed(
    path: bytes, eb: Optional[ManifestEntry], el: Optional[ManifestEntry], eo: Optional[ManifestEntry],
    read: Reader,
) -> Union[FileConflict, tuple[ManifestEntry, Optional[bytes]]]:
    """Both sides changed `path`, differently. A settled entry (with its new bytes
    when the content was line-merged) or a conflict."""
    if el is None or eo is None:
        return FileConflict(path, DELETE_MODIFY, eb, el, eo)
    if el.kind == "l" or eo.kind == "l":
        return FileConflict(path, LINK if el.kind == eo.kind else TYPE, eb, el, eo)

    # Two regular files. A base that was a link has no content to merge against.
    fb = eb if eb is not None and eb.kind != "l" else None
    if fb is None:
        kind = el.kind if el.kind == eo.kind else None
    else:
        kind = eo.kind if el.kind == fb.kind else el.kind  # f/x: whoever changed the bit wins
    add_add = fb is None

    text: Optional[TextMerge] = None
    data: Optional[bytes] = None
    if el.digest == eo.digest:
        digest, size = el.digest, el.size
    elif fb is not None and fb.digest == el.digest:
        digest, size = eo.digest, eo.size
    elif fb is not None and fb.digest == eo.digest:
        digest, size = el.digest, el.size
    else:
        local_data, other_data = read(el.digest), read(eo.digest)
        base_data = read(fb.digest) if fb is not None else b""
        if is_binary(base_data) or is_binary(local_data) or is_binary(other_data):
            return FileConflict(path, ADD_ADD if add_add else BINARY, eb, el, eo,
                                binary=True, mode_conflict=kind is None)
        text = merge_bytes(base_data, local_data, other_data)
        if not text.clean:
            return FileConflict(path, ADD_ADD if add_add else CONTENT, eb, el, eo,
                                text=text, mode_conflict=kind is None)
        data = text.result()
        digest, size = hashlib.sha256(data).hexdigest(), len(data)
        if digest in (el.digest, eo.digest):
            data = None  # one side's content: already stored
    if kind is None:
        return FileConflict(path, MODE, eb, el, eo, text=text, mode_conflict=True)
    return ManifestEntry(path, kind, digest, size), data

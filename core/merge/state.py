"""A merge waiting for a person: everything needed to resume it after a restart, as JSON.

`PendingMerge.start(tree_merge, base=..., local=..., other=...)` captures a
TreeMerge that has conflicts: the three versions' content hashes, the settled
files (manifest entries), and each conflict with its entries and, for text
files, its hunks (clean lines and base/local/other of each conflicting region).
Resolutions are recorded per path as they are made; when none is left,
`result_entries()` is the merged manifest.

File contents are not in the JSON: the entries name them by digest. Before
saving, the caller stores `TreeMerge.blobs` (the line-merged files) and the bytes
of every resolution in the object store; the base and the two sides are stored
versions already.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from core.errors import MergeError
from core.content import ManifestEntry, content_hash_of
from core.merge.markers import MarkerLabels
from core.merge.text import Clean, Conflict, TextMerge, split_lines
from core.merge.tree import CONFLICT_KINDS, FileConflict, TreeMerge

__all__ = ["STATE_FORMAT", "PendingMerge", "entry_for"]

STATE_FORMAT = 1
_KINDS = ("f", "x", "l")


def entry_for(path: bytes, kind: str, data: bytes) -> ManifestEntry:
    """The manifest entry of `data` stored at `path` with `kind` ("f", "x" or "l")."""
    return ManifestEntry(path, kind, hashlib.sha256(data).hexdigest(), len(data))


@dataclass
class PendingMerge:
    """A merge with conflicts, saved until someone resolves or abandons it."""

    base: Optional[str]  # content hash of the base version; None: merged without one
    local: str  # content hash of the local side
    other: str  # content hash of the other side
    entries: list[ManifestEntry]  # the settled files
    conflicts: list[FileConflict]
    labels: MarkerLabels = field(default_factory=MarkerLabels)
    resolved: dict[bytes, Optional[ManifestEntry]] = field(default_factory=dict)  # None: delete the file
    context: dict[str, str] = field(default_factory=dict)  # the caller's own notes (artifact, lines, versions)

    @classmethod
    def start(
        cls, merge: TreeMerge, *, base: Optional[str], local: str, other: str,
        labels: MarkerLabels = MarkerLabels(), context: Optional[dict[str, str]] = None,
    ) -> "PendingMerge":
        return cls(base, local, other, list(merge.entries), list(merge.conflicts), labels, {}, dict(context or {}))

    def conflict(self, path: bytes) -> FileConflict:
        for c in self.conflicts:
            if c.path == path:
                return c
        raise MergeError(f"'{_show(path)}' is not a conflicting file of this merge; "
                         f"the conflicting files are: {', '.join(c.display_path for c in self.conflicts)}.")

    def unresolved(self) -> list[FileConflict]:
        return [c for c in self.conflicts if c.path not in self.resolved]

    def resolve(self, path: bytes, entry: Optional[ManifestEntry]) -> None:
        """Record how a conflicting file ends: `entry` (its content stored by the
        caller), or None to leave it out of the result."""
        self.conflict(path)
        if entry is not None and entry.path != path:
            raise MergeError(f"The resolution for '{_show(path)}' names another file, "
                             f"'{entry.display_path}'; resolve each file with its own entry.")
        self.resolved[path] = entry

    def resolve_text(self, path: bytes, data: bytes, kind: Optional[str] = None) -> ManifestEntry:
        """Record `data` as the content of a conflicting file and return its entry
        (the caller stores `data`). `kind` defaults to the side's kind both agree on,
        else the local one."""
        c = self.conflict(path)
        if kind is None:
            sides = [e.kind for e in (c.local, c.other) if e is not None]
            kind = sides[0] if sides else "f"
        entry = entry_for(path, kind, data)
        self.resolve(path, entry)
        return entry

    def result_entries(self) -> tuple[ManifestEntry, ...]:
        """The merged manifest, sorted by path; only once every conflict is resolved."""
        left = self.unresolved()
        if left:
            raise MergeError(f"{len(left)} conflicting file(s) are not resolved yet: "
                             f"{', '.join(c.display_path for c in left)}.")
        chosen = [e for e in self.resolved.values() if e is not None]
        return tuple(sorted([*self.entries, *chosen], key=lambda e: e.path))

    def result_hash(self) -> str:
        return content_hash_of(self.result_entries())

    # --- JSON ------------------------------------------------------------------

    def to_json(self) -> str:
        doc = {
            "format": STATE_FORMAT,
            "base": self.base,
            "local": self.local,
            "other": self.other,
            "labels": {"local": self.labels.local, "base": self.labels.base, "other": self.labels.other},
            "context": self.context,
            "entries": [_entry_doc(e) for e in self.entries],
            "conflicts": [_conflict_doc(c) for c in self.conflicts],
            "resolved": [{"path": _text(p), "entry": _entry_doc(e)} for p, e in self.resolved.items()],
        }
        return json.dumps(doc, indent=1, ensure_ascii=True)  # ASCII: lone surrogates (odd bytes) survive

    @classmethod
    def from_json(cls, text: str) -> "PendingMerge":
        """Raises MergeError when the text is not a saved merge this version can read."""
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise MergeError(f"The saved merge is not valid JSON ({exc}); abandon the merge and start it again.") from exc
        if not isinstance(doc, dict):
            raise MergeError("The saved merge is damaged (not a JSON object); abandon the merge and start it again.")
        fmt = doc.get("format")
        if isinstance(fmt, int) and fmt > STATE_FORMAT:
            raise MergeError(f"The saved merge was written by a newer version (format {fmt}); "
                             "update Artifact Lineage to resume it.")
        try:
            if fmt != STATE_FORMAT:
                raise ValueError(f"format {fmt!r}")
            labels = doc["labels"]
            resolved = {_bytes(r["path"]): _entry(r["entry"]) for r in doc["resolved"]}
            merge = cls(
                base=_opt_str(doc["base"]),
                local=_str(doc["local"]),
                other=_str(doc["other"]),
                entries=[e for e in (_entry(d) for d in doc["entries"]) if e is not None],
                conflicts=[_conflict(d) for d in doc["conflicts"]],
                labels=MarkerLabels(_str(labels["local"]), _str(labels["base"]), _str(labels["other"])),
                resolved=resolved,
                context={_str(k): _str(v) for k, v in doc["context"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MergeError(f"The saved merge is damaged ({type(exc).__name__}: {exc}); "
                             "abandon the merge and start it again.") from exc
        for path in resolved:
            merge.conflict(path)
        return merge


def _show(path: bytes) -> str:
    return path.decode("utf-8", "replace")


def _text(data: bytes) -> str:
    # Bytes that are not UTF-8 become lone surrogates, which JSON escapes as \udcXX.
    return data.decode("utf-8", "surrogateescape")


def _bytes(text: Any) -> bytes:
    return _str(text).encode("utf-8", "surrogateescape")


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _opt_str(value: Any) -> Optional[str]:
    return None if value is None else _str(value)


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"expected a count, got {value!r}")
    return value


def _entry_doc(e: Optional[ManifestEntry]) -> Optional[dict[str, Any]]:
    if e is None:
        return None
    return {"path": _text(e.path), "kind": e.kind, "digest": e.digest, "size": e.size}


def _entry(d: Any) -> Optional[ManifestEntry]:
    if d is None:
        return None
    kind, digest = _str(d["kind"]), _str(d["digest"])
    if kind not in _KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise ValueError(f"not a SHA-256 digest: {digest!r}")
    return ManifestEntry(_bytes(d["path"]), kind, digest, _int(d["size"]))


def _conflict_doc(c: FileConflict) -> dict[str, Any]:
    return {
        "path": _text(c.path),
        "kind": c.kind,
        "base": _entry_doc(c.base),
        "local": _entry_doc(c.local),
        "other": _entry_doc(c.other),
        "binary": c.binary,
        "mode_conflict": c.mode_conflict,
        "hunks": None if c.text is None else [_hunk_doc(h) for h in c.text.hunks],
    }


def _conflict(d: Any) -> FileConflict:
    kind = _str(d["kind"])
    if kind not in CONFLICT_KINDS:
        raise ValueError(f"unknown conflict kind {kind!r}")
    hunks = d["hunks"]
    text = None if hunks is None else TextMerge(tuple(_hunk(h) for h in hunks))
    return FileConflict(
        _bytes(d["path"]), kind, _entry(d["base"]), _entry(d["local"]), _entry(d["other"]),
        text=text, binary=bool(d["binary"]), mode_conflict=bool(d["mode_conflict"]),
    )


def _hunk_doc(h: Any) -> dict[str, Any]:
    # A region is stored as its joined text: split_lines gives the same lines back,
    # since only a file's very last line can lack its newline.
    if isinstance(h, Clean):
        return {"text": _text(b"".join(h.lines)), "source": h.source}
    return {
        "base": _text(b"".join(h.base)),
        "local": _text(b"".join(h.local)),
        "other": _text(b"".join(h.other)),
        "starts": [h.base_start, h.local_start, h.other_start],
        "crlf": h.crlf,
    }


def _lines(text: Any) -> tuple[bytes, ...]:
    return tuple(split_lines(_bytes(text)))


def _hunk(d: Any) -> Clean | Conflict:
    if "text" in d:
        return Clean(_lines(d["text"]), _str(d["source"]))
    b, l, o = (_int(x) for x in d["starts"])
    return Conflict(_lines(d["base"]), _lines(d["local"]), _lines(d["other"]), b, l, o, bool(d["crlf"]))

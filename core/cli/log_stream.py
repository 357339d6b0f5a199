"""`log --json` written as it is produced: one version object at a time, lineages shared.

Every version carries its whole lineage (scripts rely on it), so a chain of n
versions makes O(n²) output: 10,000 versions of 64-digit hashes are ~3.4 GB of
JSON. Building that document (or even each lineage list) costs time and memory
that grow with the output. Here nothing does: a version's lineage is its parent's
plus itself, and versions come newest first, so the lineage of the last written
version is kept once as encoded bytes (one `sep + "hash"` per element, with the
offset where each ends). A version on that path is a prefix of those bytes,
written as a slice without copying; a version on another branch truncates the
bytes to the ancestor it shares and appends its own branch. Memory: the version
list plus one lineage (n x ~70 bytes), whatever the output size.

The text is exactly what `json.dumps(doc, indent=2)` gives for the document
(`indent=True`, for people at a terminal) or `separators=(",", ":")` (compact,
for pipes); tests/core/test_log_stream.py compares both with json.dumps.
"""
from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any, Callable, Sequence

from core.cli.output import parents_of

if TYPE_CHECKING:
    from core.history import VersionInfo

__all__ = ["write_log_json"]


def _dumps(value: Any, indent: bool, level: int) -> str:
    """`value` as json.dumps writes it at nesting `level` of an indent=2 document."""
    if not indent:
        return json.dumps(value, separators=(",", ":"), default=str)
    return json.dumps(value, indent=2, default=str).replace("\n", "\n" + "  " * level)


class _Lineages:
    """The encoded lineage of one version after another (see the module docstring)."""

    def __init__(self, versions: Sequence["VersionInfo"], base_lineage: Callable[[int], list[str]], sep: bytes) -> None:
        self._sep = sep
        self._hash = {v.id: v.content_hash for v in versions}
        self._parent: dict[int, int | None] = {}
        self._roots: dict[int, "VersionInfo"] = {}  # versions whose parent is not listed
        self._bases: dict[int, list[str]] = {}  # what precedes such a root in its lineage
        self._depth: dict[int, int] = {}
        self._base_lineage = base_lineage
        # A parent is always recorded before its child: ascending ids visit parents first.
        for v in sorted(versions, key=lambda item: item.id):
            if v.parent_id is not None and v.parent_id in self._hash:
                self._parent[v.id] = v.parent_id
                self._depth[v.id] = self._depth[v.parent_id] + 1
            else:
                self._parent[v.id] = None
                self._depth[v.id] = 0
                self._roots[v.id] = v
        self._path: list[int] = []  # version ids root .. tip of the bytes in _buf
        self._ends: list[int] = []  # len(_buf) after each path element
        self._buf = bytearray()

    def _encode(self, content_hash: str | None) -> bytes:
        return self._sep + json.dumps(content_hash).encode()

    def _root_base(self, root: int) -> list[str]:
        base = self._bases.get(root)
        if base is None:
            v = self._roots[root]
            if v.parent_id is not None:  # a parent outside the list: its lineage, from the database
                base = self._base_lineage(v.parent_id)
            else:  # a legacy parent hash starts the chain, or nothing does
                base = [v.parent_hash] if v.parent_hash is not None else []
            self._bases[root] = base
        return base

    def end_of(self, version_id: int) -> int:
        """Bring _buf to hold `version_id`'s lineage (and maybe more); returns where it ends."""
        chain: list[int] = []
        path, depth, parent = self._path, self._depth, self._parent
        u: int | None = version_id
        while u is not None:
            d = depth[u]
            if d < len(path) and path[d] == u:
                break
            chain.append(u)
            u = parent[u]
        buf = self._buf
        if u is None:  # another root: start over from its base
            root = chain[-1]
            del buf[:]
            for h in self._root_base(root):
                buf += self._encode(h)
            path.clear()
            self._ends.clear()
        else:
            keep = depth[u] + 1
            del buf[self._ends[keep - 1]:]
            del path[keep:]
            del self._ends[keep:]
        for w in reversed(chain):
            buf += self._encode(self._hash[w])
            path.append(w)
            self._ends.append(len(buf))
        return self._ends[depth[version_id]]

    def write(self, out: IO[bytes], version_id: int, open_: bytes, close: bytes) -> None:
        end = self.end_of(version_id)
        out.write(open_)
        with memoryview(self._buf) as view:  # released before _buf changes size again
            out.write(view[len(self._sep):end])
        out.write(close)


def write_log_json(
    out: IO[bytes],
    artifact: str,
    versions: Sequence["VersionInfo"],
    numbers: dict[int, int],
    base_lineage: Callable[[int], list[str]],
    *,
    indent: bool,
    removed_at: str | None = None,
) -> None:
    """Write `{"artifact": …, "removed_at": …, "versions": [...]}` for `versions` (newest first, as given);
    `removed_at` is the ISO time the artifact stopped being tracked, null while it is.

    `numbers` maps version id to the artifact's own v-number; `base_lineage(id)` is
    the lineage of a parent that is not in `versions` (History.lineage)."""
    if indent:
        nl = [b"\n" + b"  " * level for level in range(5)]
        kv, item_sep = b": ", b","
    else:
        nl = [b""] * 5
        kv, item_sep = b":", b","
    lineages = _Lineages(versions, base_lineage, item_sep + nl[4])
    lineage_open, lineage_close = b"[" + nl[4], nl[3] + b"]"

    key = {name: json.dumps(name).encode() + kv for name in (
        "artifact", "removed_at", "versions", "id", "number", "line", "parents", "content_hash", "parent_hash", "change_origin",
        "created_at", "lineage", "metadata")}

    out.write(b"{" + nl[1] + key["artifact"] + _dumps(artifact, indent, 1).encode() + item_sep + nl[1]
              + key["removed_at"] + json.dumps(removed_at).encode() + item_sep + nl[1] + key["versions"])
    if not versions:
        out.write(b"[]" + nl[0] + b"}\n")
        return
    field_sep = item_sep + nl[3]
    for i, v in enumerate(versions):
        head = [
            key["id"] + str(v.id).encode(),
            key["number"] + str(numbers[v.id]).encode(),
            key["line"] + json.dumps(v.line).encode(),
            key["parents"] + _dumps(parents_of(v), indent, 3).encode(),
            key["content_hash"] + json.dumps(v.content_hash).encode(),
            key["parent_hash"] + json.dumps(v.parent_hash).encode(),
            key["change_origin"] + json.dumps(v.change_origin).encode(),
            key["created_at"] + json.dumps(v.created_at.isoformat()).encode(),
            key["lineage"],
        ]
        out.write((b"[" if i == 0 else item_sep) + nl[2] + b"{" + nl[3] + field_sep.join(head))
        lineages.write(out, v.id, lineage_open, lineage_close)
        out.write(field_sep + key["metadata"] + _dumps(v.metadata, indent, 3).encode() + nl[2] + b"}")
    out.write(nl[1] + b"]" + nl[0] + b"}\n")

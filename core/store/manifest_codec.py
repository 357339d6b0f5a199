"""The manifest codec: how a tree's manifest is written as bytes and read back.

A stored manifest (before the object store's zlib layer; see docs/objects.md) is

    artifact-lineage manifest 1\\n
    <kind> <sha256 hex> <size> <path>\\0      one record per entry, paths ascending

`encode_manifest` writes that; `parse_manifest` reads it, checks every record and
verifies that the records hash to the content hash the manifest is stored under.
"""
from __future__ import annotations

import re

from core.content import ManifestEntry, TreeHash, content_hash_of

__all__ = ["MANIFEST_HEADER", "ManifestFormatError", "encode_manifest", "parse_manifest"]

MANIFEST_HEADER = b"artifact-lineage manifest 1\n"
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_KINDS = {b"f": "f", b"x": "x", b"l": "l"}


class ManifestFormatError(ValueError):
    """Manifest bytes that do not parse or do not verify; the message says why (a short phrase)."""


def encode_manifest(tree: TreeHash) -> bytes:
    """The manifest bytes of `tree`: the header, then one record per entry in path order."""
    lines = [MANIFEST_HEADER]
    for e in sorted(tree.entries, key=lambda e: e.path):
        lines.append(b"%s %s %d %s\0" % (e.kind.encode(), e.digest.encode(), e.size, e.path))
    return b"".join(lines)


def parse_manifest(data: bytes, content_hash: str) -> TreeHash:
    """Parse manifest bytes stored under `content_hash` and verify them against it.

    Raises ManifestFormatError(why) when the header is unknown, a record does not
    parse, records are out of order, or the records do not hash to `content_hash`.
    """
    if not data.startswith(MANIFEST_HEADER):
        raise ManifestFormatError("unknown format header")
    body = data[len(MANIFEST_HEADER) :]
    if body and not body.endswith(b"\0"):
        raise ManifestFormatError("the last record is not terminated")
    entries: list[ManifestEntry] = []
    for record in body.split(b"\0")[:-1] if body else []:
        parts = record.split(b" ", 3)
        if len(parts) != 4 or parts[0] not in _KINDS or not (parts[2].isascii() and parts[2].isdigit()):
            raise ManifestFormatError("a record does not parse")
        kind, digest_b, size_b, entry_path = parts
        try:
            digest = digest_b.decode("ascii")
        except UnicodeDecodeError:
            raise ManifestFormatError("a digest is not hex") from None
        if not HEX64.match(digest):
            raise ManifestFormatError("a digest is not hex")
        if entries and entry_path <= entries[-1].path:
            raise ManifestFormatError("records are not in ascending path order")
        entries.append(ManifestEntry(entry_path, _KINDS[kind], digest, int(size_b)))
    if content_hash_of(entries) != content_hash:
        raise ManifestFormatError("its records do not hash to its name")
    return TreeHash(content_hash, tuple(entries))

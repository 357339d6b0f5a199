"""The shared object store: the one interface every backend implements.

A team's members each keep a local object store (core.store.local) as a cache; the
shared store is where every member can reach the bytes (the team's database by default:
core.store.shared_db; an S3-compatible bucket would be a second backend behind the
same four calls). Entries are compressed streams exactly as the local store keeps them
on disk, named by the sha256 of the inflated bytes (objects) or by their content hash
(manifests), so moving one between the two is a copy plus a verification.

Rule every caller keeps: a manifest is put only together with (or after) every object
it names, so a manifest in the shared store means its whole tree is there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence

__all__ = ["CODEC_ZLIB", "SharedStore", "StoredStream"]

CODEC_ZLIB = "zlib"  # the only codec written today; a reader refuses codecs it does not know


@dataclass(frozen=True)
class StoredStream:
    """One object or manifest as the shared store holds it."""

    kind: str  # core.store.local.OBJECT or MANIFEST
    name: str  # sha256 of the inflated bytes (object) or the content hash (manifest)
    size: int  # bytes once inflated
    codec: str  # how `data` is compressed: CODEC_ZLIB
    data: bytes


class SharedStore(Protocol):
    """has / get / put / which-of-these-are-missing; every call raises ObjectStoreError with
    one sentence when the store cannot be reached."""

    where: str  # the store as people should see it in messages (no password)

    def has(self, kind: str, name: str) -> bool: ...

    def missing(self, kind: str, names: Iterable[str]) -> set[str]:
        """The names of `kind` the store does not hold."""
        ...

    def get(self, kind: str, names: Iterable[str]) -> list[StoredStream]:
        """Those of `names` the store holds (the others are simply absent from the list)."""
        ...

    def put(self, streams: Sequence[StoredStream]) -> int:
        """Store all of `streams` in one transaction (an entry already there is kept as it is);
        returns how many were new."""
        ...

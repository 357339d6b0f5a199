"""What each side of a diverged artifact changed, as text diffs against the base.

The diverged dialog shows these before a person chooses keep local, take upstream or
merge. Nothing is written: the upstream's files are read where the fetch left them, the
local ones from the collection copy, the base's from the object store (it is a stored
version). Slow for a git upstream (a fetch), so the window calls it on a worker.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import SyncError
from core.sync.probe import heads_and_bases, probe_artifact

if TYPE_CHECKING:
    from core.content import TreeHash
    from core.diff import FileDiff
    from core.store import ObjectStore
    from core.workspace import Workspace

__all__ = ["Divergence", "divergence_of", "divergences_of"]


@dataclass(frozen=True)
class Divergence:
    artifact_id: int
    name: str
    base: str | None  # content hash of the base; None: no synced version, nothing to compare against
    local: tuple["FileDiff", ...]  # base → collection copy, one per changed file
    upstream: tuple["FileDiff", ...]  # base → upstream now


class _DiskOrStore:
    """`read_bytes(digest)` for core.diff: files of trees on disk first, else the object store."""

    def __init__(self, objects: "ObjectStore") -> None:
        self.objects = objects
        self.paths: dict[str, tuple[bytes, str]] = {}

    def add(self, root: Path, tree: "TreeHash") -> None:
        root_b = os.fsencode(root)
        for e in tree.entries:
            self.paths.setdefault(e.digest, (root_b if not os.path.isdir(root_b) else root_b + b"/" + e.path, e.kind))

    def read_bytes(self, digest: str) -> bytes:
        found = self.paths.get(digest)
        if found is None:
            return self.objects.read_bytes(digest)
        path, kind = found
        if kind == "l":
            return os.readlink(path)
        with open(path, "rb") as fh:
            return fh.read()

    def get_manifest(self, content_hash: str) -> "TreeHash":
        return self.objects.get_manifest(content_hash)


def divergence_of(ws: "Workspace", artifact_id: int) -> Divergence:
    from core.diff import file_diff

    artifact = ws.history.artifact(artifact_id)
    head, base = heads_and_bases(ws, [artifact])[artifact.id]
    # The stat cache is not saved here: this is display only, and the next status run saves it.
    probe = probe_artifact(ws, artifact, head, base)
    if probe.error:
        raise SyncError(probe.error)
    reader = _DiskOrStore(ws.objects)
    if probe.local_tree is not None:
        reader.add(probe.target, probe.local_tree)
    if probe.upstream_tree is not None and probe.fetched is not None:
        reader.add(Path(probe.fetched.path), probe.upstream_tree)
    return Divergence(
        artifact_id=artifact.id, name=artifact.name, base=base.content_hash if base else None,
        local=tuple(file_diff(reader, c) for c in probe.changed_locally),
        upstream=tuple(file_diff(reader, c) for c in probe.changed_upstream),
    )


def divergences_of(ws: "Workspace", artifact_ids: list[int]) -> dict[int, "Divergence | str"]:
    """`divergence_of` for several artifacts, one after the other; a failure is its sentence."""
    from core.errors import LineageError

    found: dict[int, Divergence | str] = {}
    for artifact_id in artifact_ids:
        try:
            found[artifact_id] = divergence_of(ws, artifact_id)
        except (LineageError, OSError) as exc:
            found[artifact_id] = str(exc)
    return found

"""Putting stored content into a live copy, and recording what a live copy holds.

The first half of every deploy, push and restore: a copy's unrecorded edits are stored
and recorded first (`record_copy`); then core.workspace.replace_copy puts the new content
in place and records it, crash-safely.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.content import TreeHash
from core.history import HEAD, ArtifactInfo, VersionInfo, recorded_by

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["record_copy"]


def record_copy(
    ws: "Workspace",
    artifact: ArtifactInfo,
    line: str,
    path: Path,
    tree: TreeHash,
    head: VersionInfo | None,
    *,
    metadata: dict[str, Any] | None = None,
) -> VersionInfo | None:
    """Store a live copy and record it as `local_modification` on `line` when its head
    does not hold it yet. Returns the line's version holding the copy (None: not recorded)."""
    if head is not None and head.content_hash == tree.content_hash:
        return head
    ws.objects.store_tree(path, tree)
    meta = dict(metadata or {}) | recorded_by()
    outcome = ws.history.record_version(
        artifact.id, tree.content_hash, "local_modification", parent_hash=HEAD, metadata=meta, line=line,
        created_at=ws.clock() if ws.clock is not None else None,
    )
    return outcome.version

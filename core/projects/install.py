"""Putting stored content into a live copy, and recording what a live copy holds.

Both halves of every deploy, push and restore: a copy's unrecorded edits are stored
and recorded first (`record_copy`), then the new content is materialised from the
object store beside the copy, fsynced, verified against its content hash and swapped
in atomically (`place_content`). A failure before the swap leaves the copy as it was.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.atomic import replace_atomically, sync_tree
from core.content import TreeHash, copy_tree_hash
from core.errors import SyncError
from core.fsio import remove_quietly
from core.history import HEAD, ArtifactInfo, VersionInfo, recorded_by
from core.projects.drift import entry_name_of

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["place_content", "record_copy"]


def place_content(ws: "Workspace", artifact: ArtifactInfo, content_hash: str, target: Path) -> None:
    """Make `target` hold the stored content `content_hash` (staged, verified, swapped)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.parent / f".{target.name}.staging-{secrets.token_hex(6)}"
    try:
        ws.objects.materialize(content_hash, staged, single_file=artifact.shape == "file")
        sync_tree(staged)
        landed = copy_tree_hash(staged, artifact.shape, entry_name_of(artifact), None)
        if landed.content_hash != content_hash:
            raise SyncError(
                f"The copy of {artifact.name!r} built from the object store holds {landed.content_hash[:12]}, "
                f"not {content_hash[:12]}; nothing was replaced."
            )
        replace_atomically(target, staged)
    except BaseException:
        remove_quietly(staged)  # hidden and harmless if it stays
        raise


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

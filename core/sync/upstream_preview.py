"""The upstream's state now, stored for comparing before it is synced.

The window's "waiting upstream" node stands for content the upstream has and the
collection not yet. To compare the head with it, that content has to be readable the
way versions are: `store_upstream` fetches the upstream, hashes it and stores its
objects and manifest in the object store. Storing objects is not recording history:
no version is added, so the history (and the collection copy) are unchanged; a later
Sync now finds the objects already there. Slow for a git upstream (a fetch), so the
window calls it on a worker.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import SyncError

if TYPE_CHECKING:
    from core.content import TreeHash
    from core.workspace import Workspace

__all__ = ["UpstreamState", "store_upstream"]


@dataclass(frozen=True)
class UpstreamState:
    artifact_id: int
    name: str
    head: str | None  # content hash of the collection's head (None: nothing recorded yet)
    tree: "TreeHash"  # the upstream now; its manifest and objects are in the object store

    @property
    def content_hash(self) -> str:
        return self.tree.content_hash


def store_upstream(ws: "Workspace", artifact_id: int) -> UpstreamState:
    """Fetch the artifact's upstream, hash it and store its content (no version recorded).

    Raises a LineageError with one sentence when the upstream cannot be fetched or read
    (the same sentence the status check gives).
    """
    from core.content import copy_tree_hash
    from core.sync.probe import check_upstream_links, entry_name, os_message
    from core.upstreams import fetch

    artifact = ws.history.artifact(artifact_id)
    head = ws.history.head(artifact.id)
    try:
        fetched = fetch(artifact.upstream, ws.home.git_cache_dir)
        root = Path(fetched.path)
        # No stat cache: these are upstream files, and the cache is the collection copy's.
        tree = copy_tree_hash(root, artifact.shape, entry_name(artifact), None)
        check_upstream_links(root, tree)
        ws.objects.store_tree(root, tree)
    except OSError as exc:
        raise SyncError(os_message(exc, artifact.name, "reading the upstream of")) from exc
    return UpstreamState(artifact_id=artifact.id, name=artifact.name,
                         head=head.content_hash if head is not None else None, tree=tree)

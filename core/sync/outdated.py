"""A team member's collection copy that is behind the shared history: outdated, not edited.

With a shared database, another member's sync or edit moves the collection line's head
while this member's copy still holds an older version of it. That copy is not a change:
recording it would revert the other member's work ("ping-pong" versions). A copy is
*behind* when its content is a first-parent ancestor of the collection head and some
version after it on the way to the head was recorded by another member; then sync brings
the copy forward to the head and records nothing. A copy whose content appears nowhere in
the head's ancestry, or whose newer versions are all this member's own, is an edit as before
(a person who hand-reverts their own work still gets it recorded).

Also the upload of old objects: versions recorded before the shared store existed name
objects only their author holds; the author's next sync sends up what it holds.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.history import ArtifactInfo, VersionInfo
    from core.store import Upload
    from core.workspace import Workspace

__all__ = ["behind_head", "bring_forward", "upload_old_objects"]


class CopyFound(Protocol):
    """What a probe found of the collection copy (core.sync.probe.Probe, which asks this
    module whether the copy is behind: named here so neither module imports the other)."""

    artifact: "ArtifactInfo"
    head: "VersionInfo | None"
    wrong_shape: str | None

    @property
    def local(self) -> str | None: ...


def _by_other_member(ws: "Workspace", version: "VersionInfo") -> bool:
    from core.history import recorded_by

    member = version.metadata.get("member")
    if member:
        return member != ws.machine
    me = recorded_by()
    # Recorded before member ids: another login or another host is another member.
    return (version.metadata.get("machine"), version.metadata.get("user")) != (me["machine"], me["user"])


def behind_head(ws: "Workspace", probe: CopyFound) -> "VersionInfo | None":
    """The collection-line version the copy holds when the copy is behind the head (see the
    module docstring); None when it is not (no shared store, no copy, an edit, the head)."""
    from core.history import COLLECTION_LINE

    head, local = probe.head, probe.local
    if ws.objects.shared is None or head is None or local is None or probe.wrong_shape:
        return None
    if local == head.content_hash or head.line != COLLECTION_LINE:
        return None
    versions = {v.id: v for v in ws.history.versions(probe.artifact.id, line=COLLECTION_LINE)}
    newer_by_other = False
    current: "VersionInfo | None" = head
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if current.content_hash == local:
            return current if newer_by_other else None
        newer_by_other = newer_by_other or _by_other_member(ws, current)
        current = versions.get(current.parent_id) if current.parent_id is not None else None
    return None


def bring_forward(ws: "Workspace", probe: CopyFound) -> None:
    """Replace the collection copy with the head's content (fetched once, staged, verified,
    swapped in atomically); records nothing."""
    from core.workspace import collection_place, put_copy

    assert probe.head is not None
    put_copy(ws, probe.artifact, collection_place(ws, probe.artifact), probe.head.content_hash)


def upload_old_objects(ws: "Workspace") -> "Upload | None":
    """Send up every version's tree the shared store lacks and this data folder holds
    (None without a shared store). Raises ObjectStoreError when the database cannot be
    reached: a sync then fails before it changes any copy."""
    if ws.objects.shared is None:
        return None
    return ws.objects.upload(ws.history.content_hashes())

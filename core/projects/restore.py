"""Restoring an earlier version into the collection copy or a project's copy.

History is never rewritten: the restored content is recorded as a new `rollback`
version on that line, first parent the head it replaced, its metadata naming the
version restored. Unrecorded edits in the copy are recorded first.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.history import COLLECTION_LINE, HEAD, ArtifactInfo, ProjectInfo, VersionInfo, ordinal_by_id, recorded_by
from core.projects.deploy import require_deployment
from core.projects.drift import hash_copy
from core.projects.install import record_copy
from core.projects.placement import check_inside_project, project_copy_path, project_place
from core.workspace import collection_place, path_of

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["RestoreResult", "restore"]


@dataclass(frozen=True)
class RestoreResult:
    artifact: str
    line: str
    restored_version_id: int
    version_id: int | None  # the rollback version recorded (None: the copy already held it)
    edits_version_id: int | None  # unrecorded edits recorded first
    recorded: bool


def restore(
    ws: "Workspace", artifact: ArtifactInfo, version: VersionInfo, project: ProjectInfo | None = None
) -> RestoreResult:
    """Restore `version` on its line (the artifact's lock held throughout)."""
    from core.workspace import artifact_lock

    with artifact_lock(ws.home, artifact.id):
        return _restore(ws, artifact, version, project)


def _restore(ws: "Workspace", artifact: ArtifactInfo, version: VersionInfo, project: ProjectInfo | None) -> RestoreResult:
    history = ws.history
    if project is not None:
        require_deployment(ws, artifact, project)
        line, target = project.name, project_copy_path(project, artifact)
        check_inside_project(project, target)
    else:
        line, target = COLLECTION_LINE, path_of(ws.home.collection_dir, artifact)
        collection_place(ws, artifact)  # a link on the way refused before anything is read
    head = history.head(artifact.id, line)
    tree = hash_copy(target, artifact, ws.stat_cache)
    edits = None
    if tree is not None and (head is None or tree.content_hash != head.content_hash):
        kept = record_copy(ws, artifact, line, target, tree, head, metadata={"reason": "recorded before a restore"})
        edits = kept.id if kept is not None else None
        head = kept or head
    number = ordinal_by_id(history.versions(artifact.id)).get(version.id)
    meta = {"restored_version": version.id, "restored_number": number} | recorded_by()
    if tree is None or tree.content_hash != version.content_hash:
        from core.workspace import replace_copy

        where = project_place(project, artifact) if project is not None else collection_place(ws, artifact)
        outcome = replace_copy(ws, artifact, where, version.content_hash, origin="rollback", parent_hash=HEAD,
                               line=line, metadata=meta)
    else:
        outcome = history.record_version(
            artifact.id, version.content_hash, "rollback", parent_hash=HEAD, line=line, metadata=meta,
            created_at=ws.clock() if ws.clock is not None else None,
        )
    return RestoreResult(
        artifact=artifact.name, line=line, restored_version_id=version.id,
        version_id=outcome.version.id if outcome.recorded and outcome.version else None,
        edits_version_id=edits, recorded=outcome.recorded,
    )

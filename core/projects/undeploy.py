"""Undeploying: stop following an artifact's copy in a project (`undeploy NAME --project P [--delete]`).

The deployment is forgotten; the project's line of versions stays in the history. The
copy is left where it is unless `delete`: then whatever it holds that its line has not
recorded yet is stored and recorded first (`local_modification`, as every verb that
replaces or removes a copy does), and only then is it moved aside in one rename and
deleted, never following a link out of the project.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import ProjectError
from core.fsio import remove_path
from core.history import ArtifactInfo, Deployments, ProjectInfo
from core.projects.drift import hash_copy
from core.projects.install import record_copy
from core.projects.placement import CLAUDE_DIR, check_inside_project, project_copy_path

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["UndeployResult", "undeploy"]


@dataclass(frozen=True)
class UndeployResult:
    artifact: str
    project: str
    path: str  # the project copy's path
    deleted: bool  # the copy was deleted (`delete`, and there was one)
    edits_version_id: int | None = None  # the copy's unrecorded content, recorded before deleting it


def undeploy(ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo, *, delete: bool = False) -> UndeployResult:
    """Forget the deployment; with `delete`, record the copy's unrecorded content, then delete the copy."""
    ws.require_writable(f"undeploy {artifact.name!r}")
    store = Deployments(ws.db)
    if store.deployment(artifact.id, project.id) is None:
        raise ProjectError(f"{artifact.name!r} is not deployed in project {project.name!r}, so there is nothing "
                           f"to undeploy; `status` lists the deployments.")
    target = project_copy_path(project, artifact)
    edits, deleted = None, False
    if delete:
        check_inside_project(project, target)
        tree = hash_copy(target, artifact, ws.stat_cache)
        if tree is not None:
            head = ws.history.head(artifact.id, project.name)
            kept = record_copy(ws, artifact, project.name, target, tree, head,
                               metadata={"reason": "recorded before undeploy --delete"})
            if kept is not None and (head is None or kept.id != head.id):
                edits = kept.id
            _delete(target, project)
            deleted = True
    store.remove_deployment(artifact.id, project.id)
    return UndeployResult(artifact.name, project.name, str(target), deleted, edits)


def _delete(target: Path, project: ProjectInfo) -> None:
    """Move the copy aside in one rename (it vanishes whole), delete it; an emptied `skills/<name>/` goes too."""
    aside = target.parent / f".{target.name}.undeployed-{uuid.uuid4().hex[:12]}"
    os.rename(target, aside)
    remove_path(aside)
    claude = os.path.join(project.path, CLAUDE_DIR)
    parent = target.parent
    if str(parent.parent) != claude and str(parent) != claude:
        try:
            parent.rmdir()  # a single-file skill's own folder, when nothing else is in it
        except OSError:
            pass

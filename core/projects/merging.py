"""`push` and `deploy` with `--strategy merge`: three-way merge of a deployment (docs/merge.md,
"Push and deploy").

The base is the version deployed (what collection and project last agreed on); the two
sides are the project copy and the collection copy, each stored and recorded on its own
line first (so neither edit can be lost, as a sync merge records the local copy first).
A push merges the project copy into the collection copy (a `merge` version on the
collection line: first parent its head, second parent the project's version); a deploy
merges the collection into the project copy (a `merge` on the project's line: first parent
the project's version, second parent the collection head). core.sync.merging does the
merge itself: on conflicts nothing live changes and the pending merge waits under
`merges/<id>-<project>/` until `merge NAME --project P` finishes or drops it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import MergeError, RefusedError
from core.history import COLLECTION_LINE, ArtifactInfo, ProjectInfo, VersionInfo
from core.projects.deploy import refuse_if_merging, require_deployment
from core.projects.drift import hash_copy, wrong_shape
from core.projects.install import record_copy
from core.projects.placement import check_inside_project, project_copy_path, project_place
from core.workspace import collection_place, path_of

if TYPE_CHECKING:
    from core.sync.merging import MergeOutcome
    from core.workspace import Workspace

__all__ = ["MergeDirection", "DeploymentMerge", "merge_deployment"]


class MergeDirection(str, enum.Enum):
    PUSH = "push"  # the project copy's edits into the collection copy
    DEPLOY = "deploy"  # the collection's edits into the project copy


@dataclass(frozen=True)
class DeploymentMerge:
    artifact: str
    project: str
    direction: MergeDirection
    line: str  # the line the merge is (or would be) recorded on
    action: str  # "merged", "nothing" (the target already holds the other side's changes) or "conflict"
    outcome: "MergeOutcome"
    local_version_id: int  # first parent
    other_version_id: int  # second parent
    base_version_id: int


def merge_deployment(
    ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo, direction: MergeDirection
) -> DeploymentMerge:
    """Merge one side of a deployment into the other (the artifact's lock held throughout)."""
    from core.workspace import artifact_lock

    with artifact_lock(ws.home, artifact.id):
        return _merge_deployment(ws, artifact, project, direction)


def _merge_deployment(
    ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo, direction: MergeDirection
) -> DeploymentMerge:
    from core.merge import MarkerLabels
    from core.sync.merging import merge_copy
    from core.sync.pending import abort_words, has_pending

    history = ws.history
    deployment = require_deployment(ws, artifact, project)
    if has_pending(ws.home, artifact.id, project.name):
        raise MergeError(
            f"A merge of {artifact.name!r} in project {project.name!r} is waiting; finish it with "
            f"`merge {artifact.name} --project {project.name}` (then --continue), or abandon it: "
            f"{abort_words(artifact.name, project.name)}."
        )
    base = history.version(deployment.version_id)
    project_path = project_copy_path(project, artifact)
    check_inside_project(project, project_path)
    shape_error = wrong_shape(project_path, artifact, project)
    if shape_error is not None:
        raise RefusedError(shape_error)
    collection_path = path_of(ws.home.collection_dir, artifact)
    refuse_if_merging(ws, artifact, collection_path if direction is MergeDirection.PUSH else project_path,
                      f"{direction.value} --strategy merge")
    collection_place(ws, artifact)  # a link on the way refused before anything is read
    project_tree = hash_copy(project_path, artifact, ws.stat_cache)
    collection_tree = hash_copy(collection_path, artifact, ws.stat_cache)
    if project_tree is None:
        raise RefusedError(
            f"{project.name} has no copy of {artifact.name!r} at {project_path}; nothing to merge "
            f"(deploy it again with `deploy {artifact.name} --project {project.name}`).",
            situation=f"{project.name} has no copy of {artifact.name!r} at {project_path}; nothing to merge "
            "(deploy it again to put one there).",
        )
    if collection_tree is None:
        raise RefusedError(
            f"The collection has no copy of {artifact.name!r} at {collection_path}; nothing to merge "
            f"(restore it with `restore {artifact.name} VERSION`).",
            situation=f"The collection has no copy of {artifact.name!r} at {collection_path}; nothing to merge "
            "(restore a version into the collection first).",
        )
    # Both sides are stored and recorded before anything else: the merge never loses an edit.
    project_version = _recorded(ws, artifact, project.name, project_path, project_tree,
                                f"recorded before a {direction.value} --strategy merge")
    collection_version = _recorded(ws, artifact, COLLECTION_LINE, collection_path, collection_tree,
                                   f"recorded before a {direction.value} --strategy merge from {project.name}")
    meta = {"strategy": "merge", "project": project.name, "direction": direction.value,
            "base_version": base.id}
    if direction is MergeDirection.PUSH:
        local, other, where, line = collection_version, project_version, collection_place(ws, artifact), COLLECTION_LINE
        labels = MarkerLabels(local="collection", base="base", other="project")
        meta["pushed_from"] = project.name
        deployment_version = project_version.id  # the project copy is what both now agree on
    else:
        local, other, where, line = project_version, collection_version, project_place(project, artifact), project.name
        labels = MarkerLabels(local="project", base="base", other="collection")
        meta["deployed_version"] = collection_version.id
        deployment_version = collection_version.id  # the collection head is now in the project copy
    outcome = merge_copy(
        ws, artifact, base=base, local=local, other=other, where=where, line=line, pending_line=project.name,
        labels=labels, metadata=meta, project_id=project.id, deployment_version=deployment_version,
    )
    action = "conflict" if not outcome.clean else ("merged" if outcome.version_recorded else "nothing")
    return DeploymentMerge(
        artifact=artifact.name, project=project.name, direction=direction, line=line, action=action,
        outcome=outcome, local_version_id=local.id, other_version_id=other.id, base_version_id=base.id,
    )


def _recorded(ws: "Workspace", artifact: ArtifactInfo, line: str, path, tree, reason: str) -> VersionInfo:
    version = record_copy(ws, artifact, line, path, tree, ws.history.head(artifact.id, line),
                          metadata={"reason": reason})
    if version is None:
        raise MergeError(f"The {line} copy of {artifact.name!r} could not be recorded, so it was not merged; "
                         "nothing was changed.")
    return version

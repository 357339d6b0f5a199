"""Bringing a project's edits back into the collection (`push`).

The project copy's content is recorded on the project's line (if not yet), put into
the collection copy atomically and recorded on the `collection` line with origin
`sync` (the project → collection sync): first parent the collection head, second
parent the project's version. The deployment's base moves to that project version.
To the upstream a pushed edit is a local change: History.upstream_base skips it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import RefusedError
from core.history import COLLECTION_LINE, HEAD, ArtifactInfo, ProjectInfo, recorded_by
from core.projects.deploy import refuse_if_merging, require_deployment
from core.projects.drift import DeploymentState, classify_deployment, hash_copy, wrong_shape
from core.projects.install import record_copy
from core.projects.placement import check_inside_project, project_copy_path
from core.workspace import collection_place, path_of

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["PushStrategy", "PushResult", "push"]


class PushStrategy(str, enum.Enum):
    REFUSE = "refuse"  # the default: refuse when the collection moved on since the deployment
    TAKE_PROJECT = "take-project"  # the project's content wins; the collection's stays in history


@dataclass(frozen=True)
class PushResult:
    artifact: str
    project: str
    state: DeploymentState  # found before pushing
    action: str  # "pushed" or "nothing"
    content_hash: str | None
    version_id: int | None  # the collection version recorded
    project_version_id: int | None
    message: str


def push(
    ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo, strategy: PushStrategy = PushStrategy.REFUSE
) -> PushResult:
    """Push the project copy's edits into the collection copy (the artifact's lock held throughout)."""
    from core.workspace import artifact_lock

    with artifact_lock(ws.home, artifact.id):
        return _push(ws, artifact, project, strategy)


def _push(ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo, strategy: PushStrategy) -> PushResult:
    history = ws.history
    deployment = require_deployment(ws, artifact, project)
    target = project_copy_path(project, artifact)
    check_inside_project(project, target)
    shape_error = wrong_shape(target, artifact, project)
    if shape_error is not None:
        raise RefusedError(shape_error)
    tree = hash_copy(target, artifact, ws.stat_cache)
    deployed = history.version(deployment.version_id).content_hash
    collection_head = history.head(artifact.id, COLLECTION_LINE)
    collection_path = path_of(ws.home.collection_dir, artifact)
    refuse_if_merging(ws, artifact, collection_path, "push")
    collection = collection_place(ws, artifact)  # a link on the way refused before anything is read
    collection_tree = hash_copy(collection_path, artifact, ws.stat_cache)
    # Unrecorded edits in the collection copy count as the collection moving on.
    collection_now = collection_tree.content_hash if collection_tree is not None else (
        collection_head.content_hash if collection_head else None)
    state = classify_deployment(deployed, tree.content_hash if tree else None, collection_now)
    base = dict(artifact=artifact.name, project=project.name, state=state)
    if state is DeploymentState.MISSING:
        raise RefusedError(
            f"{project.name} has no copy of {artifact.name!r} at {target}; nothing to push "
            f"(deploy it again with `deploy {artifact.name} --project {project.name}`).",
            situation=f"{project.name} has no copy of {artifact.name!r} at {target}; nothing to push "
            "(deploy it again to put one there).",
        )
    assert tree is not None
    if state in (DeploymentState.IN_SYNC, DeploymentState.OUTDATED) or tree.content_hash == collection_now:
        note = ("the collection has moved on: deploy to update the project"
                if state is DeploymentState.OUTDATED else "the collection already holds it")
        return PushResult(**base, action="nothing", content_hash=tree.content_hash, version_id=None,
                          project_version_id=deployment.version_id,
                          message=f"{project.name}'s copy of {artifact.name!r} has no edits to push; {note}.")
    if state is DeploymentState.CONFLICT and strategy is not PushStrategy.TAKE_PROJECT:
        both = (f"Both {project.name}'s copy and the collection copy of {artifact.name!r} changed since it was "
                "deployed (conflict)")
        raise RefusedError(
            f"{both}; push with --strategy merge to merge them file by file, with --strategy take-project to "
            "keep the project's content (the collection's stays in history), or deploy with --strategy "
            "overwrite to take the collection's.",
            situation=f"{both}; nothing was changed.",
        )

    project_version = record_copy(ws, artifact, project.name, target, tree, history.head(artifact.id, project.name))
    assert project_version is not None
    if collection_tree is not None and collection_head is not None \
            and collection_tree.content_hash != collection_head.content_hash:
        record_copy(ws, artifact, COLLECTION_LINE, collection_path, collection_tree, collection_head,
                    metadata={"reason": "recorded before a push from " + project.name})
    from core.workspace import replace_copy

    meta = {"pushed_from": project.name, "project_version": project_version.id,
            "strategy": strategy.value} | recorded_by()
    outcome = replace_copy(
        ws, artifact, collection, tree.content_hash, origin="sync", parent_hash=HEAD,
        second_parent_id=project_version.id, metadata=meta, deployment=(project.id, project_version.id),
    )
    return PushResult(
        **base, action="pushed", content_hash=tree.content_hash,
        version_id=outcome.version.id if outcome.version else None, project_version_id=project_version.id,
        message=f"Pushed {project.name}'s copy of {artifact.name!r} into the collection.",
    )

"""Deploying an artifact from the collection into a project, and updating outdated deployments.

The project copy's edits are never overwritten silently: a copy that differs from what
was deployed (or, before a first deployment, from what would be deployed) refuses the
deploy, unless `overwrite` is asked for; then its edits are recorded on the project's
line first. The deployment is recorded as a `deployment` version on the project's line:
a first deployment's first parent is the version copied; a redeploy's first parent is
the project's previous version and its second parent the version copied.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ProjectError, RefusedError, VersionNotFoundError
from core.history import COLLECTION_LINE, HEAD, ArtifactInfo, Deployments, ProjectInfo, VersionInfo, recorded_by
from core.projects.drift import hash_copy, live_collection_hash, wrong_shape
from core.projects.install import record_copy
from core.projects.placement import check_inside_project, project_copy_path, project_place
from core.projects.registry import require_own_project

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["DeployStrategy", "DeployResult", "deploy"]


class DeployStrategy(str, enum.Enum):
    REFUSE = "refuse"  # the default: never overwrite a project copy's edits
    OVERWRITE = "overwrite"  # record the edits, then overwrite them


@dataclass(frozen=True)
class DeployResult:
    artifact: str
    project: str
    content_hash: str
    source_version_id: int  # the version copied
    version_id: int  # the project line's version now deployed
    recorded: bool  # False: the project already held this content
    edits_version_id: int | None = None  # the project's edits recorded before overwriting
    was_missing: bool = False  # the project had no copy: it was put (back) in place


def deploy(
    ws: "Workspace",
    artifact: ArtifactInfo,
    project: ProjectInfo,
    version: VersionInfo | None = None,
    strategy: DeployStrategy = DeployStrategy.REFUSE,
) -> DeployResult:
    """Copy `version` (default: the collection copy as it is: its unrecorded edits are
    recorded on the collection line first, as status compares with them) into the
    project and record it (the artifact's lock held throughout: core.workspace.locks).
    Only this member's projects are written to (core.projects.registry)."""
    from core.workspace import artifact_lock

    require_own_project(ws, project)
    with artifact_lock(ws.home, artifact.id):
        return _deploy(ws, artifact, project, version, strategy)


def _deploy(ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo, version: VersionInfo | None,
            strategy: DeployStrategy) -> DeployResult:
    history = ws.history
    head = history.head(artifact.id, COLLECTION_LINE)
    source = version or head
    # Status compares with the collection copy as it is; so does a deploy of the collection.
    live = live_collection_hash(ws, artifact) if version is None and head is not None else None
    if live == (head.content_hash if head else None):
        live = None
    if source is None:
        raise VersionNotFoundError(
            f"{artifact.name!r} has no version in the collection yet; run `sync {artifact.name}` first."
        )
    if source.artifact_id != artifact.id:
        raise VersionNotFoundError(f"Version #{source.id} is not a version of {artifact.name!r}.")
    target = project_copy_path(project, artifact)
    check_inside_project(project, target)
    refuse_if_merging(ws, artifact, target, "deploy")
    store = Deployments(ws.db)
    existing = store.deployment(artifact.id, project.id)
    project_head = history.head(artifact.id, project.name)
    tree = hash_copy(target, artifact, ws.stat_cache)

    edits = None
    wanted = live or source.content_hash
    if tree is not None and tree.content_hash != wanted:
        agreed = history.version(existing.version_id).content_hash if existing is not None else None
        if tree.content_hash != agreed:
            if strategy is not DeployStrategy.OVERWRITE:
                found = _edits_found(ws, artifact, project, agreed or wanted, tree)
                raise RefusedError(
                    f"{found} Bring them back with `push {artifact.name} --project {project.name}`, merge both with "
                    f"`deploy {artifact.name} --project {project.name} --strategy merge`, or deploy with "
                    "--strategy overwrite (the edits are recorded first); nothing was changed.",
                    situation=f"{found} Nothing was changed.",
                )
            kept = record_copy(ws, artifact, project.name, target, tree, project_head,
                               metadata={"reason": "recorded before deploy --strategy overwrite"})
            if kept is not None and (project_head is None or kept.id != project_head.id):
                edits = kept.id
            project_head = kept or project_head

    from core.workspace import replace_copy

    if live is not None:
        source = _record_collection(ws, artifact, source)
    meta = {"deployed_version": source.id, "project": project.name, "strategy": strategy.value} | recorded_by()
    # A first deployment's first parent is the version copied; a redeploy's is the project's head.
    first = dict(parent_id=source.id) if project_head is None else dict(parent_hash=HEAD, second_parent_id=source.id)
    in_place = tree is not None and tree.content_hash == source.content_hash
    if in_place and wrong_shape(target, artifact, project) is None:  # a folder holding the file's bytes is not it
        outcome = history.record_version(artifact.id, source.content_hash, "deployment", line=project.name,
                                         metadata=meta, created_at=ws.clock() if ws.clock is not None else None,
                                         **first)
    else:
        outcome = replace_copy(ws, artifact, project_place(project, artifact), source.content_hash,
                               origin="deployment", line=project.name, metadata=meta,
                               deployment=(project.id, None), **first)
    deployed = outcome.version
    assert deployed is not None  # recorded, or the line's head already holding this content
    store.set_deployment(artifact.id, project.id, deployed.id)
    return DeployResult(
        artifact=artifact.name, project=project.name, content_hash=source.content_hash,
        source_version_id=source.id, version_id=deployed.id, recorded=outcome.recorded,
        edits_version_id=edits, was_missing=tree is None,
    )


def _edits_found(ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo, expected: str, tree) -> str:
    """What differs between the project copy and what it should hold, in one sentence."""
    from core.diff import compare_entries

    try:
        before = ws.objects.get_manifest(expected).entries
        changes = compare_entries(before, tree.entries)
        files = ", ".join(f"{c.display_path} ({c.status})" for c in changes[:5])
        if len(changes) > 5:
            files += f" and {len(changes) - 5} more"
    except Exception:  # the manifest is a help for the sentence, not a rule
        files = f"content {tree.content_hash[:12]} instead of {expected[:12]}"
    return f"{project.name}'s copy of {artifact.name!r} has edits that deploying would overwrite: {files}."


def _record_collection(ws: "Workspace", artifact: ArtifactInfo, head: VersionInfo) -> VersionInfo:
    """Record the collection copy's unrecorded edits (stored first) on the collection line;
    returns the version holding them (the head when the copy cannot be read)."""
    from core.workspace import path_of

    path = path_of(ws.home.collection_dir, artifact)
    tree = hash_copy(path, artifact, ws.stat_cache)
    if tree is None:
        return head
    return record_copy(ws, artifact, COLLECTION_LINE, path, tree, head,
                       metadata={"reason": "recorded before a deploy"}) or head


def refuse_if_merging(ws: "Workspace", artifact: ArtifactInfo, target: Path, doing: str) -> None:
    """Refuse `doing` (a verb) when a merge waiting for `artifact`, in the collection or
    any project, is to go into `target`, the copy that verb would replace."""
    from core.sync.pending import refuse_if_merge_waits

    refuse_if_merge_waits(ws.home, artifact, target, doing, (p.name for p in Deployments(ws.db).projects()))


def require_deployment(ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo):
    require_own_project(ws, project)
    found = Deployments(ws.db).deployment(artifact.id, project.id)
    if found is None:
        raise ProjectError(
            f"{artifact.name!r} is not deployed in project {project.name!r}; "
            f"deploy it first with `deploy {artifact.name} --project {project.name}`."
        )
    return found

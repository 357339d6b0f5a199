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
from typing import TYPE_CHECKING

from core.errors import ProjectError, RefusedError, VersionNotFoundError
from core.history import COLLECTION_LINE, HEAD, ArtifactInfo, Deployments, ProjectInfo, VersionInfo, recorded_by
from core.projects.drift import hash_copy
from core.projects.install import place_content, record_copy
from core.projects.placement import check_inside_project, project_copy_path

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


def deploy(
    ws: "Workspace",
    artifact: ArtifactInfo,
    project: ProjectInfo,
    version: VersionInfo | None = None,
    strategy: DeployStrategy = DeployStrategy.REFUSE,
) -> DeployResult:
    """Copy `version` (default: the collection's head) into the project and record it."""
    history = ws.history
    source = version or history.head(artifact.id, COLLECTION_LINE)
    if source is None:
        raise VersionNotFoundError(
            f"{artifact.name!r} has no version in the collection yet; run `sync {artifact.name}` first."
        )
    if source.artifact_id != artifact.id:
        raise VersionNotFoundError(f"Version #{source.id} is not a version of {artifact.name!r}.")
    target = project_copy_path(project, artifact)
    check_inside_project(project, target)
    store = Deployments(ws.db)
    existing = store.deployment(artifact.id, project.id)
    project_head = history.head(artifact.id, project.name)
    tree = hash_copy(target, artifact, ws.stat_cache)

    edits = None
    if tree is not None and tree.content_hash != source.content_hash:
        agreed = history.version(existing.version_id).content_hash if existing is not None else None
        if tree.content_hash != agreed:
            if strategy is not DeployStrategy.OVERWRITE:
                found = _edits_found(ws, artifact, project, agreed or source.content_hash, tree)
                raise RefusedError(
                    f"{found} Bring them back with `push {artifact.name} --project {project.name}`, or deploy with "
                    "--strategy overwrite (the edits are recorded first) or --strategy merge; nothing was changed.",
                    situation=f"{found} Nothing was changed.",
                )
            kept = record_copy(ws, artifact, project.name, target, tree, project_head,
                               metadata={"reason": "recorded before deploy --strategy overwrite"})
            if kept is not None and (project_head is None or kept.id != project_head.id):
                edits = kept.id
            project_head = kept or project_head

    place_content(ws, artifact, source.content_hash, target)
    meta = {"deployed_version": source.id, "project": project.name, "strategy": strategy.value} | recorded_by()
    clock = ws.clock() if ws.clock is not None else None
    if project_head is None:
        outcome = history.record_version(
            artifact.id, source.content_hash, "deployment", line=project.name, parent_id=source.id,
            metadata=meta, created_at=clock,
        )
    else:
        outcome = history.record_version(
            artifact.id, source.content_hash, "deployment", line=project.name, parent_hash=HEAD,
            second_parent_id=source.id, metadata=meta, created_at=clock,
        )
    deployed = outcome.version
    assert deployed is not None  # recorded, or the line's head already holding this content
    store.set_deployment(artifact.id, project.id, deployed.id)
    return DeployResult(
        artifact=artifact.name, project=project.name, content_hash=source.content_hash,
        source_version_id=source.id, version_id=deployed.id, recorded=outcome.recorded,
        edits_version_id=edits,
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


def require_deployment(ws: "Workspace", artifact: ArtifactInfo, project: ProjectInfo):
    found = Deployments(ws.db).deployment(artifact.id, project.id)
    if found is None:
        raise ProjectError(
            f"{artifact.name!r} is not deployed in project {project.name!r}; "
            f"deploy it first with `deploy {artifact.name} --project {project.name}`."
        )
    return found

"""The drift state of each deployment, from three hashes; reading it writes nothing.

base = the deployment's version (what collection and project last agreed on),
project copy = the copy in `<project>/.claude/…` now, collection = the collection
copy's content now, recorded or not (what push would meet; the collection line's head
when there is no readable copy) (docs/projects.md):

| project copy vs base | collection vs base | state |
|---|---|---|
| same | same | in_sync |
| same | differs | outdated |
| differs | same | modified |
| differs | differs | conflict |
| no copy | — | missing |
"""
from __future__ import annotations

import enum
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Iterable

from core.content import TreeHash, copy_tree_hash
from core.errors import LineageError, describe_os_error
from core.history import (
    COLLECTION_LINE,
    ArtifactInfo,
    DeploymentInfo,
    Deployments,
    ProjectInfo,
    VersionInfo,
)
from core.projects.placement import check_inside_project, project_copy_path

if TYPE_CHECKING:
    from core.content import StatCache
    from core.workspace import Workspace

__all__ = [
    "DeploymentState", "DeploymentStatus", "classify_deployment", "deployment_states", "hash_copy", "wrong_shape",
]


class DeploymentState(str, enum.Enum):
    IN_SYNC = "in_sync"
    OUTDATED = "outdated"
    MODIFIED = "modified"
    CONFLICT = "conflict"
    MISSING = "missing"
    ERROR = "error"


@dataclass(frozen=True)
class DeploymentStatus:
    artifact_id: int
    artifact: str
    type: str
    project: str
    project_id: int
    state: DeploymentState
    deployed: str | None  # content hash of the deployment's version (base)
    project_copy: str | None  # the project copy now (None: no copy)
    collection: str | None  # the collection copy's content now (its line's head when no copy can be read)
    deployed_version_id: int | None = None
    project_head_id: int | None = None  # newest version on the project's line
    error: str | None = None


def classify_deployment(deployed: str | None, project_copy: str | None, collection: str | None) -> DeploymentState:
    if project_copy is None:
        return DeploymentState.MISSING
    copy_moved = project_copy != deployed
    collection_moved = collection != deployed
    if copy_moved and collection_moved:
        # Both moved, to the same content (e.g. the same edit made twice): nothing to do.
        return DeploymentState.IN_SYNC if project_copy == collection else DeploymentState.CONFLICT
    if copy_moved:
        return DeploymentState.MODIFIED
    if collection_moved:
        return DeploymentState.OUTDATED
    return DeploymentState.IN_SYNC


def entry_name_of(artifact: ArtifactInfo) -> bytes:
    return os.fsencode(PurePosixPath(artifact.place).name)


def wrong_shape(path: Path, artifact: ArtifactInfo, project: ProjectInfo) -> str | None:
    """A sentence when a file sits where the artifact's folder belongs, or a folder
    where its file belongs (as sync refuses such a collection copy); else None."""
    try:
        is_dir = stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None
    if is_dir == (artifact.shape == "dir"):
        return None
    found, belongs = ("a file", "a folder") if artifact.shape == "dir" else ("a folder", "a file")
    return (
        f"{project.name}'s copy of {artifact.name!r} ({path}) is {found} where {belongs} belongs; nothing was "
        f"changed. Move it away, or `deploy {artifact.name} --project {project.name} --strategy "
        "overwrite` (it is recorded first) to put the collection's copy back."
    )


def hash_copy(path: Path, artifact: ArtifactInfo, cache: "StatCache | None") -> TreeHash | None:
    """The copy's tree, or None when there is no copy."""
    if not os.path.lexists(path):
        return None
    return copy_tree_hash(path, artifact.shape, entry_name_of(artifact), cache)


def status_of(
    ws: "Workspace",
    artifact: ArtifactInfo,
    project: ProjectInfo,
    deployment: DeploymentInfo,
    deployed: VersionInfo | None,
    collection_head: VersionInfo | None,
    project_head: VersionInfo | None,
    *,
    cache: "StatCache | None" = None,
    collection_now: str | None = None,
) -> tuple[DeploymentStatus, TreeHash | None]:
    """One deployment's status, and the project copy's tree (None when missing or unreadable).
    `collection_now`: the collection copy's live content (default: `collection_head`'s)."""
    base = dict(
        artifact_id=artifact.id, artifact=artifact.name, type=artifact.type, project=project.name,
        project_id=project.id, deployed=deployed.content_hash if deployed else None,
        collection=collection_now or (collection_head.content_hash if collection_head else None),
        deployed_version_id=deployment.version_id,
        project_head_id=project_head.id if project_head else None,
    )
    try:
        target = project_copy_path(project, artifact)
        check_inside_project(project, target)
        shape_error = wrong_shape(target, artifact, project)
        if shape_error is not None:
            return DeploymentStatus(state=DeploymentState.ERROR, project_copy=None, error=shape_error, **base), None
        tree = hash_copy(target, artifact, cache)
    except LineageError as exc:
        return DeploymentStatus(state=DeploymentState.ERROR, project_copy=None, error=str(exc), **base), None
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        message = (f"Could not read {project.name}'s copy of {artifact.name!r}{where}: "
                   + describe_os_error(exc, "check the path") + ".")
        return DeploymentStatus(state=DeploymentState.ERROR, project_copy=None, error=message, **base), None
    copy = tree.content_hash if tree is not None else None
    state = classify_deployment(base["deployed"], copy, base["collection"])
    return DeploymentStatus(state=state, project_copy=copy, **base), tree


def live_collection_hash(ws: "Workspace", artifact: ArtifactInfo) -> str | None:
    """The collection copy's content now, recorded or not; None when there is no copy of
    the right shape or it cannot be read (the artifact's own status says why)."""
    from core.workspace import check_place

    try:
        place = check_place(ws.home.collection_dir, artifact)
        if not place.exists or place.wrong_shape:
            return None
        return copy_tree_hash(place.path, artifact.shape, entry_name_of(artifact), ws.stat_cache,
                              follow_root=False).content_hash
    except (LineageError, OSError):
        return None


def deployment_states(ws: "Workspace", artifact_ids: Iterable[int] | None = None) -> list[DeploymentStatus]:
    """The state of every deployment (of these artifacts), by artifact then project.

    A handful of queries whatever the number of deployments (deployments, every line's
    head, the deployed versions), then one hash per project copy and per deployed
    collection copy (the collection side is its live content, as push meets it) through
    the stat cache.
    Writes nothing but the stat cache in the data folder.
    """
    store = Deployments(ws.db)
    projects = {p.id: p for p in store.projects(ws.machine or None)}
    artifacts = {a.id: a for a in ws.history.list_artifacts()}
    # A teammate's deployments are theirs: their copies are on their machine. `remove` forgets an
    # artifact's deployments; a database written before it did keeps them: a removed artifact has
    # no collection copy to compare with, so they are not shown.
    deployments = [d for d in store.deployments(artifact_ids)
                   if d.project_id in projects and d.artifact_id in artifacts]
    if not deployments:
        return []
    heads = ws.history.all_heads({d.artifact_id for d in deployments})
    deployed = ws.history.versions_by_id(d.version_id for d in deployments)
    result = []
    live: dict[int, str | None] = {}  # one hash of each collection copy, however many projects
    for d in deployments:
        artifact, project = artifacts[d.artifact_id], projects[d.project_id]
        if artifact.id not in live:
            live[artifact.id] = live_collection_hash(ws, artifact)
        status, _tree = status_of(
            ws, artifact, project, d, deployed.get(d.version_id),
            heads.get((artifact.id, COLLECTION_LINE)), heads.get((artifact.id, project.name)),
            cache=ws.stat_cache, collection_now=live[artifact.id],
        )
        result.append(status)
    result.sort(key=lambda s: (s.type, s.artifact, s.project))
    try:
        ws.stat_cache.save()  # the data folder's cache only: the next status hashes nothing again
    except OSError:
        pass  # the cache only saves time; losing it is harmless
    return result

"""What Sync now does with deployments: record edits found in project copies and, when
asked, update outdated ones. It never touches a modified or conflicting copy."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from core.errors import LineageError
from core.history import Deployments
from core.projects.deploy import deploy
from core.projects.drift import DeploymentState, DeploymentStatus, deployment_states, hash_copy
from core.projects.install import record_copy
from core.projects.placement import project_copy_path

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["DeploymentCheck", "check_deployments"]


@dataclass(frozen=True)
class DeploymentCheck:
    status: DeploymentStatus  # as found before acting
    action: str  # "nothing", "recorded" (project edits), "updated" (redeployed), "failed"
    version_id: int | None = None
    error: str | None = None


def check_deployments(
    ws: "Workspace", artifact_ids: Iterable[int] | None = None, *, update_outdated: bool = False
) -> list[DeploymentCheck]:
    """Check every deployment (of these artifacts); one failure never stops the rest."""
    statuses = deployment_states(ws, artifact_ids)
    if not statuses:
        return []
    store = Deployments(ws.db)
    projects = {p.id: p for p in store.projects(ws.machine or None)}
    artifacts = {a.id: a for a in ws.history.list_artifacts()}
    checks = []
    for st in statuses:
        artifact, project = artifacts[st.artifact_id], projects[st.project_id]
        try:
            if st.state in (DeploymentState.MODIFIED, DeploymentState.CONFLICT):
                target = project_copy_path(project, artifact)
                tree = hash_copy(target, artifact, ws.stat_cache)
                head = ws.history.head(artifact.id, project.name)
                if tree is not None and (head is None or head.content_hash != tree.content_hash):
                    kept = record_copy(ws, artifact, project.name, target, tree, head,
                                       metadata={"found_by": "sync"})
                    checks.append(DeploymentCheck(st, "recorded", kept.id if kept else None))
                    continue
            elif st.state is DeploymentState.OUTDATED and update_outdated:
                result = deploy(ws, artifact, project)
                checks.append(DeploymentCheck(st, "updated", result.version_id))
                continue
            checks.append(DeploymentCheck(st, "failed" if st.error else "nothing", error=st.error))
        except (LineageError, OSError) as exc:
            checks.append(DeploymentCheck(st, "failed", error=str(exc)))
    return checks

"""Re-checking only the artifacts that changed: their sync states and their deployments' states.

What the window's full status run (core.sync.status_all) computes, for a few artifacts:
the same probe (core.sync.probe) and the same drift states (core.projects.deployment_states).
It records nothing and rolls no pending record forward (the process that holds one
finishes it, and that commit is itself a change seen next).

An upstream is fetched the first time an artifact is re-checked, and again whenever its
history changed (someone synced: the upstream may have moved); a copy edited on disk is
compared with the upstream fetched last time, so typing in an editor never starts a
`git fetch`. A fetched checkout that is gone since (pruned) is fetched again.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.projects import DeploymentStatus, deployment_states
from core.sync import ArtifactStatus
from core.sync.probe import heads_and_bases, probe_artifact, save_stat_cache

if TYPE_CHECKING:
    from core.upstreams import FetchedUpstream
    from core.workspace import Workspace

__all__ = ["LiveCheck", "Rechecker"]


@dataclass(frozen=True)
class LiveCheck:
    """The fresh states of the artifacts asked about (those still tracked) and of their deployments."""

    artifact_ids: frozenset[int]
    statuses: tuple[ArtifactStatus, ...] = ()
    deployments: tuple[DeploymentStatus, ...] = ()
    fetched: frozenset[int] = field(default_factory=frozenset)  # whose upstream was fetched for this check


class Rechecker:
    """Keeps the upstream each artifact was last compared with; one caller at a time."""

    def __init__(self, ws: "Workspace") -> None:
        self.ws = ws
        self._fetched: dict[int, "FetchedUpstream"] = {}

    def forget(self, artifact_ids: Iterable[int]) -> None:
        """These artifacts' upstreams are fetched again on their next check (their history moved)."""
        for artifact_id in artifact_ids:
            self._fetched.pop(artifact_id, None)

    def check(self, artifact_ids: Iterable[int], *, refetch: Iterable[int] = ()) -> LiveCheck:
        ids = frozenset(artifact_ids)
        self.forget(refetch)
        artifacts = [a for a in self.ws.history.list_artifacts() if a.id in ids]
        if not artifacts:
            return LiveCheck(ids)
        bases = heads_and_bases(self.ws, artifacts)
        statuses, fetched_now = [], set()
        for artifact in artifacts:
            known = self._fetched.get(artifact.id)
            probe = probe_artifact(self.ws, artifact, *bases[artifact.id], fetched=known)
            if known is not None and probe.error is not None and probe.upstream_tree is None:
                probe = probe_artifact(self.ws, artifact, *bases[artifact.id])  # the old checkout is gone
                known = None
            if known is None:
                fetched_now.add(artifact.id)
            if probe.fetched is not None:
                self._fetched[artifact.id] = probe.fetched
            statuses.append(probe.status())
        save_stat_cache(self.ws)
        deployments = deployment_states(self.ws, [a.id for a in artifacts])
        return LiveCheck(ids, tuple(statuses), tuple(deployments), frozenset(fetched_now))

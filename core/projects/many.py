"""Deploying or undeploying several artifacts at once: each as one would be, one failure never stops the rest.

`deploy A B C --project P`, `deploy --all`, and the window's multi-select use these; each
artifact's outcome is kept (the result, or core's sentence when it was refused or failed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from core.errors import LineageError
from core.history import ArtifactInfo, ProjectInfo
from core.projects.deploy import DeployStrategy, deploy
from core.projects.undeploy import undeploy

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["EachOutcome", "ManyOutcome", "deploy_each", "undeploy_each"]


@dataclass(frozen=True)
class EachOutcome:
    artifact: ArtifactInfo
    result: Any = None  # DeployResult / UndeployResult; None when it failed
    error: str | None = None  # core's sentence (a refusal names the strategies that resolve it)


@dataclass(frozen=True)
class ManyOutcome:
    verb: str  # "Deployed" / "Undeployed"
    project: str
    outcomes: tuple[EachOutcome, ...]

    @property
    def failed(self) -> tuple[EachOutcome, ...]:
        return tuple(o for o in self.outcomes if o.error is not None)

    def summary(self) -> str:
        """`Deployed 3 of 4 artifacts into web; pdf: <why>.` for a status line."""
        done = len(self.outcomes) - len(self.failed)
        into = "into" if self.verb == "Deployed" else "from"
        text = f"{self.verb} {done} of {len(self.outcomes)} artifact{'s' if len(self.outcomes) != 1 else ''} " \
               f"{into} {self.project}"
        for o in self.failed:
            text += f"; {o.artifact.name}: {o.error.rstrip('.')}"
        return text + "."


def deploy_each(ws: "Workspace", artifacts: Iterable[ArtifactInfo], project: ProjectInfo,
                strategy: DeployStrategy = DeployStrategy.REFUSE) -> ManyOutcome:
    """Deploy each artifact's collection head into `project`."""
    outcomes = []
    for artifact in artifacts:
        try:
            outcomes.append(EachOutcome(artifact, deploy(ws, artifact, project, None, strategy)))
        except LineageError as exc:
            outcomes.append(EachOutcome(artifact, error=str(exc)))
    return ManyOutcome("Deployed", project.name, tuple(outcomes))


def undeploy_each(ws: "Workspace", artifacts: Iterable[ArtifactInfo], project: ProjectInfo, *,
                  delete: bool = False) -> ManyOutcome:
    """Undeploy each artifact from `project` (those not deployed there are said so)."""
    outcomes = []
    for artifact in artifacts:
        try:
            outcomes.append(EachOutcome(artifact, undeploy(ws, artifact, project, delete=delete)))
        except (LineageError, OSError) as exc:
            outcomes.append(EachOutcome(artifact, error=str(exc)))
    return ManyOutcome("Undeployed", project.name, tuple(outcomes))

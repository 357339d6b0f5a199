"""Projects and deployments in the database: who receives which artifact, at which version.

A project is a registered folder whose `.claude/` receives deployed artifacts; its
name is also the name of its line of versions. A deployment is (artifact, project,
version last exchanged between them): deploy sets it to the version it recorded on
the project's line, push to the project version it brought back. Values returned
are plain dataclasses, as in core.history.versions.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy.exc as sa_exc
from sqlalchemy import select, update

from core.errors import ProjectError
from core.history.models import RESERVED_LINES, ArtifactVersion, Deployment, Project, utcnow

if TYPE_CHECKING:
    from core.history.db import Database

__all__ = ["ProjectInfo", "DeploymentInfo", "Deployments", "retired_line"]


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    name: str
    path: str
    created_at: datetime
    # The member (data folder) that registered it: only that one writes to it. None:
    # registered before migration 0004, any member may.
    machine: str | None = None

    def belongs_to(self, machine: str | None) -> bool:
        return self.machine is None or machine is None or self.machine == machine


@dataclass(frozen=True)
class DeploymentInfo:
    id: int
    artifact_id: int
    project_id: int
    version_id: int  # on the project's line: the base of the deployment's drift state
    deployed_at: datetime


def _project(row: Project) -> ProjectInfo:
    return ProjectInfo(id=row.id, name=row.name, path=row.path, created_at=row.created_at, machine=row.machine)


def _deployment(row: Deployment) -> DeploymentInfo:
    return DeploymentInfo(
        id=row.id, artifact_id=row.artifact_id, project_id=row.project_id,
        version_id=row.version_id, deployed_at=row.deployed_at,
    )


def check_project_name(name: str) -> str:
    """A project's name names its line: not empty, not reserved, no path separator."""
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ProjectError(f"The project name {name!r} is empty or padded with spaces; give a plain name such as 'web'.")
    if name in RESERVED_LINES:
        raise ProjectError(
            f"{name!r} names a line of every artifact and cannot be a project's name; choose another name."
        )
    if "/" in name or "\\" in name or "\0" in name or any(ord(c) < 32 for c in name):
        raise ProjectError(f"The project name {name!r} holds a separator or control character; use a plain name.")
    return name


def retired_line(name: str, project_id: int) -> str:
    """The line a removed project's versions move to: `web/removed-3`. No project can
    take that name (a project name holds no `/`); it fits the 255 characters of a line."""
    suffix = f"/removed-{project_id}"
    return name[:255 - len(suffix)] + suffix


class Deployments:
    """Projects and deployments in one `core.history.db.Database`. Safe to share between threads."""

    def __init__(self, db: "Database") -> None:
        self.db = db

    # --- projects ------------------------------------------------------------------

    def add_project(self, name: str, path: str, machine: str | None = None) -> ProjectInfo:
        check_project_name(name)
        taken = ProjectError(f"A project named {name!r} is already registered; `project list` shows it.")
        with self.db.write() as s:
            if s.scalar(select(Project.id).where(Project.name == name)) is not None:
                raise taken
            row = Project(name=name, path=path, created_at=utcnow(), machine=machine)
            s.add(row)
            try:
                s.flush()
            except sa_exc.IntegrityError as exc:  # another client registered it first
                raise taken from exc
            return _project(row)

    def projects(self, machine: str | None = None) -> list[ProjectInfo]:
        """Every project, or only those `machine` may write to (its own, and older ones with no owner)."""
        with self.db.session() as s:
            found = [_project(r) for r in s.scalars(select(Project).order_by(Project.name))]
        return [p for p in found if p.belongs_to(machine)]

    def project(self, name: str) -> ProjectInfo:
        with self.db.session() as s:
            row = s.scalars(select(Project).where(Project.name == name)).first()
            if row is None:
                raise ProjectError(f"No project named {name!r}; `project list` shows the projects there are.")
            return _project(row)

    def remove_project(self, name: str) -> ProjectInfo:
        """Stop tracking the project: its deployments go; its versions stay in history, on
        the line `retired_line(name, id)`, so a project added later under the same name
        starts a line of its own instead of continuing this one."""
        with self.db.write() as s:
            row = s.scalars(select(Project).where(Project.name == name)).first()
            if row is None:
                raise ProjectError(f"No project named {name!r}; `project list` shows the projects there are.")
            info = _project(row)
            s.execute(update(ArtifactVersion).where(ArtifactVersion.line == name)
                      .values(line=retired_line(name, info.id)))
            s.delete(row)
            return info

    # --- deployments ----------------------------------------------------------------

    def deployments(
        self, artifact_ids: Iterable[int] | None = None, project_id: int | None = None
    ) -> list[DeploymentInfo]:
        """Every deployment (of these artifacts, into this project), in one query."""
        query = select(Deployment).order_by(Deployment.artifact_id, Deployment.project_id)
        if project_id is not None:
            query = query.where(Deployment.project_id == project_id)
        wanted = None if artifact_ids is None else set(artifact_ids)
        with self.db.session() as s:
            rows = [_deployment(r) for r in s.scalars(query)]
        return [d for d in rows if wanted is None or d.artifact_id in wanted]

    def deployment(self, artifact_id: int, project_id: int) -> DeploymentInfo | None:
        with self.db.session() as s:
            row = s.scalars(
                select(Deployment).where(Deployment.artifact_id == artifact_id, Deployment.project_id == project_id)
            ).first()
            return _deployment(row) if row is not None else None

    def forget_artifact(self, artifact_id: int) -> list[str]:
        """Drop every deployment of an artifact (`remove`); returns the projects' names.
        The project copies and the versions on the projects' lines stay."""
        with self.db.write() as s:
            rows = list(s.scalars(select(Deployment).where(Deployment.artifact_id == artifact_id)))
            names = [s.get(Project, r.project_id).name for r in rows]
            for row in rows:
                s.delete(row)
            return sorted(names)

    def set_deployment(self, artifact_id: int, project_id: int, version_id: int) -> DeploymentInfo:
        """Create or move the deployment of an artifact into a project to `version_id`."""
        with self.db.write() as s:
            row = s.scalars(
                select(Deployment).where(Deployment.artifact_id == artifact_id, Deployment.project_id == project_id)
                .with_for_update()
            ).first()
            if row is None:
                row = Deployment(artifact_id=artifact_id, project_id=project_id, version_id=version_id,
                                 deployed_at=utcnow())
                s.add(row)
            else:
                row.version_id = version_id
                row.deployed_at = utcnow()
            s.flush()
            return _deployment(row)

    def remove_deployment(self, artifact_id: int, project_id: int) -> bool:
        """Forget the deployment of an artifact into a project (`undeploy`); its versions stay. False: none."""
        with self.db.write() as s:
            row = s.scalars(
                select(Deployment).where(Deployment.artifact_id == artifact_id, Deployment.project_id == project_id)
            ).first()
            if row is None:
                return False
            s.delete(row)
            return True

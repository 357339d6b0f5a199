"""The projects panel's model: projects, and under each its deployments with their states.

Fed by `core.projects.list_projects` and `core.projects.deployment_states` (loaded on a
worker, see gui/project_actions.py). The model shows what core said; the states and what
they mean come from core (docs/projects.md), never from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from core.history import ProjectInfo
from core.projects import DeploymentState, DeploymentStatus
from core.textsafe import printable

ProjectNameRole = Qt.ItemDataRole.UserRole + 1
ArtifactIdRole = Qt.ItemDataRole.UserRole + 2
DeploymentStateRole = Qt.ItemDataRole.UserRole + 3

NAME_COLUMN, STATE_COLUMN, FOLDER_COLUMN = 0, 1, 2
HEADERS = ("Project / artifact", "State", "Folder")

# Words for people; the states themselves are core's.
STATE_LABELS: dict[DeploymentState, str] = {
    DeploymentState.IN_SYNC: "in sync",
    DeploymentState.OUTDATED: "outdated",
    DeploymentState.MODIFIED: "modified in project",
    DeploymentState.CONFLICT: "conflict",
    DeploymentState.MISSING: "missing",
    DeploymentState.ERROR: "error",
}


@dataclass(frozen=True)
class ProjectsSnapshot:
    """What the panel shows, read in one go on a worker."""

    projects: list[ProjectInfo]
    statuses: list[DeploymentStatus]


def load_snapshot(ws: Any) -> ProjectsSnapshot:
    from core import projects

    return ProjectsSnapshot(projects.list_projects(ws), projects.deployment_states(ws))


class ProjectModel(QAbstractItemModel):
    """Two levels: project rows (internal id 0) and deployment rows (internal id = project row + 1)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._projects: list[ProjectInfo] = []
        self._deployments: list[list[DeploymentStatus]] = []

    # --- feeding -----------------------------------------------------------
    def set_snapshot(self, snapshot: ProjectsSnapshot) -> None:
        self.beginResetModel()
        self._projects = sorted(snapshot.projects, key=lambda p: p.name.lower())
        by_project: dict[int, list[DeploymentStatus]] = {}
        for status in snapshot.statuses:
            by_project.setdefault(status.project_id, []).append(status)
        self._deployments = [
            sorted(by_project.get(p.id, []), key=lambda s: (s.artifact.lower(), s.type)) for p in self._projects
        ]
        self.endResetModel()

    # --- reading -----------------------------------------------------------
    def projects(self) -> list[ProjectInfo]:
        return list(self._projects)

    def statuses(self) -> list[DeploymentStatus]:
        return [s for group in self._deployments for s in group]

    def statuses_in(self, state: DeploymentState) -> list[DeploymentStatus]:
        return [s for s in self.statuses() if s.state is state]

    def deployments_of(self, artifact_id: int) -> list[DeploymentStatus]:
        return [s for s in self.statuses() if s.artifact_id == artifact_id]

    def status_at(self, index: QModelIndex) -> DeploymentStatus | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self._deployments[index.internalId() - 1][index.row()]

    def project_at(self, index: QModelIndex) -> ProjectInfo | None:
        if not index.isValid():
            return None
        row = index.row() if index.internalId() == 0 else index.internalId() - 1
        return self._projects[row]

    # --- QAbstractItemModel --------------------------------------------------
    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        if parent.internalId() == 0:
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    def parent(self, index: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._projects)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._deployments[parent.row()])
        return 0

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            project = self._projects[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                if index.column() == NAME_COLUMN:
                    return printable(project.name)
                if index.column() == STATE_COLUMN:
                    return _summary(self._deployments[index.row()])
                if index.column() == FOLDER_COLUMN:
                    return printable(project.path)
            if role == Qt.ItemDataRole.ToolTipRole:
                return printable(project.path)
            if role == ProjectNameRole:
                return project.name
            return None
        status = self._deployments[index.internalId() - 1][index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == NAME_COLUMN:
                return f"{printable(status.artifact)} ({status.type})"
            if index.column() == STATE_COLUMN:
                return STATE_LABELS.get(status.state, status.state.value)
            return None
        if role == Qt.ItemDataRole.ToolTipRole and status.error:
            return printable(status.error)
        if role == ProjectNameRole:
            return status.project
        if role == ArtifactIdRole:
            return status.artifact_id
        if role == DeploymentStateRole:
            return status.state.value
        return None


def _summary(statuses: list[DeploymentStatus]) -> str:
    if not statuses:
        return "nothing deployed"
    counts: dict[str, int] = {}
    for status in statuses:
        label = STATE_LABELS.get(status.state, status.state.value)
        counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{n} {label}" for label, n in counts.items())

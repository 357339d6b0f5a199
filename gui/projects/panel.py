"""The projects panel: projects, their deployments and states, and the actions on them.

A tree of projects → deployments (gui/project_model.py) loaded on a worker, with
"Add project…", "Update outdated projects" and a context menu on a deployment (push to
the collection, deploy the collection's copy again). The actions are ProjectActions'
(gui/project_actions.py): they ask first, run on a worker and report core's sentence.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from core.projects import DeploymentState
from gui.projects.model import ProjectModel, ProjectsSnapshot

if TYPE_CHECKING:
    from gui.projects.actions import ProjectActions

RESOLVE = "merge waiting — Resolve…"
UPDATE_OUTDATED = "Update outdated projects"


def update_outdated_text(count: int) -> str:
    """"Update outdated projects (N)", or without a count when there is none."""
    return f"{UPDATE_OUTDATED} ({count})" if count else UPDATE_OUTDATED


class ProjectsPanel(QWidget):
    """Shows ProjectModel; `artifactActivated(id)` when a deployment is double-clicked."""

    artifactActivated = Signal(int)
    resolveRequested = Signal(int, str)  # artifact id, project: open its waiting merge

    # The panel's natural height: its buttons and a few rows. The dock area sizes the dock from
    # it on a layout pass of its own (the tree alone asks for ~230 px, and under X11 that pass
    # came after the controller's resizeDocks, taking the compare panel's diff down to 3 lines).
    PREFERRED_HEIGHT = 140

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.PREFERRED_HEIGHT)

    def __init__(self, actions: "ProjectActions", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectsPanel")
        self.actions = actions
        self.model = ProjectModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu_at)
        self.tree.doubleClicked.connect(self._on_double_click)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

        self.add_button = QPushButton("Add project…")
        self.add_button.clicked.connect(self.ask_add_project)
        self.update_button = QPushButton(UPDATE_OUTDATED)
        self.update_button.setEnabled(False)
        self.update_button.clicked.connect(self.update_outdated)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # an indeterminate bar: core reports no steps for one copy
        self.busy.setMaximumHeight(10)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.update_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)

        actions.busyChanged.connect(self._on_busy)
        actions.message.connect(self.status.setText)
        actions.failed.connect(self.status.setText)
        actions.snapshotLoaded.connect(self.set_snapshot)
        actions.changed.connect(self.reload)

    def reload(self) -> None:
        self.actions.load()

    def set_snapshot(self, snapshot: ProjectsSnapshot) -> None:
        self.model.set_snapshot(snapshot)
        self.tree.expandAll()
        self._update_buttons()

    def outdated_count(self) -> int:
        return len(self.model.statuses_in(DeploymentState.OUTDATED))

    def update_outdated(self) -> None:
        if self.outdated_count():
            self.actions.update_outdated(self.outdated_count())

    def ask_add_project(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Project folder")
        if not folder:
            return
        name, ok = QInputDialog.getText(self, "Add project", "Project name:", text=Path(folder).name)
        if ok and name.strip():
            self.actions.add_project(name.strip(), folder)

    def _update_buttons(self) -> None:
        count = self.outdated_count()
        self.update_button.setEnabled(count > 0 and not self.actions.is_busy())
        self.update_button.setText(update_outdated_text(count))

    def _on_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.add_button.setEnabled(not busy)
        self._update_buttons()

    def _on_double_click(self, index) -> None:
        status = self.model.status_at(index)
        if status is not None:
            self.artifactActivated.emit(status.artifact_id)

    def _menu_at(self, pos: QPoint) -> None:
        menu = self.menu_for(self.tree.indexAt(pos))
        if menu is not None:
            menu.exec(self.tree.viewport().mapToGlobal(pos))

    def menu_for(self, index) -> QMenu | None:
        """The context menu of a deployment row (None elsewhere); tests trigger its actions."""
        status = self.model.status_at(index)
        project = self.model.project_at(index)
        if status is None or project is None:
            return None
        artifact = self.actions.ws.history.artifact(status.artifact_id)
        from core.sync.pending import has_pending

        menu = QMenu(self)
        if has_pending(self.actions.ws.home, status.artifact_id, project.name):
            resolve = menu.addAction(RESOLVE)
            resolve.triggered.connect(lambda: self.resolveRequested.emit(status.artifact_id, project.name))
        push = menu.addAction("Push to collection")
        push.setEnabled(status.state in (DeploymentState.MODIFIED, DeploymentState.CONFLICT))
        push.triggered.connect(lambda: self.actions.push(artifact, project))
        deploy = menu.addAction("Deploy the collection's copy again")
        deploy.setEnabled(status.state is not DeploymentState.IN_SYNC)
        deploy.triggered.connect(lambda: self.actions.deploy(artifact, project))
        show = menu.addAction("Show in graph")
        show.triggered.connect(lambda: self.artifactActivated.emit(status.artifact_id))
        return menu

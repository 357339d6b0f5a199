"""The menu bar's verbs: Artifact's Deploy to ▸, Push from ▸, Restore ▸ and Merge…, the Projects
menu (Add, Remove ▸, Update outdated, Show) and Help's documentation and About.

Every command-line verb has its place here (docs/gui.md, "Menus"). The submenus are filled
when they open, from what the window already shows (the projects panel's snapshot, the
selected artifact and version); the actions are the project actions' (gui.projects.actions:
they ask first and run core on a worker) and the window's merge view. A submenu's key
(gui/hotkeys.py) pops it up under the menu bar.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPoint, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu, QMessageBox

from core.history import COLLECTION_LINE
from core.projects import DeploymentState
from core.textsafe import printable
from gui import hotkeys
from gui.projects.panel import UPDATE_OUTDATED, update_outdated_text

DEPLOY_TO = "&Deploy to"
PUSH_FROM = "&Push from"
RESTORE = "Res&tore"
MERGE = "&Merge…"
DOCS_FILE = Path(__file__).resolve().parents[2] / "docs" / "gui.md"
PUSHABLE = (DeploymentState.MODIFIED, DeploymentState.CONFLICT)


def _menu_text(name: str) -> str:
    return printable(name).replace("&", "&&")


class VerbMenus(QObject):
    """Adds the verbs to `window`'s menu bar (after its ProjectsController exists)."""

    def __init__(self, window: Any, artifact_menu: QMenu, before: QAction, help_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.actions = window.projects.actions
        self.panel = window.projects.panel

        # Artifact: Deploy to ▸, Push from ▸, Restore ▸, Merge… (before Edit upstream…, Remove…).
        self.deploy_menu = QMenu(DEPLOY_TO, artifact_menu)
        self.push_menu = QMenu(PUSH_FROM, artifact_menu)
        self.restore_menu = QMenu(RESTORE, artifact_menu)
        for menu, fill in ((self.deploy_menu, self.fill_deploy), (self.push_menu, self.fill_push),
                           (self.restore_menu, self.fill_restore)):
            menu.aboutToShow.connect(fill)
            artifact_menu.insertMenu(before, menu)
        self.merge_action = QAction(MERGE, self)
        self.merge_action.setToolTip("Open the selected artifact's waiting merge (from Sync now, a push or a deploy)")
        self.merge_action.triggered.connect(self.open_merge)
        artifact_menu.insertAction(before, self.merge_action)
        artifact_menu.insertSeparator(before)
        artifact_menu.aboutToShow.connect(self.update_merge)

        # Projects: Add project…, Remove project ▸, Update outdated projects (N), Show projects.
        self.projects_menu = QMenu("P&rojects", window.menuBar())
        self.add_project_action = QAction("&Add project…", self)
        self.add_project_action.triggered.connect(self.panel.ask_add_project)
        self.remove_project_menu = QMenu("&Remove project", self.projects_menu)
        self.remove_project_menu.aboutToShow.connect(self.fill_remove_project)
        self.update_action = QAction(UPDATE_OUTDATED, self)
        self.update_action.triggered.connect(self.panel.update_outdated)
        dock = window.projects.dock
        self.show_action = QAction("&Show projects", self)  # the toolbar keeps the dock's own "Projects" toggle
        self.show_action.setCheckable(True)
        self.show_action.setChecked(dock.isVisible())
        self.show_action.triggered.connect(lambda shown: dock.setVisible(shown))
        dock.visibilityChanged.connect(self.show_action.setChecked)
        self.projects_menu.addAction(self.add_project_action)
        self.projects_menu.addMenu(self.remove_project_menu)
        self.projects_menu.addAction(self.update_action)
        self.projects_menu.addSeparator()
        self.projects_menu.addAction(self.show_action)
        self.projects_menu.aboutToShow.connect(self.update_outdated_count)
        self.actions.snapshotLoaded.connect(self.update_outdated_count)
        self.actions.busyChanged.connect(self.update_outdated_count)
        window.menuBar().insertMenu(help_menu.menuAction(), self.projects_menu)

        # Help: the documentation and About (Keyboard shortcuts is the menu bar's own).
        self.docs_action = QAction("&Documentation", self)
        self.docs_action.triggered.connect(self.open_docs)
        self.about_action = QAction("&About Artifact Lineage", self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.docs_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        self.about_box: QMessageBox | None = None

        # Keys: the plain actions take theirs; a submenu's key pops it up (window-wide actions).
        for action, key in ((self.merge_action, hotkeys.MERGE), (self.add_project_action, hotkeys.ADD_PROJECT),
                            (self.update_action, hotkeys.UPDATE_OUTDATED), (self.show_action, hotkeys.SHOW_PROJECTS),
                            (self.docs_action, hotkeys.DOCS), (self.about_action, hotkeys.ABOUT)):
            key.apply(action)
        self.popup_actions: list[QAction] = []
        for menu, key in ((self.deploy_menu, hotkeys.DEPLOY_TO), (self.push_menu, hotkeys.PUSH_FROM),
                          (self.restore_menu, hotkeys.RESTORE), (self.remove_project_menu, hotkeys.REMOVE_PROJECT)):
            popup = QAction(f"{menu.title().replace('&', '')} ▸", self)
            menu.setTitle(f"{menu.title()}\t{key.text()}")  # after a tab: drawn in the menu's key column
            key.apply(popup)
            popup.triggered.connect(lambda _=False, m=menu: self.pop_up(m))
            window.addAction(popup)
            self.popup_actions.append(popup)
        self.update_outdated_count()

    def key_actions(self) -> list[QAction]:
        """The actions with a key, in menu order (for Help → Keyboard shortcuts)."""
        deploy, push, restore, remove = self.popup_actions
        return [deploy, push, restore, self.merge_action, self.add_project_action, remove, self.update_action,
                self.show_action, self.docs_action, self.about_action]

    # --- what the menus act on ----------------------------------------------
    def _artifact(self):
        artifact_id = self.window.browser.artifact_id  # the artifact the window shows
        return self.window.ws.history.artifact(artifact_id) if artifact_id is not None else None

    def _none(self, menu: QMenu, text: str) -> None:
        menu.addAction(text).setEnabled(False)

    @Slot()
    def fill_deploy(self) -> None:
        menu = self.deploy_menu
        menu.clear()
        artifact = self._artifact()
        projects = self.actions.projects()
        if artifact is None or not projects:
            self._none(menu, "Select an artifact first" if artifact is None else "No projects yet: Projects → Add project…")
            return
        for project in projects:
            act = menu.addAction(_menu_text(project.name))
            act.setToolTip(printable(project.path))
            act.setEnabled(not self.actions.is_busy())
            act.triggered.connect(lambda _=False, p=project: self.actions.deploy(artifact, p))

    @Slot()
    def fill_push(self) -> None:
        menu = self.push_menu
        menu.clear()
        artifact = self._artifact()
        statuses = self.panel.model.deployments_of(artifact.id) if artifact is not None else []
        if not statuses:
            self._none(menu, "Select an artifact first" if artifact is None else "Not deployed in any project")
            return
        by_name = {p.name: p for p in self.actions.projects()}
        for status in statuses:
            project = by_name.get(status.project)
            act = menu.addAction(f"{_menu_text(status.project)}  ({status.state.value.replace('_', ' ')})")
            act.setEnabled(project is not None and status.state in PUSHABLE and not self.actions.is_busy())
            if project is not None:
                act.triggered.connect(lambda _=False, p=project: self.actions.push(artifact, p))

    @Slot()
    def fill_restore(self) -> None:
        menu = self.restore_menu
        menu.clear()
        artifact = self._artifact()
        browser = self.window.browser
        version = next((v for v in browser.versions if v.id == browser.shown_version), None)
        if artifact is None or version is None or browser.artifact_id != artifact.id:
            self._none(menu, "Select a version in the graph first")
            return
        into = menu.addAction(f"the selected version into the {COLLECTION_LINE}")
        into.triggered.connect(lambda: self.actions.restore(artifact, version, None))
        by_name = {p.name: p for p in self.actions.projects()}
        for status in self.panel.model.deployments_of(artifact.id):
            project = by_name.get(status.project)
            if project is not None:
                act = menu.addAction(f"the selected version into {_menu_text(project.name)}")
                act.triggered.connect(lambda _=False, p=project: self.actions.restore(artifact, version, p))
        for act in menu.actions():
            act.setEnabled(not self.actions.is_busy())

    def waiting_merge_line(self) -> str | None:
        """The line of the selected artifact's waiting merge (the collection's first), or None."""
        from core.sync.pending import has_pending

        artifact = self._artifact()
        if artifact is None:
            return None
        lines = [COLLECTION_LINE] + [s.project for s in self.panel.model.deployments_of(artifact.id)]
        return next((line for line in lines if has_pending(self.window.ws.home, artifact.id, line)), None)

    @Slot()
    def update_merge(self) -> None:
        line = self.waiting_merge_line()
        self.merge_action.setEnabled(line is not None)
        self.merge_action.setStatusTip("" if line is not None else "No merge is waiting for the selected artifact.")

    @Slot()
    def open_merge(self) -> None:
        line = self.waiting_merge_line()
        artifact = self._artifact()
        if artifact is None or line is None:
            self.window.statusBar().showMessage(
                "No merge is waiting for the selected artifact: Sync now, or a refused push or deploy, starts one.",
                10000)
            return
        self.window.open_merge_view(artifact.id, line)

    @Slot()
    def fill_remove_project(self) -> None:
        menu = self.remove_project_menu
        menu.clear()
        projects = self.actions.projects()
        if not projects:
            self._none(menu, "No projects yet")
            return
        for project in projects:
            act = menu.addAction(_menu_text(project.name) + "…")
            act.setToolTip(printable(project.path))
            act.setEnabled(not self.actions.is_busy())
            act.triggered.connect(lambda _=False, p=project: self.actions.remove_project(p))

    @Slot()
    def update_outdated_count(self, *_args: object) -> None:
        count = self.panel.outdated_count()
        self.update_action.setText(update_outdated_text(count))
        self.update_action.setEnabled(count > 0 and not self.actions.is_busy())

    def pop_up(self, menu: QMenu) -> None:
        bar = self.window.menuBar()
        menu.popup(bar.mapToGlobal(QPoint(0, bar.height())))

    # --- help ----------------------------------------------------------------
    @Slot()
    def open_docs(self) -> None:
        if DOCS_FILE.exists():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(DOCS_FILE)))
            self.window.statusBar().showMessage(f"Opened {DOCS_FILE}.", 8000)
        else:
            self.window.statusBar().showMessage(
                "The documentation is not installed beside the program; see docs/ in its source.", 10000)

    @Slot()
    def show_about(self) -> QMessageBox:
        from core.version import app_version

        box = QMessageBox(QMessageBox.Icon.Information, "About Artifact Lineage",
                          f"Artifact Lineage {app_version()}", parent=self.window)
        box.setInformativeText(
            "Keeps a local collection of Claude Code artifacts synced from their upstreams and shows every "
            f"version's lineage.\n\nData folder: {printable(str(self.window.ws.home.root))}")
        box.finished.connect(box.deleteLater)
        self.about_box = box
        box.open()
        return box

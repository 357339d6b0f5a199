"""Projects in the main window: the docked panel, the menus, the Lines menu, the upstream ghost.

Wires `ProjectActions` (asking, workers) and `ProjectsPanel` into the window: the
artifact list's context menu (Deploy to project ▸), the graph's node menu
(gui/node_menu.py), the graph's **Lines** menu (hide a line, fold long runs, highlight ancestry), the
"waiting upstream" ghost fed from core.sync's statuses, and after Sync now the
banner's **Update outdated projects** when core reports outdated deployments. After
any action the graph, the states and the panel are loaded again.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QToolButton

from core.history import COLLECTION_LINE
from core.sync import SyncState
from core.textsafe import printable
from gui import hotkeys
from gui.projects.node_menu import (
    BLAME, COMPARE_WAITING, RESOLVE_MERGE, add_deploy_many_menu, add_deploy_menu, add_undeploy_menu, node_menu,
)
from gui.projects.actions import ProjectActions
from gui.projects.panel import UPDATE_OUTDATED, ProjectsPanel, update_outdated_text

# States whose upstream hash is content the collection does not hold yet (core.sync).
WAITING_STATES = (SyncState.UPSTREAM_CHANGED, SyncState.DIVERGED)
DOCK_HEIGHT = 170


class ProjectsController(QObject):
    def __init__(self, window: Any) -> None:
        """`window` is the MainWindow (not imported: it imports this module)."""
        super().__init__(window)
        self.window = window
        self.actions = ProjectActions(window.ws, window)
        self.panel = ProjectsPanel(self.actions)
        self.dock = QDockWidget("Projects", window)
        self.dock.setObjectName("projectsDock")
        self.dock.setWidget(self.panel)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
                                  | Qt.DockWidgetArea.RightDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        window.toolbar.addAction(self.dock.toggleViewAction())
        # Hidden until there is a project to show, so a collection without projects keeps
        # its whole height for the graph; shown once when projects first appear.
        self.dock.hide()
        self._auto_shown = False
        self.actions.snapshotLoaded.connect(self._show_when_projects)
        self.actions.snapshotLoaded.connect(self._recount_offer)  # after the panel's own update

        self.lines_button = QToolButton()
        self.lines_button.setText("Lines")
        self.lines_button.setToolTip("Show or hide the graph's lines (collection, upstream, projects)")
        self.lines_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.lines_menu = QMenu(self.lines_button)
        self.lines_menu.aboutToShow.connect(self.fill_lines_menu)
        self.lines_button.setMenu(self.lines_menu)
        window.toolbar.addWidget(self.lines_button)

        window.browser.waiting_of = self.waiting_upstream
        window.graph.nodeMenuRequested.connect(self._on_node_menu)
        self.panel.artifactActivated.connect(window.select_artifact)
        self.actions.changed.connect(self._after_change)
        # A push or deploy merge that stopped on conflicts: the same merge view as Sync now's.
        self.actions.mergeWaiting.connect(window.open_merge_view)
        self.panel.resolveRequested.connect(window.open_merge_view)
        self.actions.failed.connect(lambda text: window.statusBar().showMessage(text, 15000))
        self.actions.message.connect(lambda text: window.statusBar().showMessage(text, 8000))
        self.panel.reload()

    @Slot(object)
    def _show_when_projects(self, snapshot) -> None:
        if snapshot.projects and not self._auto_shown:
            self._auto_shown = True
            self.dock.show()
            # A few rows' height: the graph keeps most of the window. A height the person
            # chose (restored with window/state) is kept.
            if "window/state" not in getattr(self.window, "restored_layout", set()):
                self.window.resizeDocks([self.dock], [DOCK_HEIGHT], Qt.Orientation.Vertical)

    # --- what core said ------------------------------------------------------
    def waiting_upstream(self, artifact_id: int) -> str | None:
        status = self.window.model.status(artifact_id)
        if status is not None and status.state in WAITING_STATES and status.upstream:
            return status.upstream
        return None

    def states_changed(self) -> None:
        """New states: redraw the graph if its waiting-upstream ghost is out of date."""
        current = self.window.browser.artifact_id
        graph = self.window.graph.graph()
        if current is None or graph is None or self.window.browser.loading is not None:
            return
        drawn = next((d["content_hash"] for _n, d in graph.nodes(data=True) if d.get("waiting")), None)
        if drawn != self.waiting_upstream(current):
            self.window.browser.reload()

    def after_sync(self) -> None:
        """Reload the panel; when it shows outdated deployments, offer to update them."""
        self.actions.snapshotLoaded.connect(self._offer_update, Qt.ConnectionType.SingleShotConnection)
        self.panel.reload()

    @Slot(object)
    def _offer_update(self, _snapshot: object) -> None:
        count = self.panel.outdated_count()
        if count:
            self.window.banner.offer(update_outdated_text(count), self.panel.update_outdated)

    @Slot(object)
    def _recount_offer(self, _snapshot: object) -> None:
        """Every new snapshot: the banner's "Update outdated projects (N)" says the N of now, or goes."""
        offered = self.window.banner.offered()
        if offered is not None and offered.startswith(UPDATE_OUTDATED):
            count = self.panel.outdated_count()
            self.window.banner.update_offer(update_outdated_text(count) if count else None)

    @Slot()
    def _after_change(self) -> None:
        self.window.browser.reload()
        self.window.refresh_statuses()

    # --- menus ---------------------------------------------------------------
    def node_menu(self, version_id: int) -> QMenu | None:
        """The graph node's menu (None for an unknown version); tests trigger its actions."""
        browser = self.window.browser
        artifact_id = browser.artifact_id
        if artifact_id is None or version_id not in {v.id for v in browser.versions}:
            return None
        artifact = self.window.ws.history.artifact(artifact_id)
        version = next(v for v in browser.versions if v.id == version_id)
        deployed = {s.project for s in self.panel.model.deployments_of(artifact_id)}
        parent_id = version.parent_id
        compare = None
        if parent_id is not None:
            compare = lambda: browser.show_version(version_id)  # noqa: E731 (the panel shows it against its parent)
        return node_menu(self.window, self.actions, artifact, version, self.actions.projects(), deployed, compare,
                         self._views(artifact_id, version_id))

    def _views(self, artifact_id: int, version_id: int) -> list[tuple[str, Callable[[], None] | None]]:
        """Blame, the waiting-upstream preview and the merge view, from a node's menu."""
        from core.errors import LineageError
        from core.sync.pending import load_pending

        window, browser = self.window, self.window.browser
        waiting = browser.waiting_of(artifact_id)
        try:
            merge_waits = load_pending(window.ws.home, artifact_id) is not None
        except LineageError:
            merge_waits = True  # the merge view says what is wrong with it
        return [
            (BLAME, lambda: window.show_blame(version_id)),
            (COMPARE_WAITING, (lambda: browser.compare_waiting(waiting)) if waiting else None),
            (RESOLVE_MERGE, (lambda: window.open_merge_view(artifact_id)) if merge_waits else None),
        ]

    def artifact_menu(self, artifact_id: int, menu: QMenu | None = None, selected: list[int] | None = None) -> QMenu:
        """Deploy to project ▸ and Undeploy from project ▸, added to `menu` (the window's right-click menu)
        or a new one; for the `selected` artifacts when several are (multi-select in the list)."""
        history = self.window.ws.history
        ids = selected if selected and len(selected) > 1 and artifact_id in selected else [artifact_id]
        artifacts = [history.artifact(i) for i in ids]
        menu = menu if menu is not None else QMenu(self.window)
        projects = self.actions.projects()
        deployed = {s.project for i in ids for s in self.panel.model.deployments_of(i)}
        if len(artifacts) == 1:
            add_deploy_menu(menu, self.actions, artifacts[0], projects)
        else:
            add_deploy_many_menu(menu, self.actions, artifacts, projects)
        add_undeploy_menu(menu, self.actions, artifacts, [p for p in projects if p.name in deployed])
        return menu

    @Slot(int, QPoint)
    def _on_node_menu(self, version_id: int, global_pos: QPoint) -> None:
        menu = self.node_menu(version_id)
        if menu is not None:
            menu.exec(global_pos)

    @Slot()
    def fill_lines_menu(self) -> None:
        menu, browser = self.lines_menu, self.window.browser
        menu.clear()
        for line in self.window.graph.all_lines():
            act = QAction(printable(line), menu)
            act.setCheckable(True)
            act.setChecked(line not in browser.hidden_lines)
            act.setEnabled(line != COLLECTION_LINE)  # the collection's line is always drawn
            act.toggled.connect(lambda shown, line=line: self.set_line_shown(line, shown))
            menu.addAction(act)
        menu.addSeparator()
        fold = menu.addAction("Fold long straight runs (past a screenful)")
        fold.setCheckable(True)
        fold.setChecked(browser.fold)
        fold.toggled.connect(self.set_fold)
        graph = self.window.graph
        lit = menu.addAction(hotkeys.tip("Highlight the selection's ancestry", hotkeys.GRAPH_HIGHLIGHT))
        lit.setCheckable(True)
        lit.setChecked(graph.highlight_ancestry())
        lit.toggled.connect(graph.set_highlight_ancestry)

    def set_line_shown(self, line: str, shown: bool) -> None:
        (self.window.browser.hidden_lines.discard if shown else self.window.browser.hidden_lines.add)(line)
        self.window.browser.reload()

    def set_fold(self, fold: bool) -> None:
        self.window.browser.fold = fold
        self.window.browser.reload()

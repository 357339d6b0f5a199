"""The main window: artifact list, lineage graph, compare panel, Sync now.

The window owns the Workspace and the workers and wires its parts together: the
toolbar (`gui.shell.main_toolbar`), the artifact pane (`gui.artifacts.pane`), the header,
graph and compare panel kept in step by `gui.shell.version_browser`, the status bar
(`gui.shell.window_status`) and what is remembered (`gui.shell.window_settings`). It asks core
and shows what core says: states come from `core.sync.status_all` (through
`gui.sync.status_runner`, which drops stale replies), versions from `History` (read and
laid out on a worker by `gui.graph.loader`), and every slow call runs on a worker
thread. The Sync now flow lives in `gui.sync.controller`.
"""
from __future__ import annotations

import time

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from core.errors import LineageError
from core.history import ArtifactInfo, VersionInfo
from core.sync import AddOutcome, ArtifactStatus, SyncResult
from core.textsafe import printable
from gui import hotkeys
from gui.style import icons
from gui.artifacts.add_dialog import AddArtifactDialog
from gui.artifacts.actions import ArtifactActions
from gui.artifacts.header import ArtifactHeader
from gui.artifacts.pane import ArtifactPane
from gui.shell.banner import Banner
from gui.compare.panel import ComparePanel
from gui.graph.export import ask_export_target, export_graph
from gui.graph.legend import LegendStrip
from gui.graph.view import LineageView
from gui.graph.loader import LineageLoader
from gui.shell.live import LiveFollower
from gui.shell.main_toolbar import MainToolBar
from gui.projects.controller import ProjectsController
from gui.shell.menu_bar import build_menu_bar
from gui.shell.shortcuts_dialog import ShortcutsDialog
from gui.sync.status_runner import StatusRunner, statuses_of
from gui.sync.controller import SYNC_IDLE_TIP, SYNC_RUNNING_TIP, SyncController
from gui.shell.verb_menus import VerbMenus
from gui.shell.version_browser import VersionBrowser
from gui.shell.version_search import VersionSearch
from gui.shell.welcome import WelcomeView
from gui.shell.window_settings import LayoutPart, WindowSettings, data_folder_group
from gui.shell.window_status import WindowStatusBar
from gui.workers import LastSync, StatusReply, WorkerPool

if TYPE_CHECKING:
    from core.workspace import Workspace
    from gui.sync.merge_view import MergeView

__all__ = ["MainWindow", "SYNC_IDLE_TIP", "SYNC_RUNNING_TIP", "data_folder_group"]


# Re-check states when the window is activated again, at most this often (seconds).
REFRESH_ON_ACTIVATE_AFTER = 5.0


COMPARE_MIN = 390  # px: the compare panel's two hash columns side by side


class MainWindow(QMainWindow):
    statusesUpdated = Signal()  # the list shows fresh states
    syncFinished = Signal(object)  # list[SyncResult], after the list and graph refreshed
    demoLoaded = Signal()
    artifactShown = Signal(int)  # artifact id whose versions the graph now shows (after its load)

    def __init__(self, workspace: Workspace, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.settings = settings or QSettings()
        self.prefs = WindowSettings(self.settings, workspace)
        self._pool = WorkerPool(self)
        self._statuses = StatusRunner(workspace, self._pool, self)
        self.sync = SyncController(workspace, self._pool, self._statuses, self)
        self._closed = False
        self._statuses_pending = False
        self._last_status_request = float("-inf")
        self._current_artifact: int | None = None
        self._pending_version: int | None = None
        self._add_dialog: AddArtifactDialog | None = None
        self._sync_results: list[SyncResult] | None = None  # announced once the graph has reloaded
        self.context_menu: QMenu | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None

        self.setWindowTitle("Artifact Lineage")
        self.setWindowIcon(icons.app_icon())
        self._build_actions()
        self._build_central()
        self._build_status_bar()
        self._connect_sync()
        self.projects = ProjectsController(self)
        self.verbs = VerbMenus(self, self.menus.artifact_menu, self.artifact_actions.edit_action, self.menus.help_menu)
        self.live = LiveFollower(self)  # follows history and disk without F5; started after the first paint
        self._connect_menus()
        # 1400×900, or the screen's free room when it is smaller (a 1280×800 screen shows the whole window).
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else None
        self.resize(min(1400, room.width()) if room else 1400, min(900, room.height()) if room else 900)
        # What was not remembered gets the defaults on first show (`showEvent`); a remembered
        # dock height is never overridden (gui.projects.controller).
        self.restored_layout = self.prefs.restore_layout(self._layout_parts())
        self._default_sizes_due = "window/splitter" not in self.restored_layout
        self.reload_artifacts()
        # States need hashing; start that after the first paint so it never competes with start-up.
        self._statuses_pending = True
        # Start in the list (arrow keys pick artifacts), not in the find field.
        (self.tree if self.model.artifact_ids() else self.welcome.demo_button).setFocus()

    # ------------------------------------------------------------------ build
    def _build_actions(self) -> None:
        self.toolbar = tb = MainToolBar(self)
        self.addToolBar(tb)
        self.sync_action, self.add_action = tb.sync_action, tb.add_action
        self.fit_action, self.export_action, self.find_edit = tb.fit_action, tb.export_action, tb.find_edit
        self.sync_action.triggered.connect(self.sync_now)
        self.add_action.triggered.connect(self.open_add_dialog)
        self.export_action.triggered.connect(self.export_graph)
        tb.find_action.triggered.connect(tb.focus_find)
        self.addAction(tb.find_action)
        self.addAction(tb.find_next_action)
        self.addAction(tb.find_previous_action)
        self.artifact_actions = ArtifactActions(self.ws, self._pool, self)
        self.menus = build_menu_bar(self, tb, self.artifact_actions)

    def _connect_menus(self) -> None:
        acts = self.artifact_actions
        acts.syncRequested.connect(self.sync_one)
        acts.changed.connect(self._on_collection_changed)
        acts.failed.connect(self._on_action_failed)
        self.left.artifactMenuRequested.connect(self._on_artifact_menu)
        self.menus.shortcuts_action.triggered.connect(self.show_shortcuts)
        wrap = self.menus.wrap_action
        # Wrapped by default: beside the graph the panel is narrow, and a cut line hides the change.
        wrap.setChecked(bool(self.settings.value("view/wrapDiffLines", True, type=bool)))
        self.compare.diff_view.set_wrap(wrap.isChecked())
        wrap.toggled.connect(self._on_wrap_toggled)

    def _build_central(self) -> None:
        self.stack = QStackedWidget()
        self.welcome = WelcomeView()
        self.welcome.addRequested.connect(self.open_add_dialog)
        self.welcome.demoRequested.connect(self.open_demo)
        self.welcome.demoBuilt.connect(self._on_demo_built)
        self.welcome.demoFailed.connect(self._on_demo_failed)
        self.stack.addWidget(self.welcome)

        # Left: filter + artifact tree.
        self.left = ArtifactPane()
        self.model, self.proxy = self.left.model, self.left.proxy
        self.tree, self.filter_edit = self.left.tree, self.left.filter_edit
        self.left.artifactActivated.connect(self._on_artifact_activated)

        # Centre: summary banner, header, graph, legend.
        self.graph = LineageView()
        self.fit_action.triggered.connect(self.graph.zoom_to_fit)
        self.legend = LegendStrip()  # one row: the lines' colours; the full key in a popover
        self.artifact_header = ArtifactHeader()
        self.artifact_header.resolveRequested.connect(self._on_resolve_requested)
        self.artifact_header.chooseAgainRequested.connect(self._on_choose_again_requested)
        self.merge_view: MergeView | None = None  # the open merge view, if any
        self.banner = Banner()
        centre = QWidget()
        cv = QVBoxLayout(centre)
        cv.setContentsMargins(0, 6, 0, 6)
        cv.addWidget(self.banner)
        cv.addWidget(self.artifact_header)
        cv.addWidget(self.graph, 1)
        cv.addWidget(self.legend)

        # Right: compare panel.
        self.compare = ComparePanel(self.ws.objects)
        self.compare.blame_view.set_workspace(self.ws)
        self.compare.blame_view.versionClicked.connect(self.select_blamed_version)
        self.lineage_loader = LineageLoader(self.ws.history, self._pool, self)
        self.browser = VersionBrowser(self.ws, self._pool, self.graph, self.compare, self.lineage_loader, self)
        self.browser.versionShown.connect(self._remember_selection)
        self.browser.loaded.connect(self._on_artifact_loaded)
        self.search = VersionSearch(self.find_edit, self.toolbar.find_count, self.graph, self.browser,
                                    self.ws.objects, self._pool, self._current_name, self)
        self.toolbar.find_next_action.triggered.connect(self.search.select_next)
        self.toolbar.find_previous_action.triggered.connect(self.search.select_previous)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.compare)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        # The graph gets the room (issue 15 §5); remembered sizes replace these (window/splitter).
        self.splitter.setSizes([230, 700, 350])
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

    def _build_status_bar(self) -> None:
        self.status_bar = WindowStatusBar(self.sync.progress_widgets(), self)
        self.setStatusBar(self.status_bar)
        self.browser.message.connect(self.status_bar.showMessage)
        self.search.message.connect(self.status_bar.showMessage)
        self.progress_label = self.sync.progress_label
        self.cancel_button = self.sync.cancel_button
        self.counts_label, self.last_sync_label = self.status_bar.counts_label, self.status_bar.last_sync_label
        self._show_last_sync()

    def _connect_sync(self) -> None:
        self.sync.runningChanged.connect(self._on_sync_running)
        self.sync.statusesFetched.connect(self._on_presync_statuses)
        self.sync.finished.connect(self._on_sync_finished)
        self.sync.message.connect(self._on_sync_message)
        self.sync.ended.connect(self._on_sync_ended)

    # --------------------------------------------------------------- settings
    def _layout_parts(self) -> list[LayoutPart]:
        return [
            ("window/geometry", self.saveGeometry, self.restoreGeometry),
            ("window/state", self.saveState, self.restoreState),
            ("window/splitter", self.splitter.saveState, self.splitter.restoreState),
            ("window/compareSplitter", self.compare.save_splitter, self.compare.restore_splitter),
        ]

    def save_settings(self) -> None:
        self.prefs.save_layout(self._layout_parts())
        self._remember_selection()
        self.prefs.sync()

    @Slot()
    def _remember_selection(self) -> None:
        self.prefs.remember_selection(self._current_artifact, self.browser.shown_version)

    @property
    def _versions(self) -> list[VersionInfo]:
        """The shown artifact's versions, newest first (read by tests and bench_startup)."""
        return self.browser.versions

    # -------------------------------------------------------------- artifacts
    def reload_artifacts(self, artifacts: list[ArtifactInfo] | None = None) -> None:
        """Show the artifact list (`artifacts`, read on a worker; else read here: one query) and
        welcome or the main view."""
        if artifacts is None:
            artifacts = self.ws.history.list_artifacts()
        keep = self._current_artifact
        if keep is None:
            keep = self.prefs.remembered_artifact()
            self._pending_version = self.prefs.remembered_version()
        self.left.set_artifacts(artifacts)
        for action in (self.sync_action, self.fit_action, self.export_action):
            action.setEnabled(bool(artifacts) and not (action is self.sync_action and self.sync.is_running()))
        self.find_edit.setEnabled(bool(artifacts))
        if not artifacts:
            self.stack.setCurrentWidget(self.welcome)
            self._current_artifact = None
            self.artifact_actions.set_artifact(None)
            self._update_counts()
            return
        self.stack.setCurrentWidget(self.splitter)
        ids = {a.id for a in artifacts}
        if keep not in ids:
            # Nothing remembered: open the artifact with the longest history, the interesting one.
            counts = self.ws.history.version_counts() if len(artifacts) > 1 else {}
            keep = max(artifacts, key=lambda a: (counts.get(a.id, 0), -a.id)).id
        self._current_artifact = None  # force a reload of its versions
        self.select_artifact(keep)
        self._update_counts()

    @Slot(bool)
    def _on_wrap_toggled(self, wrap: bool) -> None:
        self.compare.diff_view.set_wrap(wrap)
        self.settings.setValue("view/wrapDiffLines", wrap)

    def all_actions(self) -> list:
        """Every action with a shortcut, in menu order (Help → Keyboard shortcuts lists them)."""
        tb = self.toolbar
        acts = self.artifact_actions
        verbs = self.verbs.key_actions()
        return [tb.add_action, tb.export_action, self.menus.quit_action, tb.sync_action, acts.sync_one_action,
                *verbs[:4], acts.edit_action, acts.remove_action, *verbs[4:8], tb.fit_action, tb.find_action,
                tb.find_next_action, tb.find_previous_action, self.menus.wrap_action, self.menus.shortcuts_action,
                *verbs[8:]]

    @Slot()
    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.all_actions(), self)
        self.shortcuts_dialog = dialog
        dialog.open()
        return dialog

    @Slot(int, QPoint)
    def _on_artifact_menu(self, artifact_id: int, where: QPoint) -> QMenu:
        """Right-click on an artifact: it becomes current (unless it is one of several selected:
        then the menu acts on all of them), then its actions."""
        selected = self.left.selected_ids()
        if artifact_id not in selected or len(selected) < 2:
            self.select_artifact(artifact_id)
            selected = [artifact_id]
        menu = QMenu(self)
        for action in self.artifact_actions.actions():
            menu.addAction(action)
        menu.addSeparator()
        self.projects.artifact_menu(artifact_id, menu, selected)  # Deploy to project ▸, Undeploy from project ▸
        self.context_menu = menu
        menu.popup(where)
        return menu

    @Slot(str)
    def _on_collection_changed(self, message: str) -> None:
        """An artifact was edited or removed: the list, the graph and the states follow."""
        self.banner.hide()
        self.reload_artifacts()
        self.statusBar().showMessage(message, 15000)
        self.refresh_statuses()

    @Slot(str)
    def _on_action_failed(self, message: str) -> None:
        """A remove that could not be done: said in the banner (not a modal box), nothing changed."""
        self.banner.show_message(f"Could not remove the artifact: {message}", level="error")
        self.statusBar().showMessage(printable(f"Could not remove the artifact: {message}"), 15000)

    def select_artifact(self, artifact_id: int) -> None:
        self.left.select(artifact_id)  # → artifactActivated → show_artifact
        if self._current_artifact != artifact_id:
            self.show_artifact(artifact_id)

    @Slot(int)
    def _on_artifact_activated(self, artifact_id: int) -> None:
        if artifact_id != self._current_artifact:
            self.show_artifact(artifact_id)

    def show_artifact(self, artifact_id: int, *, keep_version: bool = False) -> None:
        """Load the artifact's versions (on a worker) into the graph, then select one;
        `artifactShown` follows when they are drawn."""
        previous_version = self.browser.shown_version if keep_version else None
        self._current_artifact = artifact_id
        info = self.model.info(artifact_id)
        self.artifact_actions.set_artifact(info)
        self.artifact_actions.set_sync_running(self.sync.is_running())
        if info is not None:
            self.setWindowTitle(f"{info.name} — Artifact Lineage")
        wanted = self._pending_version or previous_version
        self._pending_version = None
        self.graph.set_pending_merge(*self._pending_merge_mark(artifact_id))
        self.browser.open(artifact_id, wanted)
        self._show_artifact_header(artifact_id)

    @Slot(int)
    def _on_artifact_loaded(self, artifact_id: int) -> None:
        if self._closed:
            return
        self._show_artifact_header(artifact_id)
        colours = self.graph.line_colours()
        self.legend.set_lines([(line, colours.get(line, 0)) for line in self.graph.all_lines()])
        self.compare.blame_view.set_line_slots(colours)  # blame chips in their lanes' colours
        self.artifactShown.emit(artifact_id)
        results, self._sync_results = self._sync_results, None
        if results is not None:
            self.syncFinished.emit(results)
            self._open_stopped_merge(results)

    def _open_stopped_merge(self, results: list[SyncResult]) -> None:
        """A merge the person just asked for stopped on conflicts: show it. Opened once the graph
        has reloaded, so the merge view is never built while the graph's loader is still running."""
        waiting = [r for r in results if r.action == "conflict" and r.conflicts]
        if waiting:
            self.open_merge_view(waiting[0].artifact_id)

    def _show_artifact_header(self, artifact_id: int) -> None:
        info = self.model.info(artifact_id)
        if info is not None:
            status = self.model.status(artifact_id)
            # The count is known once this artifact's versions are loaded, not before.
            loaded = self.browser.artifact_id == artifact_id and self.browser.loading is None
            self.artifact_header.show_artifact(info, self.model.state_of(artifact_id),
                                               len(self.browser.versions) if loaded else None,
                                               status.error if status is not None else None)

    # --------------------------------------------------------------- versions
    def show_blame(self, version_id: int) -> None:
        """Show `version_id` and its Blame tab (the node menu's "Blame this version")."""
        self.graph.select_version(version_id, center=True)
        self.browser.show_version(version_id)
        self.compare.file_tabs.setCurrentWidget(self.compare.blame_view)

    @Slot(int)
    def select_blamed_version(self, version_id: int) -> None:
        """A line clicked in the Blame tab: its version is selected in the graph and shown."""
        self.graph.select_version(version_id, center=True)
        self.browser.show_version(version_id)

    def _current_name(self) -> str:
        info = self.model.info(self._current_artifact) if self._current_artifact is not None else None
        return info.name if info is not None else "this artifact"

    def find_version(self, query: str) -> int | None:
        """Type `query` into the find field and select its first match (as Enter does)."""
        self.find_edit.setText(query)
        return self.search.select_next()

    # ----------------------------------------------------------------- status
    def refresh_statuses(self) -> None:
        """Hash collection and upstreams on a worker; known states stay shown meanwhile."""
        if self.model.artifact_ids():
            self._last_status_request = time.monotonic()
            self._statuses.request(self._on_status_reply)

    def _on_status_reply(self, reply: StatusReply, current: bool) -> None:
        if self._closed or not current:
            return  # a newer request, or a sync that finished since, makes this reply stale
        if reply.error is not None:
            self.statusBar().showMessage(printable(f"Could not check the artifacts' states: {reply.error}"))
            self.statusesUpdated.emit()
            return
        self.model.set_statuses(statuses_of(reply))
        self._after_states_changed()

    def states_changed(self) -> None:
        """New states for a few artifacts (a live re-check, gui.shell.live): everything that shows
        them follows; `statusesUpdated` stays the signal of a status run the window asked for."""
        self._after_states_changed(announce=False)

    def _after_states_changed(self, announce: bool = True) -> None:
        if self.banner.isVisible() and self.banner.describes and not self.banner.still_true(self._state_or_none):
            self.banner.hide()  # it described states the collection no longer has
        self._update_counts()
        self.projects.states_changed()
        if self._current_artifact is not None:
            self._show_artifact_header(self._current_artifact)
            if self._pending_merge_mark(self._current_artifact) != self.graph.pending_merge():
                # A merge started or ended outside this window (the CLI): redraw with or without its mark.
                self.show_artifact(self._current_artifact, keep_version=True)
        if announce:
            self.statusesUpdated.emit()

    def _state_or_none(self, artifact_id: int) -> str | None:
        return self.model.state_of(artifact_id) if self.model.info(artifact_id) is not None else None

    def _update_counts(self) -> None:
        self.status_bar.show_counts(self.model.state_of(a) for a in self.model.artifact_ids())

    def _show_last_sync(self) -> None:
        self.status_bar.show_last_sync(self.ws.history.last_sync_at())

    # ------------------------------------------------------------------- sync
    def is_syncing(self) -> bool:
        return self.sync.is_running()

    @Slot()
    def sync_now(self) -> None:
        self.sync.start(len(self.model.artifact_ids()))

    @Slot(int)
    def sync_one(self, artifact_id: int) -> bool:
        """Sync this one (the artifact menu): the Sync now flow for one artifact."""
        info = self.model.info(artifact_id)
        if info is None:
            return False
        return self.sync.start(1, only=(artifact_id, f"{info.type}/{info.name}"))

    @Slot()
    def cancel_sync(self) -> None:
        self.sync.cancel()

    @Slot(bool)
    def _on_sync_running(self, running: bool) -> None:
        self.sync_action.setEnabled(not running and bool(self.model.artifact_ids()))
        self.sync_action.setToolTip(SYNC_RUNNING_TIP if running else SYNC_IDLE_TIP)
        self.artifact_actions.set_sync_running(running)

    @Slot(object, bool)
    def _on_presync_statuses(self, statuses: list[ArtifactStatus], current: bool) -> None:
        if current:
            self.model.set_statuses(statuses)
            self._after_states_changed()

    @Slot(str, str)
    def _on_sync_message(self, text: str, level: str) -> None:
        self.banner.show_message(text, level=level)
        self.statusBar().showMessage(printable(text), 15000)

    @Slot(object, object, bool, object)
    def _on_sync_finished(self, results: list[SyncResult], statuses: list[ArtifactStatus], current: bool,
                          last_sync: LastSync | None) -> None:
        if self._closed:
            return
        if last_sync is not None:  # read by the sync's worker
            self.status_bar.show_last_sync(last_sync.at)
        if current:
            self.model.set_statuses(statuses)
        # Each failure on its own artifact, on top of the fresh states.
        for r in results:
            if r.action == "failed":
                self.model.set_error(r.artifact_id, r.error or "The sync failed for an unknown reason.")
        if self.banner.isVisible() and current:
            # What the summary is about; it goes away once one of them changes state.
            self.banner.describes = {r.artifact_id: self.model.state_of(r.artifact_id) for r in results
                                     if self.model.info(r.artifact_id) is not None}
        self._after_states_changed()
        self.projects.after_sync()
        if self._current_artifact is None:
            self.syncFinished.emit(results)
            self._open_stopped_merge(results)
            return
        # Follow the head if the user was looking at it; otherwise keep their version.
        # syncFinished waits for the graph to reload (see _on_artifact_loaded).
        self._sync_results = results
        self.show_artifact(self._current_artifact, keep_version=not self.browser.on_head())

    # ------------------------------------------------------------------ merge
    def _pending_merge_mark(self, artifact_id: int) -> tuple[tuple[int, ...] | None, str]:
        """The versions a waiting merge would join (local head, upstream state), for the graph."""
        from core.sync.pending import load_pending

        if self.model.state_of(artifact_id) != "conflict":
            return None, ""
        try:
            pending = load_pending(self.ws.home, artifact_id, self._waiting_merge_line(artifact_id))
        except LineageError:
            return None, ""
        if pending is None:
            return None, ""
        # The local side is the collection's head (a merge records the local copy before it starts);
        # asked of the history, not the browser, whose versions may still be the previous artifact's.
        head = self.ws.history.head(artifact_id)
        local = head.id if head is not None and head.content_hash == pending.local else None
        other = int(pending.context.get("other_version") or 0) or None
        files = ", ".join(c.display_path for c in pending.unresolved())
        label = f"Merge waiting on conflicts in {files} — Resolve… opens it."
        return tuple(v for v in (local, other) if v is not None), label

    @Slot()
    def _on_choose_again_requested(self) -> None:
        if self._current_artifact is not None:
            self.sync.start(len(self.model.artifact_ids()), ask_again=frozenset({self._current_artifact}))

    @Slot()
    def _on_resolve_requested(self) -> None:
        if self._current_artifact is not None:
            self.open_merge_view(self._current_artifact, self._waiting_merge_line(self._current_artifact))

    def _waiting_merge_line(self, artifact_id: int) -> str:
        """The line whose merge waits to go into the collection copy: "collection" for a sync
        merge, a project's name for a push merge (core.sync.ArtifactStatus.merge_line)."""
        status = self.model.status(artifact_id)
        return status.merge_line if status is not None and status.merge_line else "collection"

    def open_merge_view(self, artifact_id: int, line: str = "collection") -> MergeView | None:
        """The merge view for the artifact's waiting merge on `line` (a project's name for a push or
        deploy merge); None, with a message, when none waits."""
        from core.sync.pending import load_pending
        from gui.sync.merge_view import MergeView

        info = self.model.info(artifact_id)
        try:
            pending = load_pending(self.ws.home, artifact_id, line)
        except LineageError as exc:
            self.banner.show_message(str(exc), level="error")
            return None
        if info is None or pending is None:
            self.statusBar().showMessage("No merge is waiting for this artifact.", 10000)
            return None
        view = MergeView(self.ws, self._pool, info, pending, self)
        view.recorded.connect(self._on_merge_recorded)
        view.finished.connect(lambda _code: self.refresh_after_merge(artifact_id))
        self.merge_view = view
        view.open()
        return view

    @Slot(str)
    def _on_merge_recorded(self, sentence: str) -> None:
        self.statusBar().showMessage(printable(sentence), 15000)

    def refresh_after_merge(self, artifact_id: int) -> None:
        self.merge_view = None
        self.refresh_statuses()
        self.projects.panel.reload()
        if self._current_artifact == artifact_id:
            self.show_artifact(artifact_id)

    @Slot(str)
    def _on_sync_ended(self, message: str) -> None:
        self.statusBar().showMessage(printable(message), 15000)
        self.syncFinished.emit([])

    # ------------------------------------------------------------ add / demo
    @Slot()
    def open_add_dialog(self) -> AddArtifactDialog:
        dialog = AddArtifactDialog(self.ws, self)
        dialog.artifactAdded.connect(self._on_artifact_added)
        dialog.artifactsAdded.connect(self._on_artifacts_added)
        self._add_dialog = dialog
        dialog.open()
        return dialog

    @Slot(object)
    def _on_artifact_added(self, info: ArtifactInfo) -> None:
        self._current_artifact = None
        self.prefs.remember_artifact_only(info.id)
        self.reload_artifacts()
        self.statusBar().showMessage(f"Added {printable(info.name)} ({info.type}). Click Sync now to copy it in.", 10000)
        self.refresh_statuses()

    @Slot(object)
    def _on_artifacts_added(self, outcome: AddOutcome) -> None:
        self._current_artifact = None
        if outcome.added:
            self.prefs.remember_artifact_only(outcome.added[0].id)
        self.reload_artifacts()
        n, skipped = len(outcome.added), len(outcome.skipped)
        text = f"Added {n} artifact{'s' if n != 1 else ''}"
        text += f" ({skipped} skipped)" if skipped else ""
        self.statusBar().showMessage(text + ". Click Sync now to copy them in.", 10000)
        self.refresh_statuses()

    @Slot()
    def open_demo(self) -> None:
        self.add_action.setEnabled(False)
        self.welcome.build_demo(self.ws, self._pool)

    @Slot(object)
    def _on_demo_built(self, _artifacts: list[ArtifactInfo]) -> None:
        if self._closed:
            return
        self.add_action.setEnabled(True)
        self.projects.panel.reload()
        self._current_artifact = None
        self.prefs.forget_selection()
        self.reload_artifacts()
        self._show_last_sync()
        self.banner.show_message(
            "The demo collection is open. Its upstream has updates waiting: "
            f"click Sync now ({hotkeys.SYNC.text()}) to bring them in."
        )
        self.refresh_statuses()
        self.demoLoaded.emit()

    @Slot(str)
    def _on_demo_failed(self, message: str) -> None:
        if self._closed:
            return
        self.add_action.setEnabled(True)
        self.statusBar().showMessage(printable(f"Could not open the demo collection: {message}"))
        self.reload_artifacts()

    # ----------------------------------------------------------------- export
    @Slot()
    def export_graph(self) -> None:
        if not self._versions:
            self.statusBar().showMessage("Select an artifact with versions to export its graph.", 6000)
            return
        info = self.model.info(self._current_artifact) if self._current_artifact is not None else None
        target = ask_export_target(self, info.name if info is not None else "lineage")
        if target is not None:
            self.export_graph_to(*target)

    def export_graph_to(self, path: str, suffix: str | None = None) -> Path | None:
        """Write the graph to `path`; an error is shown to the user, and None returned."""
        try:
            target = export_graph(self.graph, path, suffix)
        except LineageError as exc:
            self.statusBar().showMessage(printable(str(exc)), 15000)
            QMessageBox.warning(self, "Export failed", str(exc))
            return None
        self.statusBar().showMessage(f"Graph exported to {target}", 8000)
        return target

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._statuses_pending:
            self._statuses_pending = False
            QTimer.singleShot(0, self.refresh_statuses)
            QTimer.singleShot(0, self.live.start)
        elif event.type() == QEvent.Type.WindowActivate and not self.is_syncing():
            # Coming back from an editor or a terminal: files may have changed there.
            # Statuses stay on screen while the check runs, so this never flickers.
            if time.monotonic() - self._last_status_request >= REFRESH_ON_ACTIVATE_AFTER:
                QTimer.singleShot(0, self.refresh_statuses)
        return super().event(event)

    # ------------------------------------------------------------------ close
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._default_sizes_due:
            self._default_sizes_due = False
            QTimer.singleShot(0, self.apply_default_sizes)  # once the splitter has its real width

    def apply_default_sizes(self) -> None:
        """The graph gets the room: the list as wide as its names ask (at most a sixth of the
        window), the compare panel a third of the rest, at its minimum when that is more."""
        total = max(self.splitter.width(), 1)
        left = max(min(self.left.sizeHint().width(), max(total // 6, 200)), self.left.minimumWidth())
        # (at least COMPARE_MIN: the panel's minimum before a version is shown is narrower than two hashes)
        right = max(int((total - left) * 0.36), self.compare.minimumSizeHint().width(), COMPARE_MIN)
        self.splitter.setSizes([left, max(total - left - right, 1), right])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self._closed = True
        self.live.close()
        self.sync.close()
        self.compare.close_workers()
        self.projects.actions.pool.wait_all()
        self._pool.wait_all()
        super().closeEvent(event)

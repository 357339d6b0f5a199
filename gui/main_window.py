"""The main window: artifact list, lineage graph, compare panel, Sync now.

The window owns the Workspace, the artifact list model, the toolbar actions and
the workers. It asks core and shows what core says: states come from
`core.sync.status_all` (through `gui.status_runner`, which drops stale replies),
versions from `History`, counts from `core.summary`, and every slow call runs on
a worker thread. The Sync now flow lives in `gui.sync_controller`.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QItemSelection, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from core.errors import LineageError
from core.history import ArtifactInfo, VersionInfo
from core.summary import count_states
from core.sync import ArtifactStatus, SyncResult
from gui import icons
from gui.add_dialog import AddArtifactDialog, error_colour
from gui.artifact_model import STATE_COLUMN, ArtifactFilterProxy, ArtifactIdRole, ArtifactListModel
from gui.banner import Banner
from gui.compare_view import ComparePanel
from gui.graph_export import EXPORT_FILTERS, export_graph
from gui.graph_view import GraphLegend, LineageView
from gui.status_runner import StatusRunner, statuses_of
from gui.sync_controller import SYNC_IDLE_TIP, SYNC_RUNNING_TIP, SyncController
from gui.welcome import WelcomeView
from gui.workers import DemoWorker, StatusReply, WorkerPool

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["MainWindow", "SYNC_IDLE_TIP", "SYNC_RUNNING_TIP"]


def data_folder_group(ws: Workspace) -> str:
    """The settings group of one data folder: what was selected belongs to that history."""
    root = str(Path(ws.home.root).resolve())
    return "data/" + hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _local_time(stamp: datetime) -> str:
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


class MainWindow(QMainWindow):
    statusesUpdated = Signal()  # the list shows fresh states
    syncFinished = Signal(object)  # list[SyncResult], after the list and graph refreshed
    demoLoaded = Signal()
    artifactShown = Signal(int)  # artifact id whose versions the graph now shows

    def __init__(self, workspace: Workspace, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.settings = settings or QSettings()
        self._group = data_folder_group(workspace)
        self._pool = WorkerPool(self)
        self._statuses = StatusRunner(workspace, self._pool, self)
        self.sync = SyncController(workspace, self._pool, self._statuses, self)
        self._closed = False
        self._statuses_pending = False
        self._current_artifact: int | None = None
        self._versions: list[VersionInfo] = []
        self._versions_by_id: dict[int, VersionInfo] = {}
        self._shown_version: int | None = None
        self._pending_version: int | None = None
        self._add_dialog: AddArtifactDialog | None = None

        self.setWindowTitle("Artifact Lineage")
        self.setWindowIcon(icons.app_icon())
        self._build_actions()
        self._build_central()
        self._build_status_bar()
        self._connect_sync()
        self.resize(1400, 900)
        self._restore_settings()
        self.reload_artifacts()
        # States need hashing; start that after the first paint so it never competes with start-up.
        self._statuses_pending = True
        # Start in the list (arrow keys pick artifacts), not in the find field.
        (self.tree if self.model.artifact_ids() else self.welcome.demo_button).setFocus()

    # ------------------------------------------------------------------ build
    def _build_actions(self) -> None:
        tb = QToolBar("Main")
        tb.setObjectName("mainToolBar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(tb)
        self.toolbar = tb

        self.sync_action = QAction(icons.sync_icon(), "Sync now", self)
        self.sync_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.sync_action.setToolTip(SYNC_IDLE_TIP)
        self.sync_action.triggered.connect(self.sync_now)
        self.add_action = QAction(icons.add_icon(), "Add artifact…", self)
        self.add_action.setShortcut(QKeySequence.StandardKey.New)
        self.add_action.setToolTip("Track a new artifact from a folder or git upstream (Ctrl+N)")
        self.add_action.triggered.connect(self.open_add_dialog)
        self.fit_action = QAction(icons.fit_icon(), "Zoom to fit", self)
        self.fit_action.setShortcut(QKeySequence("Ctrl+0"))
        self.fit_action.setToolTip("Show the whole lineage graph (Ctrl+0)")
        self.fit_action.triggered.connect(self._zoom_to_fit)
        self.export_action = QAction(icons.export_icon(), "Export graph…", self)
        self.export_action.setToolTip("Save the graph as PNG or SVG, or its data as GraphML")
        self.export_action.triggered.connect(self.export_graph)
        self.find_action = QAction("Find version", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self._focus_find)
        self.addAction(self.find_action)

        tb.addAction(self.sync_action)
        sync_button = tb.widgetForAction(self.sync_action)
        font = sync_button.font()
        font.setBold(True)
        sync_button.setFont(font)
        tb.addSeparator()
        tb.addAction(self.add_action)
        tb.addAction(self.fit_action)
        tb.addAction(self.export_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Find hash prefix (Ctrl+F)")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setMaximumWidth(260)
        self.find_edit.returnPressed.connect(self._on_find_return)
        tb.addWidget(self.find_edit)

    def _build_central(self) -> None:
        self.stack = QStackedWidget()
        self.welcome = WelcomeView()
        self.welcome.addRequested.connect(self.open_add_dialog)
        self.welcome.demoRequested.connect(self.open_demo)
        self.stack.addWidget(self.welcome)

        # Left: filter + artifact tree.
        self.model = ArtifactListModel(self)
        self.proxy = ArtifactFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter artifacts")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAllColumnsShowFocus(True)
        # A long name is cut in the middle ("changelog-…-writer"): its start and end are what people recognise.
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection)
        self.left = left = QWidget()
        left.setMinimumWidth(250)  # room for a name beside "upstream changed"
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 6, 0, 6)
        lv.addWidget(self.filter_edit)
        lv.addWidget(self.tree, 1)

        # Centre: header, error/summary banners, graph, legend.
        self.graph = LineageView()
        self.graph.versionSelected.connect(self._on_version_selected)
        self.graph.compareRequested.connect(self._on_compare_requested)
        self.graph.ghostSelected.connect(self._on_ghost_selected)
        self.legend = GraphLegend()
        self.artifact_title = QLabel()
        title_font = self.artifact_title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.artifact_title.setFont(title_font)
        self.artifact_subtitle = QLabel()
        self.artifact_subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.artifact_subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.artifact_error = QLabel()
        self.artifact_error.setWordWrap(True)
        self.artifact_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.artifact_error.hide()
        self.banner = Banner()
        centre = QWidget()
        cv = QVBoxLayout(centre)
        cv.setContentsMargins(0, 6, 0, 6)
        cv.addWidget(self.banner)
        cv.addWidget(self.artifact_title)
        cv.addWidget(self.artifact_subtitle)
        cv.addWidget(self.artifact_error)
        cv.addWidget(self.graph, 1)
        cv.addWidget(self.legend)

        # Right: compare panel.
        self.compare = ComparePanel(self.ws.objects)
        self.compare.compareWithRequested.connect(self._on_compare_with)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.compare)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([300, 620, 480])
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress_label = self.sync.progress_label
        self.progress_bar = self.sync.progress_bar
        self.cancel_button = self.sync.cancel_button
        self.counts_label = QLabel()
        self.last_sync_label = QLabel()
        for w in self.sync.progress_widgets():
            bar.addPermanentWidget(w)
        bar.addPermanentWidget(self.counts_label)
        bar.addPermanentWidget(self.last_sync_label)
        self._show_last_sync()

    def _connect_sync(self) -> None:
        self.sync.runningChanged.connect(self._on_sync_running)
        self.sync.statusesFetched.connect(self._on_presync_statuses)
        self.sync.finished.connect(self._on_sync_finished)
        self.sync.message.connect(self._on_sync_message)
        self.sync.ended.connect(self._on_sync_ended)

    # --------------------------------------------------------------- settings
    def _key(self, name: str) -> str:
        return f"{self._group}/{name}"

    def _restore_settings(self) -> None:
        s = self.settings
        for key, restore in (("window/geometry", self.restoreGeometry), ("window/state", self.restoreState),
                             ("window/splitter", self.splitter.restoreState),
                             ("window/compareSplitter", self.compare.restore_splitter)):
            value = s.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                restore(value)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/compareSplitter", self.compare.save_splitter())
        self._remember_selection()
        s.sync()

    def _remember_selection(self) -> None:
        if self._current_artifact is not None:
            self.settings.setValue(self._key("selection/artifact"), self._current_artifact)
        if self._shown_version is not None:
            self.settings.setValue(self._key("selection/version"), self._shown_version)

    def _forget_selection(self) -> None:
        self.settings.remove(self._key("selection/artifact"))
        self.settings.remove(self._key("selection/version"))

    def _int_setting(self, name: str) -> int | None:
        value = self.settings.value(self._key(name))
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    # -------------------------------------------------------------- artifacts
    def reload_artifacts(self) -> None:
        """Read the artifact list from the database (fast) and show welcome or the main view."""
        artifacts = self.ws.history.list_artifacts()
        keep = self._current_artifact
        if keep is None:
            keep = self._int_setting("selection/artifact")
            self._pending_version = self._int_setting("selection/version")
        self.model.set_artifacts(artifacts)
        self.tree.expandAll()
        for action in (self.sync_action, self.fit_action, self.export_action):
            action.setEnabled(bool(artifacts) and not (action is self.sync_action and self.sync.is_running()))
        self.find_edit.setEnabled(bool(artifacts))
        if not artifacts:
            self.stack.setCurrentWidget(self.welcome)
            self._current_artifact = None
            self._update_counts()
            return
        self.stack.setCurrentWidget(self.splitter)
        ids = {a.id for a in artifacts}
        if keep not in ids:
            # Nothing remembered: open the artifact with the longest history, the interesting one.
            # (With one artifact there is nothing to choose, and counting would load its versions twice.)
            keep = artifacts[0].id if len(artifacts) == 1 else max(
                artifacts, key=lambda a: (self._version_count(a.id), -a.id)).id
        self._current_artifact = None  # force a reload of its versions
        self.select_artifact(keep)
        self._update_counts()

    def _version_count(self, artifact_id: int) -> int:
        return len(self.ws.history.versions(artifact_id))

    def select_artifact(self, artifact_id: int) -> None:
        index = self.proxy.mapFromSource(self.model.index_of(artifact_id))
        if index.isValid():
            self.tree.setCurrentIndex(index)  # → _on_tree_selection → show_artifact
            self.tree.scrollTo(index)
        if self._current_artifact != artifact_id:
            self.show_artifact(artifact_id)

    @Slot(QItemSelection, QItemSelection)
    def _on_tree_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        artifact_id = indexes[0].data(ArtifactIdRole)
        if artifact_id is not None and artifact_id != self._current_artifact:
            self.show_artifact(int(artifact_id))

    def show_artifact(self, artifact_id: int, *, keep_version: bool = False) -> None:
        """Load the artifact's versions into the graph and select one."""
        previous_version = self._shown_version if keep_version else None
        self._current_artifact = artifact_id
        info = self.model.info(artifact_id)
        self._versions = self.ws.history.versions(artifact_id)
        self._versions_by_id = {v.id: v for v in self._versions}
        self._shown_version = None
        head = self._versions[0] if self._versions else None
        self._show_artifact_header(artifact_id)
        if info is not None:
            self.setWindowTitle(f"{info.name} — Artifact Lineage")
        if head is None:
            self.graph.clear_graph("No versions yet. Click Sync now to copy this artifact in.")
            self.compare.clear_panel("Nothing recorded for this artifact yet.")
            self.artifactShown.emit(artifact_id)
            return
        self.graph.set_versions(self._versions, head.id)
        wanted = self._pending_version or previous_version
        self._pending_version = None
        target = wanted if wanted in self._versions_by_id else head.id
        self.graph.select_version(target, center=True)
        self._on_version_selected(target)
        self.artifactShown.emit(artifact_id)

    def _show_artifact_header(self, artifact_id: int) -> None:
        info = self.model.info(artifact_id)
        if info is None:
            return
        state = self.model.state_of(artifact_id)
        up = info.upstream
        where = up.location + (f" @ {up.ref}" if up.ref else "") + (f" / {up.subdir}" if up.subdir else "")
        n = len(self._versions)
        self.artifact_title.setText(f"{info.name}")
        self.artifact_subtitle.setText(
            f"{info.type} · {icons.state_text(state)} · {n} version{'s' if n != 1 else ''} · upstream: {where}"
        )
        self.artifact_subtitle.setToolTip(f"In the collection: {info.place}")
        status = self.model.status(artifact_id)
        if status is not None and status.error:
            self.artifact_error.setStyleSheet(f"color: {error_colour(self.palette())};")
            self.artifact_error.setText(f"Error: {status.error}")
            self.artifact_error.show()
        else:
            self.artifact_error.hide()

    @Slot(str)
    def _on_filter(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self.tree.expandAll()

    # --------------------------------------------------------------- versions
    def _version(self, version_id: int) -> VersionInfo:
        return self._versions_by_id.get(version_id) or self.ws.history.version(version_id)

    @Slot(int)
    def _on_version_selected(self, version_id: int) -> None:
        if version_id == self._shown_version:
            return
        version = self._version(version_id)
        parent = self._version(version.parent_id) if version.parent_id is not None else None
        self._shown_version = version_id
        self.compare.show_version(version, parent, all_versions=self._versions)
        self._remember_selection()

    @Slot(int, int)
    def _on_compare_requested(self, first_id: int, second_id: int) -> None:
        a, b = self._version(first_id), self._version(second_id)
        old, new = sorted((a, b), key=lambda v: v.id)  # recording order: the older one on the left
        self.compare.show_pair(old, new)

    @Slot(int)
    def _on_compare_with(self, other_id: int) -> None:
        # The panel has already re-targeted itself (see gui.compare_view); just say what is shown.
        if other_id in self._versions_by_id:
            self.statusBar().showMessage(f"Comparing with {self.compare.label_of(other_id)}", 6000)

    @Slot(str)
    def _on_ghost_selected(self, content_hash: str) -> None:
        self._shown_version = None
        self.compare.clear_panel(
            f"Legacy parent {content_hash[:12]}: this content existed before tracking began, "
            "so it was never stored and cannot be compared."
        )

    @Slot()
    def _zoom_to_fit(self) -> None:
        self.graph.zoom_to_fit()

    @Slot()
    def _focus_find(self) -> None:
        self.find_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_edit.selectAll()

    @Slot()
    def _on_find_return(self) -> None:
        self.find_version(self.find_edit.text())

    def find_version(self, prefix: str) -> int | None:
        prefix = prefix.strip().lower()
        if not prefix:
            return None
        found = self.graph.find_by_prefix(prefix)
        if found is None:
            info = self.model.info(self._current_artifact) if self._current_artifact is not None else None
            name = info.name if info is not None else "this artifact"
            self.statusBar().showMessage(f"No version of {name} starts with '{prefix}'; check the prefix.", 8000)
        else:
            self._on_version_selected(found)
            self.statusBar().showMessage(f"Selected {self.compare.label_of(found)}.", 4000)
        return found

    # ----------------------------------------------------------------- status
    def refresh_statuses(self) -> None:
        """Hash collection and upstreams on a worker; the list shows 'checking…' meanwhile."""
        if self.model.artifact_ids():
            self._statuses.request(self._on_status_reply)

    def _on_status_reply(self, reply: StatusReply, current: bool) -> None:
        if self._closed or not current:
            return  # a newer request, or a sync that finished since, makes this reply stale
        if reply.error is not None:
            self.statusBar().showMessage(f"Could not check the artifacts' states: {reply.error}")
            self.statusesUpdated.emit()
            return
        self.model.set_statuses(statuses_of(reply))
        self._after_states_changed()

    def _after_states_changed(self) -> None:
        self._update_counts()
        if self._current_artifact is not None:
            self._show_artifact_header(self._current_artifact)
        self.statusesUpdated.emit()

    def _update_counts(self) -> None:
        ids = self.model.artifact_ids()
        self.counts_label.setText(count_states(self.model.state_of(a) for a in ids).text())

    def _show_last_sync(self) -> None:
        last = self.ws.history.last_sync_at()
        self.last_sync_label.setText(f"Last sync: {_local_time(last)}" if last else "Last sync: never")
        self.last_sync_label.setToolTip("When the newest version recorded by a sync in this data folder was made")

    # ------------------------------------------------------------------- sync
    def is_syncing(self) -> bool:
        return self.sync.is_running()

    @Slot()
    def sync_now(self) -> None:
        self.sync.start(len(self.model.artifact_ids()))

    @Slot()
    def cancel_sync(self) -> None:
        self.sync.cancel()

    @Slot(bool)
    def _on_sync_running(self, running: bool) -> None:
        self.sync_action.setEnabled(not running and bool(self.model.artifact_ids()))
        self.sync_action.setToolTip(SYNC_RUNNING_TIP if running else SYNC_IDLE_TIP)

    @Slot(object, bool)
    def _on_presync_statuses(self, statuses: list[ArtifactStatus], current: bool) -> None:
        if current:
            self.model.set_statuses(statuses)
            self._after_states_changed()

    @Slot(str, bool)
    def _on_sync_message(self, text: str, error: bool) -> None:
        self.banner.show_message(text, error=error)
        self.statusBar().showMessage(text, 15000)

    @Slot(object, object, bool)
    def _on_sync_finished(self, results: list[SyncResult], statuses: list[ArtifactStatus], current: bool) -> None:
        if self._closed:
            return
        self._show_last_sync()
        if current:
            self.model.set_statuses(statuses)
        # Each failure on its own artifact, on top of the fresh states.
        for r in results:
            if r.action == "failed":
                self.model.set_error(r.artifact_id, r.error or "The sync failed for an unknown reason.")
        self._after_states_changed()
        if self._current_artifact is not None:
            # Follow the head if the user was looking at it; otherwise keep their version.
            on_head = bool(self._versions) and self._shown_version == self._versions[0].id
            if on_head:
                self._shown_version = None
            self.show_artifact(self._current_artifact, keep_version=not on_head)
        self.syncFinished.emit(results)

    @Slot(str)
    def _on_sync_ended(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)
        self.syncFinished.emit([])

    # ------------------------------------------------------------ add / demo
    @Slot()
    def open_add_dialog(self) -> AddArtifactDialog:
        dialog = AddArtifactDialog(self.ws, self)
        dialog.artifactAdded.connect(self._on_artifact_added)
        self._add_dialog = dialog
        dialog.open()
        return dialog

    @Slot(object)
    def _on_artifact_added(self, info: ArtifactInfo) -> None:
        self._current_artifact = None
        self.settings.setValue(self._key("selection/artifact"), info.id)
        self.settings.remove(self._key("selection/version"))
        self.reload_artifacts()
        self.statusBar().showMessage(f"Added {info.name} ({info.type}). Click Sync now to copy it in.", 10000)
        self.refresh_statuses()

    @Slot()
    def open_demo(self) -> None:
        self.welcome.set_busy(True)
        self.add_action.setEnabled(False)
        worker = DemoWorker(self.ws)
        worker.progress.connect(self._on_demo_progress)
        worker.finished.connect(self._on_demo_built)
        worker.failed.connect(self._on_demo_failed)
        self._pool.start(worker)

    @Slot(int, int, str)
    def _on_demo_progress(self, done: int, total: int, _name: str) -> None:
        self.welcome.set_busy(True, done, total)

    @Slot(object)
    def _on_demo_built(self, _artifacts: list[ArtifactInfo]) -> None:
        if self._closed:
            return
        self.welcome.set_busy(False)
        self.add_action.setEnabled(True)
        self._current_artifact = None
        self._forget_selection()
        self.reload_artifacts()
        self._show_last_sync()
        self.banner.show_message(
            "The demo collection is open. Its upstream has one more update waiting: click Sync now (F5)."
        )
        self.refresh_statuses()
        self.demoLoaded.emit()

    @Slot(str)
    def _on_demo_failed(self, message: str) -> None:
        if self._closed:
            return
        self.welcome.set_busy(False)
        self.add_action.setEnabled(True)
        self.statusBar().showMessage(f"Could not open the demo collection: {message}")
        self.reload_artifacts()

    # ----------------------------------------------------------------- export
    @Slot()
    def export_graph(self) -> None:
        if not self._versions:
            self.statusBar().showMessage("Select an artifact with versions to export its graph.", 6000)
            return
        info = self.model.info(self._current_artifact) if self._current_artifact is not None else None
        dialog = QFileDialog(self, "Export graph", str(Path.home() / f"{info.name if info else 'lineage'}-lineage"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(list(EXPORT_FILTERS))
        # The suffix is added before the dialog checks for an existing file, so "graph"
        # typed over an existing graph.png asks before replacing it instead of after.
        dialog.setDefaultSuffix("png")
        dialog.filterSelected.connect(lambda f: dialog.setDefaultSuffix(EXPORT_FILTERS.get(f, ".png")[1:]))
        if dialog.exec() and dialog.selectedFiles():
            self.export_graph_to(dialog.selectedFiles()[0], EXPORT_FILTERS.get(dialog.selectedNameFilter()))

    def export_graph_to(self, path: str, suffix: str | None = None) -> Path | None:
        """Write the graph to `path`; an error is shown to the user, and None returned."""
        try:
            target = export_graph(self.graph, path, suffix)
        except LineageError as exc:
            self.statusBar().showMessage(str(exc), 15000)
            QMessageBox.warning(self, "Export failed", str(exc))
            return None
        self.statusBar().showMessage(f"Graph exported to {target}", 8000)
        return target

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._statuses_pending:
            self._statuses_pending = False
            QTimer.singleShot(0, self.refresh_statuses)
        return super().event(event)

    # ------------------------------------------------------------------ close
    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self._closed = True
        self.sync.close()
        self.compare.close_workers()
        self._pool.wait_all()
        super().closeEvent(event)

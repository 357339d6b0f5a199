"""The main window: artifact list, lineage graph, compare panel, Sync now.

The window owns the Workspace, the artifact list model, the toolbar actions and
the workers. It asks core and shows what core says: states come from
`core.sync.status_all`, versions from `History`, and every slow call (hashing,
syncing, validating an upstream, building the demo) runs on a worker thread.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QItemSelection, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from core.history import VersionInfo
from core.sync import ArtifactStatus, Strategy, SyncResult, SyncState, summarize_results
from gui import icons
from gui.add_dialog import AddArtifactDialog, error_colour
from gui.artifact_model import ArtifactFilterProxy, ArtifactIdRole, ArtifactListModel, STATE_COLUMN
from gui.compare_view import ComparePanel
from gui.graph_view import GraphLegend, LineageView
from gui.welcome import WelcomeView
from gui.workers import DemoWorker, StatusWorker, SyncWorker, WorkerPool

SYNC_RUNNING_TIP = "A sync is running…"
SYNC_IDLE_TIP = "Sync every artifact from its upstream (F5)"
EXPORT_FILTERS = {"PNG image (*.png)": ".png", "SVG image (*.svg)": ".svg", "GraphML data (*.graphml)": ".graphml"}


class DivergedDialog(QDialog):
    """Asked once per Sync now: keep local (default) or take upstream, per artifact."""

    def __init__(self, diverged: list[ArtifactStatus], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Diverged artifacts")
        layout = QVBoxLayout(self)
        text = QLabel(
            "These artifacts were edited in the collection <b>and</b> changed upstream. "
            "Local edits are kept unless you tick <i>take upstream</i> (the local content "
            "stays in the history either way)."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.boxes: dict[int, QCheckBox] = {}
        for status in diverged:
            box = QCheckBox(f"take upstream for {status.name} ({status.type})")
            self.boxes[status.artifact_id] = box
            layout.addWidget(box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sync")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def strategies(self) -> dict[int, Strategy]:
        return {
            aid: (Strategy.TAKE_UPSTREAM if box.isChecked() else Strategy.KEEP_LOCAL)
            for aid, box in self.boxes.items()
        }


class Banner(QFrame):
    """A dismissable one-line message above the graph (the non-modal sync summary)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.label, 1)
        row.addWidget(close)
        self.hide()

    def show_message(self, text: str, error: bool = False) -> None:
        colour = error_colour(self.palette()) if error else self.palette().color(QPalette.ColorRole.Text).name()
        self.label.setStyleSheet(f"color: {colour};")
        self.label.setText(text)
        self.show()


class MainWindow(QMainWindow):
    statusesUpdated = Signal()  # the list shows fresh states
    syncFinished = Signal(object)  # list[SyncResult], after the list and graph refreshed
    demoLoaded = Signal()
    artifactShown = Signal(int)  # artifact id whose versions the graph now shows

    def __init__(self, workspace, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.settings = settings or QSettings()
        self._pool = WorkerPool(self)
        self._closed = False
        self._statuses_pending = False
        self._sync_worker: SyncWorker | None = None
        self._syncing = False
        self._cancel_requested = False
        self._current_artifact: int | None = None
        self._versions: list[VersionInfo] = []
        self._versions_by_id: dict[int, VersionInfo] = {}
        self._shown_version: int | None = None
        self._pending_version: int | None = None
        self._add_dialog: AddArtifactDialog | None = None
        self._diverged_dialog: DivergedDialog | None = None
        self._last_results: list[SyncResult] = []

        self.setWindowTitle("Artifact Lineage")
        self.setWindowIcon(icons.app_icon())
        self._build_actions()
        self._build_central()
        self._build_status_bar()
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
        self.fit_action.triggered.connect(lambda: self.graph.zoom_to_fit())
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
        self.find_edit.returnPressed.connect(lambda: self.find_version(self.find_edit.text()))
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
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection)
        left = QWidget()
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
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the artifact being synced now")
        self.cancel_button.clicked.connect(self.cancel_sync)
        self.counts_label = QLabel()
        self.last_sync_label = QLabel()
        for w in (self.progress_label, self.progress_bar, self.cancel_button):
            bar.addPermanentWidget(w)
            w.hide()
        bar.addPermanentWidget(self.counts_label)
        bar.addPermanentWidget(self.last_sync_label)
        self._show_last_sync()

    # --------------------------------------------------------------- settings
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        if self._current_artifact is not None:
            s.setValue("selection/artifact", self._current_artifact)
        if self._shown_version is not None:
            s.setValue("selection/version", self._shown_version)
        s.sync()

    @staticmethod
    def _int_setting(value) -> int | None:
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
            keep = self._int_setting(self.settings.value("selection/artifact"))
            self._pending_version = self._int_setting(self.settings.value("selection/version"))
        self.model.set_artifacts(artifacts)
        self.tree.expandAll()
        for action in (self.sync_action, self.fit_action, self.export_action):
            action.setEnabled(bool(artifacts) and not (action is self.sync_action and self._syncing))
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
        if not self._versions:
            self.graph.clear_graph("No versions yet. Click Sync now to copy this artifact in.")
            self.compare.clear_panel("Nothing recorded for this artifact yet.")
            self.artifactShown.emit(artifact_id)
            return
        self.graph.set_versions(self._versions, head.id if head else None)
        wanted = self._pending_version or previous_version
        self._pending_version = None
        target = wanted if wanted in self._versions_by_id else head.id  # type: ignore[union-attr]
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
    @Slot(int)
    def _on_version_selected(self, version_id: int) -> None:
        if version_id == self._shown_version:
            return
        version = self._versions_by_id.get(version_id) or self.ws.history.version(version_id)
        parent = None
        if version.parent_id is not None:
            parent = self._versions_by_id.get(version.parent_id) or self.ws.history.version(version.parent_id)
        self._shown_version = version_id
        self.compare.show_version(version, parent, all_versions=self._versions)
        self.settings.setValue("selection/version", version_id)
        if self._current_artifact is not None:
            self.settings.setValue("selection/artifact", self._current_artifact)

    @Slot(int, int)
    def _on_compare_requested(self, first_id: int, second_id: int) -> None:
        a = self._versions_by_id.get(first_id) or self.ws.history.version(first_id)
        b = self._versions_by_id.get(second_id) or self.ws.history.version(second_id)
        old, new = sorted((a, b), key=lambda v: (v.created_at, v.id))
        self.compare.show_pair(old, new)

    @Slot(int)
    def _on_compare_with(self, other_id: int) -> None:
        # The panel has already re-targeted itself (see gui.compare_view); just say what is shown.
        other = self._versions_by_id.get(other_id)
        if other is not None:
            self.statusBar().showMessage(f"Comparing with {other.content_hash[:12]}", 6000)

    @Slot(str)
    def _on_ghost_selected(self, content_hash: str) -> None:
        self._shown_version = None
        self.compare.clear_panel(
            f"Legacy parent {content_hash[:12]}: this content existed before tracking began, "
            "so it was never stored and cannot be compared."
        )

    def _focus_find(self) -> None:
        self.find_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_edit.selectAll()

    def find_version(self, prefix: str) -> int | None:
        prefix = prefix.strip().lower()
        if not prefix:
            return None
        found = self.graph.find_by_prefix(prefix)
        if found is None:
            self.statusBar().showMessage(f"no version starts with {prefix}", 6000)
        else:
            self._on_version_selected(found)
            self.statusBar().showMessage(f"version {self._versions_by_id[found].content_hash[:12]} selected"
                                         if found in self._versions_by_id else "", 4000)
        return found

    # ----------------------------------------------------------------- status
    def refresh_statuses(self) -> None:
        """Hash collection and upstreams on a worker; the list shows 'checking…' meanwhile."""
        if not self.model.artifact_ids():
            return
        worker = StatusWorker(self.ws)
        worker.finished.connect(self._on_statuses)
        worker.failed.connect(self._on_status_failed)
        self._pool.start(worker)

    @Slot(object)
    def _on_statuses(self, statuses: list[ArtifactStatus]) -> None:
        if self._closed:
            return
        self.model.set_statuses(statuses)
        self._after_states_changed()

    @Slot(str)
    def _on_status_failed(self, message: str) -> None:
        if self._closed:
            return
        self.statusBar().showMessage(f"Could not check the artifacts' states: {message}")
        self.statusesUpdated.emit()

    def _after_states_changed(self) -> None:
        self._update_counts()
        if self._current_artifact is not None:
            self._show_artifact_header(self._current_artifact)
        self.statusesUpdated.emit()

    def _update_counts(self) -> None:
        counts = self.model.counts()
        total = sum(counts.values())
        changed = sum(counts.get(s.value, 0) for s in (SyncState.UPSTREAM_CHANGED, SyncState.LOCALLY_MODIFIED,
                                                        SyncState.DIVERGED, SyncState.NEW))
        text = f"{total} artifact{'s' if total != 1 else ''} · {changed} changed"
        if counts.get(SyncState.ERROR.value):
            text += f" · {counts[SyncState.ERROR.value]} failed"
        self.counts_label.setText(text)

    def _show_last_sync(self) -> None:
        last = self.settings.value("sync/last")
        self.last_sync_label.setText(f"Last sync: {last}" if last else "Last sync: never")

    # ------------------------------------------------------------------- sync
    def is_syncing(self) -> bool:
        return self._syncing

    def _set_syncing(self, running: bool) -> None:
        self._syncing = running
        self.sync_action.setEnabled(not running)
        self.sync_action.setToolTip(SYNC_RUNNING_TIP if running else SYNC_IDLE_TIP)
        for w in (self.progress_label, self.progress_bar, self.cancel_button):
            w.setVisible(running)
        self.cancel_button.setEnabled(running)
        if running:
            self._cancel_requested = False
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText("Checking states…")

    @Slot()
    def sync_now(self) -> None:
        if self._syncing or not self.model.artifact_ids():
            return
        self._set_syncing(True)
        # States first (on a worker), so diverged artifacts can be asked about before anything changes.
        worker = StatusWorker(self.ws)
        worker.finished.connect(self._on_presync_statuses)
        worker.failed.connect(self._on_sync_failed)
        self._pool.start(worker)

    @Slot(object)
    def _on_presync_statuses(self, statuses: list[ArtifactStatus]) -> None:
        if self._closed:
            return
        self.model.set_statuses(statuses)
        self._after_states_changed()
        if self._cancel_requested:
            self._end_sync("Sync cancelled before it started.")
            return
        diverged = [s for s in statuses if s.state == SyncState.DIVERGED]
        if not diverged:
            self._start_sync({})
            return
        dialog = DivergedDialog(diverged, self)
        self._diverged_dialog = dialog
        dialog.accepted.connect(lambda: self._start_sync(dialog.strategies()))
        dialog.rejected.connect(lambda: self._end_sync("Sync cancelled: nothing was changed."))
        dialog.open()

    def _start_sync(self, strategies: dict[int, Strategy]) -> None:
        self._diverged_dialog = None
        total = len(self.model.artifact_ids())
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(0)
        self.progress_label.setText(f"0 / {total}")
        worker = SyncWorker(self.ws, strategies=strategies)
        worker.progress.connect(self._on_sync_progress)
        worker.finished.connect(self._on_sync_finished)
        worker.failed.connect(self._on_sync_failed)
        self._sync_worker = worker
        if self._cancel_requested:
            worker.cancel()
        self._pool.start(worker)

    @Slot(int, int, str)
    def _on_sync_progress(self, done: int, total: int, name: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        if name and done < total:
            self.progress_label.setText(f"{done + 1} / {total} — {name}")
        else:
            self.progress_label.setText(f"{done} / {total}")

    @Slot()
    def cancel_sync(self) -> None:
        if not self._syncing:
            return
        self._cancel_requested = True
        self.cancel_button.setEnabled(False)
        self.progress_label.setText(self.progress_label.text() + " — cancelling…")
        if self._sync_worker is not None:
            self._sync_worker.cancel()

    @Slot(object)
    def _on_sync_finished(self, results: list[SyncResult]) -> None:
        if self._closed:
            return
        self._sync_worker = None
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
        self.settings.setValue("sync/last", stamp)
        self._show_last_sync()
        summary = summarize_results(results).text()
        failed = [r for r in results if r.action == "failed"]
        self.banner.show_message(f"Sync finished: {summary}.", error=bool(failed))
        self.statusBar().showMessage(f"Sync finished: {summary}", 15000)
        self.progress_label.setText("Refreshing…")
        # Re-read states, then show each failure on its own artifact on top of them.
        # (Bound slots, not lambdas: a lambda would run on the worker's thread.)
        worker = StatusWorker(self.ws)
        worker.finished.connect(self._on_postsync_ok)
        worker.failed.connect(self._on_postsync_failed)
        self._last_results = results
        self._pool.start(worker)

    @Slot(object)
    def _on_postsync_ok(self, statuses: list[ArtifactStatus]) -> None:
        self._finish_sync(statuses)

    @Slot(str)
    def _on_postsync_failed(self, _message: str) -> None:
        self._finish_sync([])

    def _finish_sync(self, statuses: list[ArtifactStatus]) -> None:
        if self._closed:
            return
        results = self._last_results
        self.model.set_statuses(statuses)
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
        self._set_syncing(False)
        self.syncFinished.emit(results)

    @Slot(str)
    def _on_sync_failed(self, message: str) -> None:
        if self._closed:
            return
        self._end_sync(f"Sync failed: {message}")
        self.banner.show_message(f"Sync failed: {message}", error=True)

    def _end_sync(self, message: str) -> None:
        self._sync_worker = None
        self._set_syncing(False)
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
    def _on_artifact_added(self, info) -> None:
        self._current_artifact = None
        self.settings.setValue("selection/artifact", info.id)
        self.settings.remove("selection/version")
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
    def _on_demo_built(self, _artifacts) -> None:
        if self._closed:
            return
        self.welcome.set_busy(False)
        self.add_action.setEnabled(True)
        self._current_artifact = None
        self.settings.remove("selection/artifact")
        self.settings.remove("selection/version")
        self.reload_artifacts()
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
        info = self.model.info(self._current_artifact) if self._current_artifact else None
        suggested = str(Path.home() / f"{info.name if info else 'lineage'}-lineage.png")
        path, chosen = QFileDialog.getSaveFileName(self, "Export graph", suggested, ";;".join(EXPORT_FILTERS))
        if path:
            self.export_graph_to(path, EXPORT_FILTERS.get(chosen))

    def export_graph_to(self, path: str, suffix: str | None = None) -> Path:
        target = Path(path)
        suffix = target.suffix.lower() if target.suffix.lower() in EXPORT_FILTERS.values() else (suffix or ".png")
        if target.suffix.lower() != suffix:
            target = target.with_name(target.name + suffix)
        {".png": self.graph.export_png, ".svg": self.graph.export_svg, ".graphml": self.graph.export_graphml}[
            suffix
        ](str(target))
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
        if self._sync_worker is not None:
            self._sync_worker.cancel()
        self._pool.wait_all()
        super().closeEvent(event)

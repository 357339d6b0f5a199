"""The Sync now flow: pre-sync states, the diverged dialog, the worker, progress, summary.

1. A status run first, so diverged artifacts can be asked about before anything changes.
2. Diverged artifacts → one `DivergedDialog` (keep local unless ticked); Cancel there
   changes nothing.
3. `core.sync.sync_all` on a `SyncWorker` with the chosen strategies; progress goes to
   the status-bar widgets this controller owns; Cancel sets core's flag.
4. A fresh status run after the sync (its ticket is newer than any reply still in
   flight, see `gui.sync.status_runner`), then `finished(results, statuses, current)`.

The controller shows progress and asks; the window applies states to its list and
reloads the graph. The summary's wording is core's (`summarize_results`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QWidget

from core.sync import ArtifactStatus, Strategy, SyncResult, SyncState, describe_changes, summarize_results
from gui import hotkeys
from gui.sync.diverged_dialog import DivergedDialog
from gui.sync.status_runner import StatusRunner, statuses_of
from gui.workers import LastSync, StatusReply, SyncReply, SyncWorker, WorkerPool
from core.textsafe import printable

if TYPE_CHECKING:
    from core.workspace import Workspace

SYNC_RUNNING_TIP = "A sync is running…"
SYNC_IDLE_TIP = hotkeys.tip("Sync every artifact from its upstream", hotkeys.SYNC)


class SyncController(QObject):
    runningChanged = Signal(bool)
    statusesFetched = Signal(object, bool)  # (list[ArtifactStatus], current) before the sync
    # (list[SyncResult], list[ArtifactStatus], current, LastSync | None: None when it could not be read)
    finished = Signal(object, object, bool, object)
    message = Signal(str, str)  # (text for the banner and the status bar, level: "info", "warning", "error")
    ended = Signal(str)  # ended without results (cancelled or failed): status-bar text

    def __init__(self, ws: Workspace, pool: WorkerPool, statuses: StatusRunner, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self._ws = ws
        self._pool = pool
        self._statuses = statuses
        self._dialog_parent = dialog_parent
        self._running = False
        self._cancel_requested = False
        self._closed = False
        self._worker: SyncWorker | None = None
        self._total = 0
        self._only: tuple[int, str] | None = None  # (artifact id, TYPE/NAME) for Sync this one
        self._results: list[SyncResult] = []
        self._last_sync: LastSync | None = None
        self._ask_again: frozenset[int] = frozenset()
        self.dialog: DivergedDialog | None = None  # the open diverged dialog, if any

        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the artifact being synced now")
        self.cancel_button.clicked.connect(self.cancel)
        for w in self.progress_widgets():
            w.hide()

    def progress_widgets(self) -> tuple[QWidget, ...]:
        return (self.progress_label, self.progress_bar, self.cancel_button)

    def is_running(self) -> bool:
        return self._running

    def close(self) -> None:
        """The window is closing: ignore late replies, stop between artifacts."""
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()

    def _set_running(self, running: bool) -> None:
        self._running = running
        for w in self.progress_widgets():
            w.setVisible(running)
        self.cancel_button.setEnabled(running)
        if running:
            self._cancel_requested = False
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText("Checking states…")
        self.runningChanged.emit(running)

    # ------------------------------------------------------------------ flow
    def start(self, artifact_count: int, ask_again: frozenset[int] = frozenset(),
              only: tuple[int, str] | None = None) -> bool:
        """Begin a Sync now (of every artifact, or `only` = (id, TYPE/NAME) of one);
        False when one is running or there is nothing to sync.

        `ask_again`: artifacts whose keep-local decision is asked once more (they join
        the diverged dialog when their state is still kept_local)."""
        if self._running or not artifact_count:
            return False
        self._ask_again = frozenset(ask_again)
        self._only = only
        self._total = 1 if only is not None else artifact_count
        self._set_running(True)
        self._statuses.request(self._on_presync)
        return True

    def _on_presync(self, reply: StatusReply, current: bool) -> None:
        if self._closed:
            return
        if reply.error is not None:
            self._fail(reply.error)
            return
        statuses = statuses_of(reply)
        self.statusesFetched.emit(statuses, current)
        if self._cancel_requested:
            self._end("Sync cancelled before it started.")
            return
        diverged = [s for s in statuses if s.state == SyncState.DIVERGED
                    or (s.state == SyncState.KEPT_LOCAL and s.artifact_id in self._ask_again)]
        diverged = [s for s in diverged if self._only is None or s.artifact_id == self._only[0]]
        if not diverged:
            self._start_worker({})
            return
        dialog = DivergedDialog(diverged, self._dialog_parent, ws=self._ws, pool=self._pool)
        self.dialog = dialog
        dialog.accepted.connect(self._on_dialog_accepted)
        dialog.rejected.connect(self._on_dialog_rejected)
        dialog.open()

    @Slot()
    def _on_dialog_accepted(self) -> None:
        dialog, self.dialog = self.dialog, None
        self._start_worker(dialog.strategies() if dialog is not None else {})

    @Slot()
    def _on_dialog_rejected(self) -> None:
        self.dialog = None
        self._end("Sync cancelled: nothing was changed.")

    def _start_worker(self, strategies: dict[int, Strategy]) -> None:
        self.progress_bar.setRange(0, max(self._total, 1))
        self.progress_bar.setValue(0)
        self.progress_label.setText(f"0 / {self._total}")
        worker = SyncWorker(self._ws, strategies=strategies,
                            names=[self._only[1]] if self._only is not None else None)
        self._worker = worker
        if self._cancel_requested:
            worker.cancel()
        self._pool.start(worker, progress=self._on_progress, finished=self._on_finished, failed=self._fail)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, name: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        if name and done < total:
            self.progress_label.setText(f"{done + 1} / {total} — {printable(name)}")
        else:
            self.progress_label.setText(f"{done} / {total}")

    @Slot()
    def cancel(self) -> None:
        if not self._running:
            return
        self._cancel_requested = True
        self.cancel_button.setEnabled(False)
        self.progress_label.setText(self.progress_label.text() + " — cancelling…")
        if self._worker is not None:
            self._worker.cancel()

    @Slot(object)
    def _on_finished(self, reply: SyncReply) -> None:
        if self._closed:
            return
        self._worker = None
        results = reply.results
        self._results = results
        self._last_sync = reply.last_sync
        summary = summarize_results(results).text()
        details, level = describe_changes(results)
        what = f"Sync of {results[0].name}" if self._only is not None and results else "Sync"
        self.message.emit(f"{what} finished: {summary}. {details}", level)
        self.progress_label.setText("Refreshing…")
        # Replies to requests made before this point describe the collection before the sync.
        self._statuses.sync_finished()
        self._statuses.request(self._on_postsync)

    def _on_postsync(self, reply: StatusReply, current: bool) -> None:
        if self._closed:
            return
        statuses: list[ArtifactStatus] = statuses_of(reply)
        self._set_running(False)
        self.finished.emit(self._results, statuses, current, self._last_sync)

    @Slot(str)
    def _fail(self, message: str) -> None:
        if self._closed:
            return
        self.message.emit(f"Sync failed: {message}", "error")
        self._end(f"Sync failed: {message}")

    def _end(self, message: str) -> None:
        self._worker = None
        self._set_running(False)
        self.ended.emit(message)

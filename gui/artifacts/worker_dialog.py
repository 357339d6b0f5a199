"""A dialog whose OK runs a check on a worker: busy bar and text while it runs, the failure
shown inside the dialog (which stays open), Cancel stopping the worker first.

The Add and Edit upstream dialogs share this; each lists the inputs to lock while busy.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QWidget

from gui.style.colours import error_colour
from gui.workers import Worker, WorkerPool


class WorkerDialog(QDialog):
    validationFinished = Signal(bool)  # True: done and accepted; False: an error or a list is shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pool = WorkerPool(self)
        self._worker: Worker | None = None
        self.checking = False
        self._cancel_requested = False
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {error_colour(self.palette())};")
        self.error_label.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the upstream is being checked
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.hide()
        self.busy_label = QLabel()
        self.busy_label.hide()

    def inputs(self) -> list[QWidget]:
        """The widgets locked while the worker runs."""
        return []

    def busy_changed(self) -> None:
        """Called after the busy state flips (e.g. to re-evaluate the OK button)."""

    def set_busy(self, busy: bool) -> None:
        self.checking = busy
        for widget in self.inputs():
            widget.setEnabled(not busy)
        self.busy.setVisible(busy)
        self.busy_label.setVisible(busy and bool(self.busy_label.text()))
        self.busy_changed()

    def run_worker(self, worker: Worker, busy_text: str = "", **callbacks: Callable[..., object]) -> None:
        """Start `worker`; `callbacks` (finished=…, several=…) run on the GUI thread (WorkerPool.start),
        a failure shows inside the dialog."""
        self.error_label.hide()
        self.busy_label.setText(busy_text)
        self.set_busy(True)
        self._worker = worker
        self._pool.start(worker, failed=self._on_failed, **callbacks)

    def finish_busy(self) -> bool:
        """End the busy state when a result arrives; False when Cancel was asked meanwhile
        (the dialog then closes instead of showing the result)."""
        self.set_busy(False)
        if self._cancel_requested:
            self._cancel_requested = False
            self.validationFinished.emit(False)
            super().reject()
            return False
        return True

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self.finish_busy():
            return
        self.show_error(message)
        self.validationFinished.emit(False)

    def reject(self) -> None:
        if self.checking:
            # Cancel the check (a git clone is killed); the dialog closes once the worker
            # reports back, so an artifact added in the meantime is never left unseen.
            self._cancel_requested = True
            self.busy_label.setText("Cancelling…")
            self.busy_label.show()
            cancel = getattr(self._worker, "cancel", None)
            if cancel is not None:
                cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._pool.wait_all()
        super().done(result)

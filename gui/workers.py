"""Background work for the window: status, sync, demo, add.

Each worker is a QObject moved to its own QThread; its `run` slot calls one
core function and reports through signals, which Qt queues back to the GUI
thread. Core opens its own database session per call, so the worker thread and
the window never share a session; only ids and frozen dataclasses cross threads.
Cancellation is a `threading.Event` the GUI sets and core polls between
artifacts (no processEvents loops anywhere).
"""
from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.errors import LineageError


def _message(exc: BaseException) -> str:
    if isinstance(exc, LineageError):
        return str(exc)
    # Not one of ours: keep the type so a bug report says something useful.
    return f"Unexpected {type(exc).__name__}: {exc}"


class Worker(QObject):
    """Calls `job()` on the worker thread; emits `finished(result)` or `failed(message)`."""

    finished = Signal(object)
    failed = Signal(str)
    done = Signal()  # after either of the above; ends the thread

    def __init__(self, job: Callable[[], Any]) -> None:
        super().__init__()
        self._job = job

    @Slot()
    def run(self) -> None:
        try:
            result = self._job()
        except Exception as exc:  # every failure goes to the window, never kills the thread silently
            if not isinstance(exc, LineageError):
                traceback.print_exc()  # a bug, not a user error: keep the trace for the report
            self.failed.emit(_message(exc))
        else:
            self.finished.emit(result)
        finally:
            self.done.emit()


class StatusWorker(Worker):
    """`core.sync.status_all` → `finished(list[ArtifactStatus])`."""

    def __init__(self, ws, names: list[str] | None = None) -> None:
        from core import sync

        super().__init__(lambda: sync.status_all(ws, names))


class SyncWorker(Worker):
    """`core.sync.sync_all` with progress and cancel → `finished(list[SyncResult])`."""

    progress = Signal(int, int, str)

    def __init__(self, ws, *, strategies: dict | None = None, names: list[str] | None = None) -> None:
        from core import sync

        self._cancel = threading.Event()
        super().__init__(
            lambda: sync.sync_all(
                ws,
                names,
                strategies=strategies,
                progress=lambda done, total, name: self.progress.emit(done, total, name),
                cancel=self._cancel.is_set,
            )
        )

    def cancel(self) -> None:
        """Thread-safe: called from the GUI thread while `run` is busy."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class DemoWorker(Worker):
    """`core.demo.build_demo` → `finished(list[ArtifactInfo])`."""

    progress = Signal(int, int, str)

    def __init__(self, ws) -> None:
        from core import demo

        super().__init__(
            lambda: demo.build_demo(ws, progress=lambda done, total, name: self.progress.emit(done, total, name))
        )


class AddWorker(Worker):
    """`core.sync.add_artifact` (validates the upstream and ref) → `finished(ArtifactInfo)`."""

    def __init__(self, ws, name: str, source: str, *, type: str | None, ref: str | None, subdir: str | None) -> None:
        from core import sync

        super().__init__(lambda: sync.add_artifact(ws, name, source, type=type, ref=ref, subdir=subdir))


class WorkerPool(QObject):
    """Owns running workers and their threads so neither is collected mid-run."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[Worker, QThread] = {}

    def start(self, worker: Worker) -> Worker:
        thread = QThread()
        thread.setObjectName(type(worker).__name__)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # A bound slot of this GUI-thread object, so the call is queued here; a
        # lambda would run on the worker thread and could not wait for it.
        worker.done.connect(self._on_done)
        self._running[worker] = thread
        thread.start()
        return worker

    @Slot()
    def _on_done(self) -> None:
        worker = self.sender()
        thread = self._running.pop(worker, None)  # type: ignore[arg-type]
        if thread is not None:
            thread.quit()
            thread.wait()
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()

    def busy(self) -> bool:
        return bool(self._running)

    def wait_all(self) -> None:
        """Block until every worker's thread has ended (on close: core calls finish first)."""
        for worker, thread in list(self._running.items()):
            if isinstance(worker, SyncWorker):
                worker.cancel()
            thread.quit()  # takes effect once run() returns and the thread's loop resumes
            thread.wait()
        self._running.clear()

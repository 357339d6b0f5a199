"""WorkerPool.start delivers every callback on the GUI thread, and refuses a worker whose signals
were connected elsewhere (a callable connected to a worker signal runs on the worker thread)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Signal

from gui.workers import Worker, WorkerPool, WorkerThreadError
from tests.gui.helpers import WAIT


class Reporting(Worker[str]):
    progress = Signal(int, int, str)

    def __init__(self) -> None:
        def job() -> str:
            self.progress.emit(1, 2, "half")
            return "done"

        super().__init__(job)


def test_callbacks_run_on_the_gui_thread(qtbot):
    pool = WorkerPool()
    calls: list[tuple[str, tuple, bool]] = []

    def record(name: str):
        return lambda *args: calls.append((name, args, threading.current_thread() is threading.main_thread()))

    pool.start(Reporting(), progress=record("progress"), finished=record("finished"))
    qtbot.waitUntil(lambda: not pool.busy(), timeout=WAIT)
    assert calls == [("progress", (1, 2, "half"), True), ("finished", ("done",), True)]

    failing = Worker(lambda: 1 / 0)
    pool.start(failing, failed=record("failed"))
    qtbot.waitUntil(lambda: not pool.busy(), timeout=WAIT)
    assert calls[-1][0] == "failed" and "ZeroDivisionError" in calls[-1][1][0] and calls[-1][2]


def test_a_signal_connected_outside_start_is_refused(qtbot):
    pool = WorkerPool()
    worker = Reporting()
    worker.finished.connect(lambda result: None)  # would run on the worker thread
    with pytest.raises(WorkerThreadError, match=r"Reporting.finished .* start\(worker, finished=...\)"):
        pool.start(worker)
    with pytest.raises(TypeError, match="no signal several"):
        pool.start(Reporting(), several=print)
    assert not pool.busy()

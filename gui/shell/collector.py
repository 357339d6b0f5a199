"""Python's cyclic garbage collector, run on the GUI thread only.

CPython collects cycles on whichever thread happens to allocate past the threshold: often
a worker, busy in core. A cycle holding a Qt object's wrapper (a widget and a lambda
connected to it, say) is then deleted on that worker thread. Deleting a QObject takes Qt's
connection locks, and PySide needs the GIL under them (to ask Python objects about their
`disconnectNotify`); the GUI thread does the same in the other order whenever it connects
a signal. Each waits for the other: the window hangs. Qt objects may only be made, moved
and deleted on the GUI thread (see gui/sync/file_watch.py), so collection happens there:
automatic collection is off while a `GuiThreadCollector` lives, and its timer collects each
generation when the collector's own thresholds say it is due, as CPython would have, except
that a full collection (the oldest generation: every tracked object, 60-120 ms with a
10,000-version history loaded) runs at most once every FULL_EVERY_S: CPython holds those
back with a rule Python cannot see (only when a quarter of the long-lived objects are new),
and on the GUI thread each one is a visible stall.

Objects without cycles are freed by reference counting as always, on any thread.
"""
from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer, Slot

__all__ = ["GuiThreadCollector"]

INTERVAL_MS = 500  # how often the thresholds are looked at (a check costs microseconds)
FULL_EVERY_S = 60.0  # the oldest generation is collected at most this often


class GuiThreadCollector(QObject):
    """While it lives (until `stop`), cycles are collected by its timer on the GUI thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._last_full = time.monotonic()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    @Slot()
    def collect(self) -> int:
        """Collect the oldest generation that is due, by CPython's own rule; how many objects were found."""
        threshold0, threshold1, threshold2 = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count0 <= threshold0:
            return 0
        now = time.monotonic()
        if count2 > threshold2 and now - self._last_full >= FULL_EVERY_S:
            self._last_full = now
            return gc.collect(2)
        return gc.collect(1 if count1 > threshold1 else 0)

    def stop(self) -> None:
        """Automatic collection back as it was (call on the GUI thread: a full collection runs now)."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

"""A QFileSystemWatcher on a thread of its own, so watching thousands of paths never stalls the window.

Adding 13,000 inotify watches took 1.3 s of wall time on a loaded 2-core machine, and
removing them as long: on the GUI thread that is a frozen window. Here the watcher lives
on its own QThread: `add` and `clear` are queued to it, and its events come back as this
object's signals, queued to the GUI thread's slots like any worker's.

The watch thread only adds, removes and lists paths and emits signals. Everything that
makes, connects, moves or deletes a QObject happens on the GUI thread: the watcher is made
and connected before it moves to the watch thread, and deleted after that thread has
ended (which closes its inotify descriptor: every watch goes at once). A QObject made or
deleted there would take Qt's connection locks while PySide holds the GIL, and the GUI
thread takes those locks and then the GIL whenever it destroys a receiver of a Python
object's signal: the two threads waiting for each other hung the test suite (and would
hang the window).
"""
from __future__ import annotations

import os

import shiboken6
from PySide6.QtCore import QFileSystemWatcher, QObject, QThread, Signal, Slot

__all__ = ["FileWatch"]

CHUNK = 200  # paths per addPaths call


class _Inner(QObject):
    """Lives on the watch thread; its QFileSystemWatcher (a child) was made on the GUI thread."""

    fileChanged = Signal(str)
    folderChanged = Signal(str)
    refused = Signal(int)  # how many paths were wanted when the watcher (or the budget) said no
    counted = Signal(int)  # how many paths are watched now

    def __init__(self) -> None:
        super().__init__()
        self._watcher = QFileSystemWatcher(self)  # moves with this object
        self._watcher.fileChanged.connect(self.fileChanged)
        self._watcher.directoryChanged.connect(self.folderChanged)

    @Slot(object, object)
    def add(self, paths: list[str], budget: int | None) -> None:
        have = set(self._watcher.files()) | set(self._watcher.directories())
        new = [p for p in paths if p not in have]
        total = len(have) + len(new)
        if budget is not None and total > budget:
            self.refused.emit(total)
            return
        failed: list[str] = []
        for start in range(0, len(new), CHUNK):
            # PySide holds the GIL through one addPaths call (~0.1 ms a path): in chunks, the GUI
            # thread gets its turn between them.
            failed += self._watcher.addPaths(new[start:start + CHUNK])
        if any(os.path.lexists(p) for p in failed):  # not a path gone since it was listed: the limit
            self.refused.emit(total)
            return
        total -= len(failed)
        self.counted.emit(total)

    @Slot()
    def clear(self) -> None:
        watched = self._watcher.files() + self._watcher.directories()
        for start in range(0, len(watched), CHUNK):
            self._watcher.removePaths(watched[start:start + CHUNK])
        self.counted.emit(0)


class FileWatch(QObject):
    """`add(paths, budget)` watches them (or emits `refused`); `clear()`; `close()` before the window goes."""

    fileChanged = Signal(str)
    folderChanged = Signal(str)
    refused = Signal(int)
    _add = Signal(object, object)
    _clear = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.count = 0
        self._thread = QThread()
        self._thread.setObjectName("file-watch")
        self._inner = _Inner()
        self._inner.moveToThread(self._thread)
        self._add.connect(self._inner.add)  # queued: the receiver lives on the watch thread
        self._clear.connect(self._inner.clear)
        self._inner.fileChanged.connect(self.fileChanged)  # queued back to the GUI thread
        self._inner.folderChanged.connect(self.folderChanged)
        self._inner.refused.connect(self.refused)
        self._inner.counted.connect(self._on_counted)
        self._thread.start()

    @Slot(int)
    def _on_counted(self, count: int) -> None:
        self.count = count

    def add(self, paths: list[str], budget: int | None) -> None:
        self._add.emit(list(paths), budget)

    def clear(self) -> None:
        self._clear.emit()

    def close(self) -> None:
        """End the watch thread, then delete the watcher here (see the module docstring)."""
        inner, self._inner = self._inner, None
        if inner is None:
            return
        self._thread.quit()  # the queued add/clear calls before it run first
        self._thread.wait()
        # Its thread has ended (no event dispatcher left), so deleting it from this one is safe.
        shiboken6.delete(inner)

"""Noticing, without a click, what changed in the history and in the copies on disk.

Three sources, none of them on the GUI thread's time:

- **History written elsewhere** (the CLI, another window, another member on PostgreSQL):
  a small Python thread waits on `core.history.HistoryWatch` (SQLite: `PRAGMA data_version`
  every `HISTORY_POLL_S`; PostgreSQL: the LISTEN socket) and reports "the history moved".
- **Edits on disk** in the collection and every project copy: a `QFileSystemWatcher` on every
  folder and file of every copy (core.live.watch_paths), on a thread of its own
  (gui.sync.file_watch: adding 13,000 watches takes a second), whose signals arrive on the GUI
  thread and are mapped to artifacts at once (core.live.PlaceIndex). When that many watches would pass
  the system's limit (Linux: a quarter of fs.inotify.max_user_watches, the rest left to editors
  and other programs), or the watcher refuses a path, the same thread polls the copies' stat
  keys every `DISK_POLL_S` instead (core.live.DiskPoller), and `noted` says so once.
- Events that arrive within `SETTLE_MS` of each other make one re-check.

A re-check runs on a worker (one at a time): what changed in the history
(core.history.changes_since), then the sync and deployment states of those artifacts only
(core.live.Rechecker); nothing is recorded. `updated(LiveUpdate)` reaches the window on the
GUI thread. The window applies it (gui.shell.live).
"""
from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from core.history import HistoryChanges, HistoryMark, HistoryWatch, changes_since, mark_now
from core.live import DiskPoller, LiveCheck, PlaceIndex, Rechecker, copy_places, watch_paths
from gui.graph.scene import gc_paused
from gui.sync.file_watch import FileWatch
from gui.workers import Worker, WorkerPool

if TYPE_CHECKING:
    from datetime import datetime

    from core.history import ArtifactInfo
    from core.workspace import Workspace

__all__ = ["LiveUpdate", "LiveWatch", "watch_budget"]

HISTORY_POLL_S = 0.2
DISK_POLL_S = 1.0
SETTLE_MS = 150
POLLING_NOTE = ("Following {n:,} files and folders by checking them every second: watching each would pass "
                "the system's limit on file watches (fs.inotify.max_user_watches).")


def watch_budget() -> int | None:
    """How many file-system watches this window may take (None: no known limit)."""
    try:
        with open("/proc/sys/fs/inotify/max_user_watches") as f:
            return int(f.read().strip()) // 4
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class LiveUpdate:
    """What one re-check found: the history's changes, the copies changed on disk, fresh states;
    and, read on the worker so the window never asks the database itself, the artifact list
    when artifacts changed and the last sync's time when versions did."""

    changes: HistoryChanges
    disk: frozenset[int]
    check: LiveCheck
    artifacts: list[ArtifactInfo] | None = None
    last_sync: datetime | None = None


@dataclass
class _Job:
    """What a re-check is asked to do (built on the GUI thread, read on the worker)."""

    mark: HistoryMark | None
    history: bool
    disk: frozenset[int]
    places: bool  # the set of copies may have changed: list them (and what to watch) again
    paths_for: frozenset[int]  # artifacts whose copies' folders changed: watch what is in them now
    with_paths: bool
    quiet: bool = False  # after the window's own sync: move the mark on, re-check nothing


@dataclass
class _Result:
    update: LiveUpdate
    mark: HistoryMark
    index: PlaceIndex | None = None
    paths: list[str] | None = None  # what to watch (added to what is watched already)


def _run(ws: "Workspace", rechecker: Rechecker, job: _Job, index: PlaceIndex | None) -> _Result:
    """The worker's part: core calls only, with the collector paused (a full pass started here
    would hold the GIL, and the GUI thread with it, as in gui.graph.loader)."""
    with gc_paused():
        return _run_job(ws, rechecker, job, index)


def _run_job(ws: "Workspace", rechecker: Rechecker, job: _Job, index: PlaceIndex | None) -> _Result:
    changes = HistoryChanges()
    if job.mark is None:
        mark = mark_now(ws.db)
    elif job.history:
        changes, mark = changes_since(ws.db, job.mark)
    else:
        mark = job.mark
    relist = job.places or index is None or bool(changes.artifacts or changes.deployments or changes.projects_changed)
    disk = job.disk
    if job.quiet:
        # The window's own sync changed these and its own status run shows them: their upstreams
        # are fetched afresh next time; nothing is re-checked now.
        rechecker.forget(changes.artifact_ids)
        changes, disk = HistoryChanges(), frozenset()
    ids = changes.artifact_ids | disk
    check = rechecker.check(ids, refetch=changes.versions | changes.artifacts) if ids else LiveCheck(frozenset())
    artifacts = ws.history.list_artifacts() if changes.artifacts else None
    last_sync = ws.history.last_sync_at() if changes.versions else None
    result = _Result(LiveUpdate(changes, disk, check, artifacts, last_sync), mark)
    if relist:
        index = result.index = PlaceIndex(copy_places(ws), ws.home.merges_dir)
        if job.with_paths:
            result.paths = watch_paths(index)
    elif job.with_paths and job.paths_for:
        # Folders changed inside these copies: watch what is in them now.
        only = PlaceIndex([p for p in index.places if p.artifact_id in job.paths_for], index.merges_dir)
        result.paths = watch_paths(only)
    return result


class _Watcher(threading.Thread):
    """Waits for the history to move (and, when polling, for copies to change); reports through `report`."""

    def __init__(self, ws: "Workspace", report: "Callable[[bool, frozenset], None]") -> None:
        super().__init__(name="live-watch", daemon=True)
        self.ws = ws
        # The LiveWatch's signal (queued to its GUI-thread slot). Not the LiveWatch itself: a thread
        # holding it would make a cycle that the collector may break on a worker thread, destroying
        # its QFileSystemWatcher there.
        self.report: "Callable[[bool, frozenset], None] | None" = report
        self.stop = threading.Event()
        self.poller: DiskPoller | None = None  # set (from the GUI thread) when polling the copies
        self.kind = ""

    def run(self) -> None:
        history = HistoryWatch(self.ws.db)
        self.kind = history.kind
        next_disk = 0.0
        try:
            while not self.stop.is_set():
                disk: set[int] = set()
                try:
                    moved = history.wait(HISTORY_POLL_S, self.stop)
                    poller = self.poller
                    now = time.monotonic()
                    if poller is not None and now >= next_disk:
                        next_disk = now + DISK_POLL_S
                        disk = poller.poll()
                except Exception:  # never let the watch die quietly: say it on the console, go on
                    traceback.print_exc()
                    moved = False
                    self.stop.wait(DISK_POLL_S)
                report = self.report
                if (moved or disk) and report is not None and not self.stop.is_set():
                    report(moved, frozenset(disk))
        finally:
            history.close()


class LiveWatch(QObject):
    updated = Signal(object)  # LiveUpdate, on the GUI thread
    noted = Signal(str)  # how the copies are followed, when it is worth saying (polling)
    seen = Signal(bool, object)  # from the watcher thread: (history moved, artifact ids changed on disk)

    def __init__(self, ws: "Workspace", parent: QObject | None = None, *, budget: int | None = -1) -> None:
        """`budget`: how many watches to take at most (-1: from the system's limit; None: no limit)."""
        super().__init__(parent)
        self.ws = ws
        self.pool = WorkerPool(self)
        self.budget = watch_budget() if budget == -1 else budget
        self.polling = False
        self.paused = False
        self._rechecker = Rechecker(ws)
        self._mark: HistoryMark | None = None
        self._index: PlaceIndex | None = None
        self._history = False
        self._disk: set[int] = set()
        self._places = True
        self._paths_for: set[int] = set()
        self._pending: set[int] = set()  # artifacts with a pending-merge folder, as last seen
        self._busy = False
        self._quiet = False
        self._closed = False
        self._fs = FileWatch(self)
        self._fs.fileChanged.connect(self._on_file_changed)
        self._fs.folderChanged.connect(self._on_folder_changed)
        self._fs.refused.connect(self._poll_instead)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._start_job)
        self.seen.connect(self._on_seen)
        self._thread = _Watcher(ws, self.seen.emit)

    def start(self) -> None:
        """Take the starting point (on a worker) and start watching."""
        self._thread.start()
        self._start_job()

    def close(self) -> None:
        self._closed = True
        self._settle.stop()
        self._thread.stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._thread.report = None
        self.pool.wait_all()
        self._fs.close()

    @property
    def kind(self) -> str:
        """How the history is watched (core.history.HistoryWatch.kind), once the thread has started."""
        return self._thread.kind

    def watched(self) -> int:
        return self._fs.count

    # --- what was seen ----------------------------------------------------------
    @Slot(bool, object)
    def _on_seen(self, history: bool, disk: frozenset) -> None:
        self._history |= history
        self._disk |= disk
        self._settle.start()

    @Slot(str)
    def _on_file_changed(self, path: str) -> None:
        if self._index is not None:
            ids = self._index.artifacts_at(path)
            if ids:
                self._disk |= ids
                if not os.path.lexists(path):  # replaced by a rename: watch the new file
                    self._paths_for |= ids
                self._settle.start()

    @Slot(str)
    def _on_folder_changed(self, path: str) -> None:
        if self._index is not None:
            ids = self._index.artifacts_below(path)
            if self._index.merges_dir is not None and os.fsencode(path) in (
                    self._index.merges_dir, os.path.dirname(self._index.merges_dir)):
                # A merge folder came or went: those that had one and those that have one now.
                ids, self._pending = ids | self._pending, self._index.pending_ids()
            if ids:
                self._disk |= ids
                self._paths_for |= ids
                self._settle.start()

    # --- re-checking ------------------------------------------------------------
    @Slot()
    def _start_job(self) -> None:
        if self._closed or self.paused or self._busy:
            return  # a running job starts the next one when it ends
        if self._mark is not None and not (self._history or self._disk or self._places or self._paths_for):
            return
        job = _Job(self._mark, self._history, frozenset(self._disk), self._places,
                   frozenset(self._paths_for), with_paths=not self.polling, quiet=self._quiet)
        self._history, self._disk, self._places, self._paths_for = False, set(), False, set()
        self._quiet = False
        self._busy = True
        ws, rechecker, index = self.ws, self._rechecker, self._index
        worker = Worker(lambda: _run(ws, rechecker, job, index))
        self.pool.start(worker, finished=self._on_result, failed=self._on_failed)

    @Slot(object)
    def _on_result(self, result: _Result) -> None:
        self._busy = False
        if self._closed:
            return
        first = self._mark is None
        self._mark = result.mark
        if result.index is not None:
            self._index = result.index
            self._pending = result.index.pending_ids()
            if self._thread.poller is not None:
                self._thread.poller.reindex(result.index)
        if result.paths is not None:
            self._watch(result.paths)
        if not first and (result.update.changes or result.update.disk):
            self.updated.emit(result.update)
        self._start_job()  # what arrived meanwhile

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._busy = False
        if not self._closed:
            self.noted.emit(f"Could not follow changes made elsewhere: {message}")

    def _watch(self, paths: list[str]) -> None:
        if not self.polling:
            self._fs.add(paths, self.budget)  # on the watch thread; `refused` comes back if it cannot

    @Slot(int)
    def _poll_instead(self, wanted: int) -> None:
        """Too many watches: follow the copies by their stat keys, on the watcher thread."""
        if self.polling or self._closed:
            return
        self.polling = True
        self._fs.clear()
        if self._index is not None:
            # The watcher thread's first poll takes the starting point, then reports changes.
            self._thread.poller = DiskPoller(self._index)
        self.noted.emit(POLLING_NOTE.format(n=wanted))

    def set_paused(self, paused: bool) -> None:
        """While the window's own sync runs: gather, do not re-check (its own refresh follows)."""
        self.paused = paused
        if not paused:
            self._quiet = True  # what the sync itself did is on screen already
            self._history = True
            self._settle.start()

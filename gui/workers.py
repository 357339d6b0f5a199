"""Background work for the window: status, sync, demo, add, file diffs.

Each worker is a QObject moved to its own QThread; its `run` slot calls one
core function and reports through signals. Those signals are emitted on the
worker thread, so nobody connects to them: `WorkerPool.start(worker, finished=…,
failed=…, progress=…)` takes the callbacks and calls them on the GUI thread
(through a relay QObject living there, so Qt queues each call); a worker whose
signals already have a receiver is refused. Core opens its own database session per call, so the worker thread and
the window never share a session; only ids and frozen dataclasses cross threads.
Cancellation is a `threading.Event` the GUI sets; core polls it between
artifacts and, through core.cancel, while a git command runs (no processEvents
loops anywhere).
"""
from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import SIGNAL, QObject, Qt, QThread, Signal, Slot

from core.errors import LineageError

if TYPE_CHECKING:
    from datetime import datetime

    from core.diff import FileChange, FileDiff
    from core.store import ObjectStore
    from core.sync import ArtifactStatus, Strategy
    from core.upstreams import FoundArtifact, UpstreamSpec
    from core.workspace import Workspace

T = TypeVar("T")

# What each worker was doing, for the one sentence a person reads when it breaks.
_DOING = {
    "StatusWorker": "checking the artifacts' states",
    "SyncWorker": "syncing",
    "DemoWorker": "building the demo collection",
    "AddWorker": "adding the artifact",
    "DiscoverWorker": "looking inside the upstream",
    "AddFoundWorker": "adding the artifacts",
    "EditWorker": "changing the upstream",
    "RemoveWorker": "removing the artifact",
    "DiffWorker": "computing the file diff",
    "RenameWorker": "pairing renamed files",
    "UpstreamStateWorker": "fetching the upstream",
    "SearchWorker": "searching the versions",
    "BlameWorker": "finding which version brought each line",
}


def error_message(exc: BaseException, doing: str) -> str:
    """One sentence for people: ours say what to do already; anything else is a bug to report."""
    if isinstance(exc, LineageError):
        return str(exc)
    # Not one of ours: name the type so a bug report says something useful; the
    # traceback went to the console (see Worker.run).
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"Something went wrong while {doing} ({detail}); please report it, the details are on the console."


class Worker(QObject, Generic[T]):
    """Calls `job()` on the worker thread; emits `finished(result)` or `failed(message)`."""

    finished = Signal(object)
    failed = Signal(str)
    done = Signal()  # after either of the above; ends the thread

    def __init__(self, job: Callable[[], T]) -> None:
        super().__init__()
        self._job = job

    @Slot()
    def run(self) -> None:
        try:
            result = self._job()
        except Exception as exc:  # every failure goes to the window, never kills the thread silently
            if not isinstance(exc, LineageError):
                traceback.print_exc()  # a bug, not a user error: keep the trace for the report
            self.failed.emit(error_message(exc, _DOING.get(type(self).__name__, "working")))
        else:
            self.finished.emit(result)
        finally:
            self.done.emit()


class CancellableWorker(Worker[T]):
    """A Worker whose job may be asked to stop: it polls `stop_requested` (passed to core as
    its cancel check, or made current with core.cancel.cancellable so a git command is killed)."""

    def __init__(self, job: Callable[[], T]) -> None:
        super().__init__(job)
        self._stop = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: called from the GUI thread while `run` is busy."""
        self._stop.set()

    def stop_requested(self) -> bool:
        return self._stop.is_set()


@dataclass(frozen=True)
class StatusTicket:
    """Which status request a reply answers: its order, and how many syncs had finished."""

    seq: int
    epoch: int


@dataclass(frozen=True)
class StatusReply:
    ticket: StatusTicket
    statuses: list[ArtifactStatus] | None  # None when the run failed
    error: str | None = None


class StatusWorker(Worker[StatusReply]):
    """`core.sync.status_all` → `finished(StatusReply)`; a failure is a reply with `error` too."""

    def __init__(self, ws: Workspace, ticket: StatusTicket, names: list[str] | None = None) -> None:
        from core import sync

        def job() -> StatusReply:
            try:
                return StatusReply(ticket, sync.status_all(ws, names))
            except Exception as exc:
                if not isinstance(exc, LineageError):
                    traceback.print_exc()
                return StatusReply(ticket, None, error_message(exc, _DOING["StatusWorker"]))

        super().__init__(job)


@dataclass(frozen=True)
class LastSync:
    """When the newest sync version was recorded (None: never)."""

    at: datetime | None


@dataclass(frozen=True)
class SyncReply:
    results: list  # list[SyncResult]
    last_sync: LastSync | None  # read after the pass, here rather than on the GUI thread; None: unreadable


class SyncWorker(CancellableWorker[SyncReply]):
    """`core.sync.sync_all` with progress and cancel → `finished(SyncReply)`."""

    progress = Signal(int, int, str)

    def __init__(
        self, ws: Workspace, *, strategies: dict[int, Strategy] | None = None, names: list[str] | None = None
    ) -> None:
        from core import sync

        def job() -> SyncReply:
            results = sync.sync_all(ws, names, strategies=strategies, cancel=self.stop_requested,
                                    progress=lambda done, total, name: self.progress.emit(done, total, name))
            try:
                last: LastSync | None = LastSync(ws.history.last_sync_at())
            except LineageError:
                last = None
            return SyncReply(results, last)

        super().__init__(job)


class DemoWorker(Worker[list]):
    """`core.demo.build_demo` → `finished(list[ArtifactInfo])`."""

    progress = Signal(int, int, str)

    def __init__(self, ws: Workspace) -> None:
        from core import demo

        super().__init__(
            lambda: demo.build_demo(ws, progress=lambda done, total, name: self.progress.emit(done, total, name))
        )


class AddWorker(CancellableWorker[object]):
    """`core.sync.add_artifact` (validates the upstream and ref) → `finished(ArtifactInfo)`;
    an upstream holding several artifacts → `several(message)` instead of `failed`. Cancelled,
    a running git command is killed and nothing is added."""

    several = Signal(str)

    def __init__(
        self, ws: Workspace, name: str, source: str, *, type: str | None, ref: str | None, subdir: str | None
    ) -> None:
        from core import sync
        from core.cancel import cancellable

        def job() -> object:
            # A git upstream is cloned to check it: that can take long, so Cancel reaches git too.
            with cancellable(self.stop_requested):
                try:
                    return sync.add_artifact(ws, name, source, type=type, ref=ref, subdir=subdir)
                except sync.SeveralArtifactsError as exc:
                    self.several.emit(str(exc))
                    return None

        super().__init__(job)


class DiscoverWorker(CancellableWorker[object]):
    """`core.sync.discover_source` (fetches the upstream at its ref) → `finished(Discovery)`; cancellable."""

    def __init__(self, ws: Workspace, source: str, *, ref: str | None, subdir: str | None) -> None:
        from core import sync
        from core.cancel import cancellable

        def job() -> object:
            with cancellable(self.stop_requested):
                return sync.discover_source(ws, source, ref=ref, subdir=subdir)

        super().__init__(job)


class AddFoundWorker(Worker[object]):
    """`core.sync.add_found` for the artifacts ticked in the Add dialog → `finished(AddOutcome)`."""

    def __init__(self, ws: Workspace, spec: UpstreamSpec, found: list[FoundArtifact]) -> None:
        from core import sync

        super().__init__(lambda: sync.add_found(ws, spec, found))


class EditWorker(CancellableWorker[object]):
    """`core.sync.edit_upstream` (validates the new upstream first) → `finished(EditOutcome)`."""

    def __init__(self, ws: Workspace, artifact_id: int, *, source: str, ref: str, subdir: str) -> None:
        from core import sync
        from core.cancel import cancellable

        def job() -> object:
            with cancellable(self.stop_requested):
                art = ws.history.artifact(artifact_id)
                return sync.edit_upstream(ws, art, source=source, ref=ref, subdir=subdir)

        super().__init__(job)


class RemoveWorker(Worker[object]):
    """`core.sync.remove_artifact` (records the copy first) → `finished(RemoveOutcome)`."""

    def __init__(self, ws: Workspace, artifact_id: int, *, purge: bool) -> None:
        from core import sync

        super().__init__(lambda: sync.remove_artifact(ws, ws.history.artifact(artifact_id), purge=purge))


@dataclass(frozen=True)
class DiffReply:
    seq: int  # which selection asked; the panel drops replies to older ones
    diff: FileDiff


class DiffWorker(Worker[DiffReply]):
    """`core.diff.file_diff` of one file → `finished(DiffReply)`; a large file takes seconds.

    A blob that cannot be read becomes a FileDiff with a note (as core does for a
    missing blob), so the panel always has something to show.
    """

    def __init__(self, objects: ObjectStore, change: FileChange, seq: int) -> None:
        from core import diff as core_diff

        def job() -> DiffReply:
            try:
                return DiffReply(seq, core_diff.file_diff(objects, change))
            except LineageError as exc:
                return DiffReply(seq, core_diff.FileDiff(change, False, (), str(exc)))

        super().__init__(job)


@dataclass(frozen=True)
class CompareReply:
    seq: int  # which comparison asked; the panel drops replies to older ones
    compared: object  # core.diff.StoredComparison


class CompareWorker(Worker[CompareReply]):
    """`core.diff.compare_stored` where a manifest must come from the team's shared store (a
    database round trip, or a wait on an unreachable server) → `finished(CompareReply)`."""

    def __init__(self, objects: ObjectStore, old_hash: str | None, new_hash: str, seq: int) -> None:
        from core import diff as core_diff

        super().__init__(lambda: CompareReply(seq, core_diff.compare_stored(objects, old_hash, new_hash)))


@dataclass(frozen=True)
class RenameReply:
    seq: int  # which comparison asked; the panel drops replies to older ones
    changes: list  # list[FileChange], renames paired


class RenameWorker(Worker[RenameReply]):
    """`core.diff.find_renames` → `finished(RenameReply)`: pairing by content reads the blobs."""

    def __init__(self, objects: ObjectStore, changes: list[FileChange], seq: int) -> None:
        from core import diff as core_diff

        super().__init__(lambda: RenameReply(seq, core_diff.find_renames(objects, list(changes))))


class UpstreamStateWorker(Worker[object]):
    """Fetches an artifact's upstream and stores its content for comparing (core.sync.upstream_preview)."""

    def __init__(self, ws: Workspace, artifact_id: int) -> None:
        from core.sync.upstream_preview import store_upstream

        super().__init__(lambda: store_upstream(ws, artifact_id))


@dataclass(frozen=True)
class SearchReply:
    seq: int  # which query asked; the search drops replies to older ones
    ids: list[int]


class SearchWorker(Worker[SearchReply]):
    """A query with file: or text: terms matched on a worker (they read the object store)."""

    def __init__(self, index: object, query: object, seq: int) -> None:
        super().__init__(lambda: SearchReply(seq, index.match(query)))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BlameReply:
    seq: int  # which request asked; the blame view drops replies to older ones
    blame: object | None  # core.ancestry.Blame, None when it failed or was cancelled
    error: str | None = None
    cancelled: bool = False


class BlameWorker(CancellableWorker[BlameReply]):
    """`core.ancestry.blame_file` → `finished(BlameReply)`; a refusal is a reply with `error`.
    `text(lines)` comes first when the versions must be walked for; `progress(done, total)`
    counts the versions walked; `cancel` stops it (a reply with `cancelled` set)."""

    progress = Signal(int, int)
    text = Signal(object)  # the file's lines (list[str]), before a walk finds their versions

    def __init__(self, ws: Workspace, artifact_id: int, path: str | None, version_id: int | None, seq: int) -> None:
        from core.ancestry import blame_file, text_lines
        from core.cancel import Cancelled

        def job() -> BlameReply:
            try:
                return BlameReply(seq, blame_file(ws, artifact_id, path, version_id, cancel=self.stop_requested,
                                                  progress=lambda done, total: self.progress.emit(done, total),
                                                  on_text=lambda raw: self.text.emit(text_lines(raw))))
            except Cancelled:
                return BlameReply(seq, None, None, cancelled=True)
            except Exception as exc:
                if not isinstance(exc, LineageError):
                    traceback.print_exc()
                return BlameReply(seq, None, error_message(exc, _DOING["BlameWorker"]))

        super().__init__(job)


# Every started worker and its thread until a pool has seen it end. Module-level, so a pool
# destroyed mid-run (its dialog collected while a check still runs) cannot take a running
# QThread with it: destroying a running QThread aborts the whole process. An entry whose
# pool is gone stays here, its thread ended (see `start`).
_LIVE: dict[Worker, QThread] = {}


class WorkerThreadError(RuntimeError):
    """A worker used in a way that would run window code on its thread (a bug in the caller)."""


class _Relay(QObject):
    """Lives on the GUI thread; a worker signal connected to `deliver` is queued here, so the
    callback runs on the GUI thread whatever thread emitted it. No Qt parent: the pool holds it
    until the worker is done (a parented Python QObject deleted later crashed in ~QObject)."""

    def __init__(self, callback: Callable[..., object]) -> None:
        super().__init__()
        self._callback = callback

    def deliver(self, *args: object) -> None:  # undecorated: takes any signal's arguments
        self._callback(*args)


_QOBJECT_METHODS = QObject.staticMetaObject.methodCount()


def worker_signals(worker: Worker) -> dict[str, bytes]:
    """The worker's own signals: name → normalized signature (finished(PyObject), …)."""
    meta = worker.metaObject()
    found: dict[str, bytes] = {}
    for i in range(_QOBJECT_METHODS, meta.methodCount()):
        method = meta.method(i)
        if method.methodType() == method.MethodType.Signal:
            found[bytes(method.name()).decode()] = bytes(method.methodSignature())
    return found


class WorkerPool(QObject):
    """Owns running workers and their threads so neither is collected mid-run, and delivers
    what they report on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[Worker, QThread] = {}
        self._relays: dict[Worker, list[_Relay]] = {}

    def start(self, worker: Worker, **callbacks: Callable[..., object]) -> Worker:
        """Run `worker` on its own thread. Each keyword names one of its signals (finished,
        failed, progress, several…) and gives the callable to run, on the GUI thread, with that
        signal's arguments. A worker signal already connected elsewhere is refused
        (WorkerThreadError): a callable connected to it directly would run on the worker thread."""
        if QThread.currentThread() is not self.thread():
            raise WorkerThreadError("WorkerPool.start was called off the GUI thread.")
        signals = worker_signals(worker)
        for name, signature in signals.items():
            if worker.receivers(SIGNAL(signature.decode())):
                raise WorkerThreadError(
                    f"{type(worker).__name__}.{name} is connected outside WorkerPool.start; pass the "
                    f"callback as start(worker, {name}=...) so it runs on the GUI thread."
                )
        unknown = set(callbacks) - (set(signals) - {"done"})
        if unknown:
            raise TypeError(f"{type(worker).__name__} has no signal {', '.join(sorted(unknown))} to call back on.")
        relays = []
        for name, callback in callbacks.items():
            relay = _Relay(callback)
            getattr(worker, name).connect(relay.deliver)  # relay is a GUI-thread QObject: queued
            relays.append(relay)
        self._relays[worker] = relays
        thread = QThread()
        thread.setObjectName(type(worker).__name__)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # A bound slot of this GUI-thread object, so the call is queued here, after the
        # callbacks above (emitted before `done`, queued in that order).
        worker.done.connect(self._on_done)
        # Directly on the worker thread: the thread's loop ends with the job even when the
        # queued _on_done never runs because this pool is gone by then.
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        self._running[worker] = thread
        _LIVE[worker] = thread
        thread.start()
        return worker

    @Slot()
    def _on_done(self) -> None:
        worker = self.sender()
        thread = self._running.pop(worker, None)  # type: ignore[arg-type]
        _LIVE.pop(worker, None)  # type: ignore[arg-type]
        # Dropped here: the callbacks' calls were queued before this one, so they have run.
        self._relays.pop(worker, None)  # type: ignore[arg-type]
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
            _LIVE.pop(worker, None)
        self._running.clear()

"""Loading an artifact's history for the graph, off the GUI thread.

`LineageLoader.request(artifact_id)` reads the versions (`History.versions`) and plans
the scene (`gui.graph.scene.plan_scene`: core.history.lineage's graph and layout, and the
edges of each band) on a worker; for 10,000 versions that is most of a second, which
the window must not spend. The reply comes back on the GUI thread, where the view
only adds items (`LineageView.show_plan`). Replies can cross when the user moves on
before a long history is planned: only the reply to the newest request is delivered
(`loaded`), older ones are dropped (`dropped`).

What crosses threads is a `LineageReply`: frozen, holding dataclasses and a plan the
worker never touches again once it is sent.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from core.errors import LineageError
from core.history import History, VersionInfo
from gui.graph.scene import ScenePlan, ViewOptions, gc_paused, plan_scene
from gui.workers import Worker, WorkerPool, error_message

DOING = "loading the artifact's history"


@dataclass(frozen=True)
class LineageReply:
    seq: int  # which request this answers
    artifact_id: int
    versions: list[VersionInfo]  # newest first
    plan: ScenePlan | None  # None when there is nothing to draw (no versions, or an error)
    error: str | None = None
    head_id: int | None = None  # the collection line's head (core.history.lineage.head_of)


def load_lineage(history: History, artifact_id: int, seq: int, options: ViewOptions | None = None) -> LineageReply:
    """Versions and scene plan of one artifact; any thread. A failure is a reply too."""
    try:
        # Reading 10,000 rows allocates ~200,000 objects; with the collector running, a
        # full collection mid-load holds the GIL and so pauses the GUI thread too.
        from core.history.lineage import head_of  # networkx: loaded here, off the GUI thread

        with gc_paused():
            versions = history.versions(artifact_id)
            head = head_of(versions)
            plan = plan_scene(versions, head.id, options) if head is not None else None
        return LineageReply(seq, artifact_id, versions, plan, head_id=head.id if head is not None else None)
    except Exception as exc:  # the window shows it in the graph's place; nothing is lost
        if not isinstance(exc, LineageError):
            traceback.print_exc()
        return LineageReply(seq, artifact_id, [], None, error_message(exc, DOING))


class LineageWorker(Worker[LineageReply]):
    def __init__(self, history: History, artifact_id: int, seq: int, options: ViewOptions | None = None) -> None:
        super().__init__(lambda: load_lineage(history, artifact_id, seq, options))


class LineageLoader(QObject):
    loaded = Signal(object)  # LineageReply to the newest request
    dropped = Signal(object)  # LineageReply that arrived after a newer request was made

    def __init__(self, history: History, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self._pool = pool
        self._seq = 0

    def request(self, artifact_id: int, options: ViewOptions | None = None) -> int:
        """Start loading; returns the request's number."""
        self._seq += 1
        worker = LineageWorker(self._history, artifact_id, self._seq, options)
        self._pool.start(worker, finished=self._on_finished)
        return self._seq

    def is_current(self, reply: LineageReply) -> bool:
        return reply.seq == self._seq

    @Slot(object)
    def _on_finished(self, reply: LineageReply) -> None:
        (self.loaded if self.is_current(reply) else self.dropped).emit(reply)

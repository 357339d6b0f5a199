"""Status runs for the window, and which of their replies may still be shown.

A status run hashes every collection copy and upstream on a worker, so replies
arrive late and can cross: a run started at start-up may finish after a Sync now
that began later, and its states (computed before the sync) would overwrite the
post-sync ones. Every request therefore gets a ticket: its sequence number and
the number of syncs finished when it was asked. A reply is *current* only when
no newer request was made since and no sync finished in between; the window
applies current replies to its list and drops the others. The caller's own
callback still gets every reply (with `current`), because the Sync now flow
needs its pre-sync states even when someone else asked for states meanwhile.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from gui.workers import StatusReply, StatusTicket, StatusWorker, WorkerPool

if TYPE_CHECKING:
    from core.sync import ArtifactStatus
    from core.workspace import Workspace

ReplyCallback = Callable[[StatusReply, bool], None]  # (reply, current)


class StatusRunner(QObject):
    replyDropped = Signal(object)  # StatusReply that arrived stale (for tests and diagnostics)

    def __init__(self, ws: Workspace, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ws = ws
        self._pool = pool
        self._seq = 0
        self._epoch = 0
        self._callbacks: dict[int, ReplyCallback] = {}

    def request(self, on_reply: ReplyCallback) -> StatusTicket:
        self._seq += 1
        ticket = StatusTicket(self._seq, self._epoch)
        self._callbacks[ticket.seq] = on_reply
        worker = StatusWorker(self._ws, ticket)
        self._pool.start(worker, finished=self._on_reply)
        return ticket

    def sync_finished(self) -> None:
        """Every reply to a request made before now describes the collection before the sync."""
        self._epoch += 1

    def is_current(self, ticket: StatusTicket) -> bool:
        return ticket.seq == self._seq and ticket.epoch == self._epoch

    @Slot(object)
    def _on_reply(self, reply: StatusReply) -> None:
        callback = self._callbacks.pop(reply.ticket.seq, None)
        current = self.is_current(reply.ticket)
        if not current:
            self.replyDropped.emit(reply)
        if callback is not None:
            callback(reply, current)


def statuses_of(reply: StatusReply) -> list[ArtifactStatus]:
    return list(reply.statuses or [])

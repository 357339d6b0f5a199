"""The PostgreSQL channel this app owns, and the NOTIFY every write transaction sends on it.

`Database.write` calls `announce` before it commits; PostgreSQL delivers the notification
to every listening connection (core.history.changes.HistoryWatch: the members' open windows)
when, and only if, the transaction commits. SQLite needs none: a watcher reads
`PRAGMA data_version` instead.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["CHANNEL", "announce"]

# One NOTIFY per write transaction, empty payload: listeners ask core.history.changes what changed.
CHANNEL = "artifact_lineage_history"


def announce(session: "Session") -> None:
    """In a write transaction on PostgreSQL: notify `CHANNEL` when (and only if) it commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})

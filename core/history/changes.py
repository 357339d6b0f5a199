"""Noticing history written by another process or another member, and which artifacts it touched.

Two cheap questions, asked often by a window that follows the world (docs/gui.md, "Live"):

1. *Did anyone commit since I last asked?* `HistoryWatch.poll()`. On SQLite it reads
   `PRAGMA data_version` on a connection of its own that never writes: the number
   changes whenever any other connection (this process's or another's) commits,
   so a poll is one round trip into SQLite's shared memory, no query of a table. On
   PostgreSQL it drains a `LISTEN` connection on `CHANNEL`: `Database.write` sends
   `NOTIFY` in every write transaction (core.history.notify), delivered by the server when
   that transaction commits, to every member listening. A connection lost is
   re-opened on the next poll, which then answers "yes" (something may have been
   missed). Where neither works (an in-memory database) every poll answers "yes".
2. *What changed?* `changes_since(db, mark)`: versions with an id above the mark's
   newest (plus a per-artifact count when ids committed out of order or rows went),
   and artifacts, projects and deployments whose rows differ from the mark's. A few
   small queries, run only after a poll said yes.

Reads only, never records anything: seeing a change is not a change.
"""
from __future__ import annotations

import hashlib
import select as select_mod
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from core.history.models import Artifact, ArtifactVersion, Deployment, Project
from core.history.notify import CHANNEL

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.history.db import Database  # noqa: F401 (annotations only)

__all__ = ["CHANNEL", "HistoryChanges", "HistoryMark", "HistoryWatch", "changes_since", "mark_now"]

@dataclass(frozen=True)
class HistoryMark:
    """What the history held when last looked at (opaque to callers; compare with `changes_since`)."""

    last_version_id: int
    version_count: int
    per_artifact: tuple[tuple[int, int, int], ...]  # (artifact id, count, newest id), by artifact id
    artifacts: tuple[tuple[int, str], ...]  # (id, digest of the row)
    projects: tuple[tuple[int, str], ...]
    deployments: tuple[tuple[int, int, int], ...]  # (artifact id, project id, version id)


@dataclass(frozen=True)
class HistoryChanges:
    """Which artifacts gained or lost versions or deployments, and whether the lists changed."""

    versions: frozenset[int] = frozenset()  # artifact ids with new (or removed) versions
    deployments: frozenset[int] = frozenset()  # artifact ids whose deployments changed
    artifacts: frozenset[int] = frozenset()  # artifact ids added, removed or edited (upstream, place)
    projects_changed: bool = False  # a project registered, removed or moved

    @property
    def artifact_ids(self) -> frozenset[int]:
        """Every artifact whose state may have changed."""
        return self.versions | self.deployments | self.artifacts

    def __bool__(self) -> bool:
        return bool(self.artifact_ids) or self.projects_changed


def _digest(*values: Any) -> str:
    return hashlib.sha1(repr(values).encode(), usedforsecurity=False).hexdigest()


def _per_artifact(session: "Session") -> tuple[tuple[int, int, int], ...]:
    rows = session.execute(
        select(ArtifactVersion.artifact_id, func.count(), func.max(ArtifactVersion.id))
        .group_by(ArtifactVersion.artifact_id).order_by(ArtifactVersion.artifact_id)
    )
    return tuple((int(a), int(n), int(m)) for a, n, m in rows)


def _rows(session: "Session") -> tuple[tuple, tuple, tuple]:
    artifacts = tuple(
        (row.id, _digest(row.name, row.type, row.upstream_kind, row.upstream_location, row.upstream_ref,
                         row.upstream_subdir, row.place, row.shape, row.removed_at))
        for row in session.execute(select(Artifact).order_by(Artifact.id)).scalars()
    )
    projects = tuple(
        (int(i), _digest(name, path))
        for i, name, path in session.execute(select(Project.id, Project.name, Project.path).order_by(Project.id))
    )
    deployments = tuple(
        (int(a), int(p), int(v))
        for a, p, v in session.execute(
            select(Deployment.artifact_id, Deployment.project_id, Deployment.version_id)
            .order_by(Deployment.artifact_id, Deployment.project_id)
        )
    )
    return artifacts, projects, deployments


def mark_now(db: "Database") -> HistoryMark:
    """The history as it is now: the starting point for `changes_since`."""
    with db.session() as session:
        per_artifact = _per_artifact(session)
        artifacts, projects, deployments = _rows(session)
    return HistoryMark(
        last_version_id=max((m for _a, _n, m in per_artifact), default=0),
        version_count=sum(n for _a, n, _m in per_artifact),
        per_artifact=per_artifact, artifacts=artifacts, projects=projects, deployments=deployments,
    )


def _differing(old: tuple, new: tuple) -> set[int]:
    """The first field (an artifact id) of every row present in one and not the other."""
    return {row[0] for row in set(old) ^ set(new)}


def changes_since(db: "Database", mark: HistoryMark) -> tuple[HistoryChanges, HistoryMark]:
    """What changed since `mark`, and the mark to use next time. Reads only."""
    with db.session() as session:
        new_rows = session.execute(
            select(ArtifactVersion.artifact_id, ArtifactVersion.id).where(ArtifactVersion.id > mark.last_version_id)
        ).all()
        count = int(session.execute(select(func.count()).select_from(ArtifactVersion)).scalar_one())
        touched = {int(a) for a, _i in new_rows}
        per_artifact = mark.per_artifact
        if count != mark.version_count + len(new_rows):
            # An id below the mark committed late (PostgreSQL sequences), or versions were purged:
            # compare every artifact's count and newest id instead.
            per_artifact = _per_artifact(session)
            touched |= _differing(mark.per_artifact, per_artifact)
        elif new_rows:
            latest: dict[int, tuple[int, int]] = {a: (n, m) for a, n, m in mark.per_artifact}
            for a, i in new_rows:
                n, m = latest.get(int(a), (0, 0))
                latest[int(a)] = (n + 1, max(m, int(i)))
            per_artifact = tuple((a, n, m) for a, (n, m) in sorted(latest.items()))
        artifacts, projects, deployments = _rows(session)
    last = max([mark.last_version_id, *(int(i) for _a, i in new_rows)])
    changes = HistoryChanges(
        versions=frozenset(touched),
        deployments=frozenset(_differing(mark.deployments, deployments)),
        artifacts=frozenset(_differing(mark.artifacts, artifacts)),
        projects_changed=mark.projects != projects,
    )
    new_mark = HistoryMark(last, count, per_artifact, artifacts, projects, deployments)
    return changes, new_mark


@dataclass
class HistoryWatch:
    """Says, cheaply and without Qt, whether anyone may have committed to `db` since the last poll.

    Call `poll()` from one thread at a time (a timer, or a watcher thread); `close()` when done.
    `kind` says how it watches: "sqlite data_version", "postgresql listen" or "every poll".
    """

    db: "Database"
    kind: str = field(init=False, default="every poll")
    _sqlite: sqlite3.Connection | None = field(init=False, default=None, repr=False)
    _version: int | None = field(init=False, default=None)
    _listen: Any = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        dialect = self.db.engine.dialect.name
        if dialect == "sqlite" and self.db.path is not None:
            self.kind = "sqlite data_version"
        elif dialect == "postgresql":
            self.kind = "postgresql listen"
        self.poll()  # opens the connection and takes the starting point

    def poll(self) -> bool:
        """True when something may have been committed since the last poll (never raises)."""
        if self.kind == "sqlite data_version":
            return self._poll_sqlite()
        if self.kind == "postgresql listen":
            return self._poll_postgres()
        return True

    def wait(self, timeout: float, stop: "threading.Event | None" = None) -> bool:
        """Block up to `timeout` seconds (less when `stop` is set), then say whether anything may
        have been committed: a watcher thread's loop. PostgreSQL wakes as soon as a notification
        arrives; SQLite polls once the time is up."""
        if self.kind == "postgresql listen" and self.fileno() is not None:
            try:
                select_mod.select([self.fileno()], [], [], timeout)
            except (OSError, ValueError):
                pass  # the connection went: poll() reconnects
        elif stop is not None:
            stop.wait(timeout)
        else:
            time.sleep(timeout)
        return self.poll()

    def fileno(self) -> int | None:
        """PostgreSQL: the listening socket (readable when a notification arrives), else None."""
        try:
            return self._listen.fileno() if self._listen is not None else None
        except Exception:
            return None

    def close(self) -> None:
        for con in (self._sqlite, self._listen):
            if con is not None:
                try:
                    con.close()
                except Exception:
                    pass
        self._sqlite = self._listen = None

    # --- SQLite ------------------------------------------------------------------
    def _poll_sqlite(self) -> bool:
        try:
            if self._sqlite is None:
                uri = self.db.path.as_uri() + "?mode=ro"  # type: ignore[union-attr]
                self._sqlite = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            version = int(self._sqlite.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            self.close()
            self._version = None
            return True
        changed = version != self._version
        self._version = version
        return changed

    # --- PostgreSQL --------------------------------------------------------------
    def _poll_postgres(self) -> bool:
        try:
            if self._listen is None:
                self._listen = self._connect_listener()
                return True  # (re)connected: anything may have happened while not listening
            return any(True for _n in self._listen.notifies(timeout=0))
        except Exception:  # a lost server or network: listen again next time
            self.close()
            return True

    def _connect_listener(self) -> Any:
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql")
        con = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5)
        con.execute(f"LISTEN {CHANNEL}")
        return con

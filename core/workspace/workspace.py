"""Workspace: the data folder, database, history, object store and stat cache, opened together.

Open one per process (the window and its worker threads share it; each thread
uses its own database session). `close()` saves the stat cache and disposes the
database engine; the workspace is also a context manager.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from core.workspace.paths import DataHome, resolve_db_url, resolve_home
from core.workspace.pending import PendingRecords

if TYPE_CHECKING:  # imported in open() so `import core.workspace` stays cheap
    from core.history import Database
    from core.history import History, VersionInfo
    from core.store import ObjectStore
    from core.content import StatCache


ENV_MAX_FILE_MB = "ARTIFACT_LINEAGE_MAX_FILE_MB"


def max_file_bytes() -> int:
    """The largest file the shared store takes: ARTIFACT_LINEAGE_MAX_FILE_MB (default 50)."""
    from core.errors import SettingError

    raw = os.environ.get(ENV_MAX_FILE_MB)
    if not raw:
        return 50 * 1024 * 1024
    try:
        mb = float(raw)
        if mb <= 0:
            raise ValueError
    except ValueError:
        raise SettingError(f"{ENV_MAX_FILE_MB}={raw!r} is not a positive number of megabytes; set it to e.g. 50.") from None
    return int(mb * 1024 * 1024)


@dataclass
class Workspace:
    home: DataHome
    db: "Database"
    history: "History"
    objects: "ObjectStore"
    stat_cache: "StatCache"
    pending: PendingRecords
    db_url: str = ""
    # This data folder's member id (core.workspace.machine): the owner written on the
    # projects it registers.
    machine: str = ""
    # The data folder cannot be written: nothing is recovered, swept or recorded, the stat
    # cache lives in memory, and the commands that write refuse (require_writable).
    read_only: bool = False
    startup_messages: list[str] = field(default_factory=list)
    # When versions are stamped: None means now (UTC). The demo sets it to lay out a
    # believable history; tests set it to pin times.
    clock: Callable[[], datetime] | None = None
    _closed: bool = False

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None, db_url: str | None = None) -> "Workspace":
        # Imported here so `import core.workspace` stays cheap (the CLI's --help needs none of it).
        from core.history import open_database
        from core.history import History
        from core.store import DatabaseSharedStore, ObjectStore
        from core.content import StatCache
        from core.atomic import swap
        from core.workspace.machine import machine_id
        from core.upstreams import sweep_git_cache

        data_home = resolve_home(home)
        read_only = data_home.read_only
        if not read_only:
            data_home.ensure()
        url = resolve_db_url(data_home, db_url)
        messages: list[str] = []
        if not read_only:
            # A swap interrupted by a crash is finished or undone before anything reads the collection.
            recovered = swap.recover(data_home.collection_dir)
            if recovered:
                messages.extend(str(m) for m in recovered)
            messages.extend(sweep_git_cache(data_home.git_cache_dir))  # checkouts of killed fetches
        db = open_database(url)
        try:
            member = machine_id(data_home.machine_id_path, create=not read_only)
            history = History(db, member)
            # A team's database is also its shared object store; SQLite keeps the local one alone.
            shared = DatabaseSharedStore(db.engine, db.where) if db.engine.dialect.name == "postgresql" else None
            objects = ObjectStore(data_home.objects_dir, shared, max_file_bytes())
            stat_cache = StatCache(None if read_only else data_home.stat_cache_path)
        except BaseException:
            db.dispose()
            raise
        ws = cls(
            home=data_home,
            db=db,
            history=history,
            objects=objects,
            stat_cache=stat_cache,
            pending=PendingRecords(data_home.pending_dir),
            db_url=url,
            machine=member,
            read_only=read_only,
            startup_messages=messages,
        )
        if not read_only and not db.read_only:
            history.recorded_listeners.append(ws._keep_blame_cache_current)
        if not read_only:
            messages.extend(ws.recover_projects())
        # A sync that replaced a copy but died (or lost its database) before recording
        # it: record it now, before anything compares the copy with the history.
        messages.extend(ws.roll_forward())
        return ws

    def _keep_blame_cache_current(self, version: "VersionInfo") -> None:
        # Imported on the first version recorded: a command that records none never loads blame.
        from core.ancestry.blame_upkeep import keep_blame_current

        keep_blame_current(self, version)

    def recover_projects(self) -> list[str]:
        """recover() in every registered project's `.claude` folder: interrupted swaps finished or
        undone, staging and other leftovers of killed verbs swept (never through a link)."""
        from core.atomic import swap
        from core.history import Deployments

        messages: list[str] = []
        try:
            projects = Deployments(self.db).projects(self.machine or None)  # a teammate's folders are theirs
        except Exception as exc:  # noqa: BLE001 - a database that cannot list projects fails later, saying so
            return [f"Could not list the projects to recover them ({exc})."]
        for project in projects:
            claude = Path(project.path) / ".claude"
            if not os.path.isdir(claude) or os.path.islink(claude) or os.path.islink(project.path):
                continue
            messages.extend(str(m) for m in swap.recover(claude))
        return messages

    def roll_forward(self) -> list[str]:
        """Record the syncs whose copy is in place but whose version is not (core.workspace.pending)."""
        if self.read_only or self.db.read_only:
            return []  # left for the next run that can write
        return self.pending.roll_forward(self.history, self.home.collection_dir, self.clock)

    def require_writable(self, doing: str) -> None:
        """Refuse, with one sentence, a command that writes in a read-only data folder."""
        from core.errors import DataFolderError

        if self.read_only or self.db.read_only:
            where = self.home.root if self.read_only else self.db.where
            raise DataFolderError(
                f"Cannot {doing}: {where} is read-only; `log`, `status` and `diff` still work, "
                "or make it writable (or choose another --home or --db) and try again."
            )

    @property
    def collection_dir(self) -> Path:
        return self.home.collection_dir

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.history.recorded_listeners.clear()  # no upkeep on a closed workspace (and no cycle back to it)
        try:
            self.stat_cache.save()
        except OSError:
            pass  # a lost cache only costs re-hashing next time
        finally:
            self.db.dispose()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The database: engine, SQLite pragmas, sessions, IMMEDIATE write transactions, migrations.

`open_database(url)` returns a `Database` whose schema is at the newest migration.
Every failure of the database itself (locked, corrupt, unwritable, too new) leaves
this module as a `core.errors.DatabaseError` with one sentence naming the file.
"""
from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from urllib.request import pathname2url

import sqlalchemy.exc as sa_exc
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from core.errors import DatabaseError, DatabaseUrlError, MalformedRowError, describe_os_error
from core.history.notify import announce
from core.history.models import UnreadableValue, find_unreadable

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration's revision id. Opening a database already stamped with it
# reads alembic_version with plain SQLAlchemy and never imports alembic (~0.4 s of
# start-up); any other state (new file, older or unknown revision) goes through
# alembic. tests/core/test_db.py asserts this equals alembic's ScriptDirectory
# head, so adding a migration without updating it fails the suite.
HEAD_REVISION = "0005"
DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a writer waits for another writer before giving up
# A team's server that does not answer (a host that is down, a dropped VPN) is said after this
# many seconds instead of the operating system's two minutes of retries; and a connection whose
# server vanished mid-query is found dead by TCP keepalives, not after a quarter of an hour.
# Any of these set in the URL's query wins.
CONNECT_TIMEOUT = 10
POSTGRES_CONNECT_ARGS = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}

# Execution option that marks a connection as a writer, so the "begin" hook
# emits BEGIN IMMEDIATE: the write lock is taken up front, and a transaction
# that read first cannot fail with SQLITE_BUSY when it then writes.
_WRITE_OPTION = "lineage_write"

# Errors of the driver itself; SQLAlchemy wraps them once a statement runs, but
# a failure inside the connect hook (pragmas) arrives unwrapped.
# Programming errors (sa_exc.InvalidRequestError…) are not the database's fault
# and pass through unchanged.
_DRIVER_ERRORS: tuple[type[BaseException], ...] = (sa_exc.DBAPIError, sqlite3.Error)


class Database:
    """An engine and its session factories. Share one per process; one session per thread."""

    def __init__(self, engine: Engine, url: URL, path: Path | None, read_only: bool = False) -> None:
        self.engine = engine
        self.url = url
        self.path = path  # the SQLite file, or None for other databases / memory
        self.read_only = read_only  # a SQLite file this process cannot write (see open_database)
        self._reads = sessionmaker(bind=engine, expire_on_commit=False)
        self._writes = sessionmaker(
            bind=engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def where(self) -> str:
        """The database as people should see it in messages (no password)."""
        if self.path is not None:
            return str(self.path)
        return _display(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (plain BEGIN); rolled back and closed on exit."""
        session = self._reads()
        try:
            yield session
        except _DRIVER_ERRORS as exc:
            raise translate_error(exc, self.where) from exc
        except UnreadableValue as exc:
            raise self.malformed_row(exc) from exc
        finally:
            _close_quietly(session)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A bare connection for a small read of columns (no ORM objects): about a fifth of a
        session's cost, which counts where a pass reads one value per artifact."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except _DRIVER_ERRORS as exc:
            raise translate_error(exc, self.where) from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write session: BEGIN IMMEDIATE on SQLite; commits on success, rolls back on error."""
        session = self._writes()
        try:
            yield session
            announce(session)  # PostgreSQL: NOTIFY the members' open windows when this commits
            session.commit()
        except BaseException as exc:
            _rollback_quietly(session)
            if isinstance(exc, _DRIVER_ERRORS):
                raise translate_error(exc, self.where) from exc
            if isinstance(exc, UnreadableValue):
                raise self.malformed_row(exc) from exc
            raise
        finally:
            _close_quietly(session)

    def malformed_row(self, exc: UnreadableValue) -> MalformedRowError:
        """One sentence naming the table, row and column that could not be read."""
        try:
            with self.engine.connect() as conn:
                found = find_unreadable(conn, self.engine.dialect)
        except _DRIVER_ERRORS:
            found = None
        advice = "fix or delete that row (or restore a backup of the database), then try again."
        if found is None:
            return MalformedRowError(f"The database {self.where} holds a value that cannot be read ({exc}); {advice}")
        table, row_id, column, reason = found
        return MalformedRowError(
            f"In the database {self.where}, the {column} of {table} row {row_id} cannot be read ({reason}); {advice}"
        )

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.where!r})"


def open_database(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Database:
    """Open (creating if needed) the database at `url` and migrate it to the newest schema."""
    parsed = parse_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    path = _sqlite_path(parsed) if is_sqlite else None
    where = str(path) if path is not None else _display(parsed)

    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"Cannot create the folder {path.parent} for the database: "
                f"{describe_os_error(exc, 'fix the folder permissions')}, or choose another --home or --db."
            ) from exc

    read_only = path is not None and _cannot_write(path)
    try:
        engine = _create_engine(parsed, is_sqlite, path, busy_timeout, read_only)
    except sa_exc.SQLAlchemyError as exc:
        raise DatabaseUrlError(f"Cannot use the database {where}: {exc}; check the URL and that its driver is installed.") from exc
    except ModuleNotFoundError as exc:
        raise DatabaseUrlError(f"The driver for the database {where} is not installed ({exc.name}); install it or use a sqlite:/// URL.") from exc
    db = Database(engine, parsed, path, read_only)
    try:
        _migrate(db)
    except BaseException:
        engine.dispose()
        raise
    return db


def parse_url(url: str) -> URL:
    """The URL parsed and checked now: SQLAlchemy reads a port or host lazily, and a bad one
    would surface later as a bare ValueError. DatabaseUrlError names what is wrong."""
    shown = _hide_password(url)
    example = "give a SQLAlchemy URL such as sqlite:///path/to/lineage.sqlite3 or postgresql://user@host:5432/name"
    try:
        parsed = make_url(url)
        port = parsed.port
    except sa_exc.ArgumentError as exc:
        raise DatabaseUrlError(f"The database URL {shown!r} is not valid; {example}.") from exc
    except ValueError as exc:
        # urllib and SQLAlchemy say e.g. "invalid literal for int() with base 10: 'x'" or "Invalid IPv6 URL".
        netloc = url.partition("://")[2].partition("/")[0]
        if "[" in netloc and "]" not in netloc:
            reason = "its IPv6 host opens '[' without closing it"
        elif "int()" in str(exc):
            reason = "its port is not a number"
        else:
            reason = str(exc).rstrip(".")
        raise DatabaseUrlError(f"The database URL {shown!r} is not valid ({reason}); {example}.") from exc
    if port is not None and not 0 < port < 65536:
        raise DatabaseUrlError(f"The database URL {shown!r} has the port {port}, outside 1-65535; {example}.")
    host = parsed.host or ""
    if "[" in host or "]" in host or (host.count(":") and not _is_ipv6(host)):
        raise DatabaseUrlError(f"The database URL {shown!r} has the host {host!r}, which is not a host name "
                               f"or an IP address (an IPv6 address goes in brackets: [::1]); {example}.")
    return parsed


def _is_ipv6(host: str) -> bool:
    import ipaddress

    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        return False


def _hide_password(url: str) -> str:
    """The URL as typed, minus a password between '://user:' and '@' (it may not parse at all)."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _sqlite_path(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(database).expanduser().resolve()


def _cannot_write(path: Path) -> bool:
    """An existing SQLite file this process may not write, or whose folder it may not write
    (WAL needs its -wal and -shm files beside it): a read-only data folder or mount."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _read_only_connection(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open a SQLite file for reading only. `mode=ro` still shares a writer's WAL; where its
    -shm file cannot be made (a read-only folder, after the last writer closed) SQLite
    refuses, and `immutable=1` reads the file as it is (nobody can be writing it there)."""
    where = "file:" + pathname2url(str(path))
    for query in ("mode=ro", "immutable=1"):
        con = sqlite3.connect(f"{where}?{query}", uri=True, timeout=busy_timeout, check_same_thread=False)
        try:
            con.execute("PRAGMA schema_version").fetchone()
            return con
        except sqlite3.OperationalError:
            con.close()
            if query == "immutable=1":
                raise
    raise AssertionError("unreachable")


def _create_engine(url: URL, is_sqlite: bool, path: Path | None, busy_timeout: float,
                   read_only: bool = False) -> Engine:
    if not is_sqlite:
        wanted = {"connect_timeout": CONNECT_TIMEOUT, **POSTGRES_CONNECT_ARGS}
        return create_engine(url, pool_pre_ping=True,
                             connect_args={k: v for k, v in wanted.items() if k not in url.query})
    kwargs: dict[str, Any] = {"connect_args": {"timeout": busy_timeout, "check_same_thread": False}}
    if path is None:
        # One shared in-memory database for every thread, not one per thread.
        kwargs["poolclass"] = StaticPool
    if read_only and path is not None:
        kwargs = {"creator": lambda: _read_only_connection(path, busy_timeout)}
    engine = create_engine(url, **kwargs)
    timeout_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy, not the sqlite3 module, decides when transactions begin
        # (the sqlite3 module never emits BEGIN before a SELECT or DDL).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if path is not None and not read_only:
                # WAL: readers never block the writer; FULL: a committed version
                # survives a power cut (NORMAL may lose the last commits in WAL).
                mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _alembic_config(db: Database) -> "Config":
    from alembic.config import Config

    config = Config()
    # configparser interpolation: a '%' in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option(
        "sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def _stored_revisions(db: Database) -> tuple[str, ...] | None:
    """alembic_version read with plain SQLAlchemy; None when the table does not exist."""
    try:
        with db.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
            return tuple(sorted(str(r[0]) for r in rows))
    except _DRIVER_ERRORS as exc:
        raise translate_error(exc, db.where) from exc


def current_revisions(db: Database) -> tuple[str, ...]:
    """The migration revision(s) the database is stamped with (empty for a new database)."""
    return _stored_revisions(db) or ()


def head_revision() -> str:
    """The newest revision as alembic sees it (imports alembic; HEAD_REVISION is the fast copy)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    return heads[0]


def _migrate(db: Database) -> None:
    stored = _stored_revisions(db)
    if stored == (HEAD_REVISION,):
        return  # already at head: no alembic import, no write lock taken
    if db.read_only:
        raise DatabaseError(
            f"The database {db.where} is read-only and "
            f"{'empty' if not stored else 'from an older Artifact Lineage'}; open it once where it can be "
            "written (so its schema is brought up to date), or choose another --home or --db."
        )
    _migrate_with_alembic(db)


def _migrate_with_alembic(db: Database) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    config = _alembic_config(db)
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    current = current_revisions(db)
    for revision in current:
        try:
            known = script.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise DatabaseError(
                f"The database {db.where} has schema revision {revision!r}, written by a newer "
                "Artifact Lineage; upgrade Artifact Lineage, or use another --home or --db."
            )
    if set(current) == heads:
        return  # already at head: no write lock taken, so opening never waits for a writer
    try:
        # The whole upgrade in one IMMEDIATE transaction: two processes starting
        # at once take turns instead of both creating tables.
        with db.engine.execution_options(**{_WRITE_OPTION: True}).begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except _DRIVER_ERRORS as exc:
        raise translate_error(exc, db.where) from exc


def _display(url: URL) -> str:
    """A server URL as people read it: no password, `?host=/run/postgresql` not `%2Frun%2F…`."""
    return unquote(url.render_as_string(hide_password=True))


# A client-server driver (psycopg 3, psycopg2) that could not reach or log in to the server.
_CONNECT_FAILED = re.compile(r"connection to server|could not connect|connection failed|connection timeout expired",
                             re.IGNORECASE)


def _connect_reason(message: str) -> str:
    """The server's reason from a driver's connection error: its first line, after the last 'failed: '."""
    line = message.strip().splitlines()[0] if message.strip() else message
    reason = re.sub(r"^(FATAL|ERROR):\s*", "", line.rsplit("failed: ", 1)[-1].strip())
    return " ".join(reason.split()) or line


def translate_error(exc: BaseException, where: str) -> DatabaseError:
    """One clear sentence for a failure of the database itself."""
    original = getattr(exc, "orig", None) or exc
    if not isinstance(original, sqlite3.Error) and _CONNECT_FAILED.search(str(original)):
        return DatabaseError(
            f"Cannot connect to the database {where} ({_connect_reason(str(original))}); check that the "
            "server is running and the URL's host, port, database name, user and password, or give another --db."
        )
    text = str(original).lower()
    if "locked" in text or "busy" in text:
        return DatabaseError(
            f"The database {where} is locked by another program that is writing to it; "
            "wait for it to finish (or close it) and try again."
        )
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return DatabaseError(
            f"The file {where} is not a readable Artifact Lineage database (corrupt or another format); "
            "move it aside (or restore a backup) and start again."
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text or "permission" in text:
        return DatabaseError(
            f"The database {where} cannot be opened for writing; check the permissions of the file "
            "and its folder, or choose another --home or --db."
        )
    if "disk i/o" in text or "disk is full" in text or "database or disk is full" in text:
        return DatabaseError(
            f"The database {where} could not be written ({original}); free disk space or check the disk, then try again."
        )
    if isinstance(exc, sa_exc.IntegrityError):
        return DatabaseError(f"The database {where} refused a change that breaks its rules ({original}).")
    return DatabaseError(f"The database {where} failed ({original}); check that it is reachable and try again.")


def _rollback_quietly(session: Session) -> None:
    try:
        session.rollback()
    except _DRIVER_ERRORS:
        pass


def _close_quietly(session: Session) -> None:
    try:
        session.close()
    except _DRIVER_ERRORS:
        pass

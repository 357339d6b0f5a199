"""The database edge: pragmas, IMMEDIATE writes, migrations, and failures as DatabaseError."""
from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from core.history.db import current_revisions, head_revision, open_database
from core.errors import DatabaseError
from core.history.models import Base


def url_for(path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "lineage.sqlite3"


def test_fresh_database_is_created_at_head_in_a_new_folder(db_path):
    assert not db_path.parent.exists()
    db = open_database(url_for(db_path))
    try:
        assert db_path.is_file()
        assert current_revisions(db) == (head_revision(),)
        with sqlite3.connect(db_path) as raw:
            tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"artifacts", "artifact_versions", "alembic_version"} <= tables
    finally:
        db.dispose()


def test_reopening_is_a_no_op(db_path):
    open_database(url_for(db_path)).dispose()
    with sqlite3.connect(db_path) as raw:
        raw.execute(
            "INSERT INTO artifacts (name, type, upstream_kind, upstream_location, place, shape, created_at)"
            " VALUES ('x', 'skill', 'folder', '/x', 'skills/x', 'dir', '2024-01-01 00:00:00')"
        )
        schema_before = raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    db = open_database(url_for(db_path))
    try:
        with sqlite3.connect(db_path) as raw:
            assert raw.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema_before
            assert raw.execute("SELECT count(*) FROM artifacts").fetchone()[0] == 1
        assert current_revisions(db) == (head_revision(),)
    finally:
        db.dispose()


def test_migrations_match_the_models(db_path):
    """A model change without a migration (or the reverse) fails here."""
    db = open_database(url_for(db_path))
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        db.dispose()


def test_newer_schema_is_refused(db_path):
    open_database(url_for(db_path)).dispose()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(DatabaseError, match="newer") as info:
        open_database(url_for(db_path))
    assert str(db_path) in str(info.value)


def test_sqlite_pragmas(db_path):
    db = open_database(url_for(db_path), busy_timeout=1.5)
    try:
        with db.session() as s:
            assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert s.execute(text("PRAGMA busy_timeout")).scalar() == 1500
    finally:
        db.dispose()


def test_write_takes_the_write_lock_at_begin(db_path):
    """BEGIN IMMEDIATE: the lock is held from the first statement, even a SELECT."""
    db = open_database(url_for(db_path))
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with db.write() as s:
            s.execute(text("SELECT count(*) FROM artifacts")).scalar()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released on commit
        other.execute("ROLLBACK")
        with db.session() as s:  # a read does not take it
            s.execute(text("SELECT count(*) FROM artifacts")).scalar()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
        db.dispose()


def test_change_origin_is_checked_by_the_database(db_path):
    db = open_database(url_for(db_path))
    db.dispose()
    with sqlite3.connect(db_path) as raw:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute(
            "INSERT INTO artifacts (id, name, type, upstream_kind, upstream_location, place, shape, created_at)"
            " VALUES (1, 'x', 'skill', 'folder', '/x', 'skills/x', 'dir', '2024-01-01 00:00:00')"
        )
        insert = (
            "INSERT INTO artifact_versions (artifact_id, content_hash, change_origin, created_at, metadata)"
            " VALUES (1, 'abc', ?, '2024-01-01 00:00:00', '{}')"
        )
        raw.execute(insert, ("sync",))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            raw.execute(insert, ("bogus",))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            raw.execute(
                "INSERT INTO artifacts (name, type, upstream_kind, upstream_location, place, shape, created_at)"
                " VALUES ('y', 'plugin', 'folder', '/y', 'y', 'dir', '2024-01-01 00:00:00')"
            )


def test_integrity_error_through_the_edge_is_a_database_error(db_path):
    db = open_database(url_for(db_path))
    try:
        with pytest.raises(DatabaseError):
            with db.write() as s:
                s.execute(text(
                    "INSERT INTO artifact_versions (artifact_id, content_hash, change_origin, created_at, metadata)"
                    " VALUES (777, 'abc', 'sync', '2024-01-01 00:00:00', '{}')"  # no artifact 777: FK
                ))
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM artifact_versions")).scalar() == 0
    finally:
        db.dispose()


def test_corrupt_file_gives_database_error(db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database at all\n" * 200)
    with pytest.raises(DatabaseError, match="not a readable") as info:
        open_database(url_for(db_path))
    assert str(db_path) in str(info.value)


def test_locked_database_on_open_gives_database_error(db_path):
    db_path.parent.mkdir(parents=True)
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("CREATE TABLE other (x)")  # a non-WAL file someone holds exclusively
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO other VALUES (1)")
        with pytest.raises(DatabaseError, match="locked") as info:
            open_database(url_for(db_path), busy_timeout=0.2)
        assert str(db_path) in str(info.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_unusable_folder_gives_database_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseError, match="folder") as info:
        open_database(url_for(blocker / "sub" / "lineage.sqlite3"))
    assert str(blocker) in str(info.value)


def test_bad_url_gives_database_error():
    with pytest.raises(DatabaseError, match="URL"):
        open_database("not a url at all")


def test_in_memory_database_is_shared_between_sessions():
    db = open_database("sqlite://")
    try:
        with db.write() as s:
            s.execute(text(
                "INSERT INTO artifacts (name, type, upstream_kind, upstream_location, place, shape, created_at)"
                " VALUES ('x', 'skill', 'folder', '/x', 'skills/x', 'dir', '2024-01-01 00:00:00')"
            ))
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM artifacts")).scalar() == 1
        assert db.path is None
    finally:
        db.dispose()


def test_failed_migration_leaves_the_old_schema(db_path, monkeypatch):
    """The upgrade is one transaction: a failure half-way creates nothing."""
    import sqlalchemy

    from core.history import db as db_module

    real_create_engine = db_module._create_engine

    def failing_engine(*args, **kwargs):
        engine = real_create_engine(*args, **kwargs)

        @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
        def fail_on_index(conn, cursor, statement, params, context, executemany):
            if statement.startswith("CREATE INDEX"):
                raise sqlite3.OperationalError("disk I/O error")

        return engine

    monkeypatch.setattr(db_module, "_create_engine", failing_engine)
    with pytest.raises(DatabaseError, match="could not be written"):
        open_database(url_for(db_path))
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT name FROM sqlite_master").fetchall() == []
    monkeypatch.undo()
    db = open_database(url_for(db_path))
    assert current_revisions(db) == (head_revision(),)
    db.dispose()


def test_head_revision_constant_matches_alembic():
    """HEAD_REVISION lets an up-to-date open skip importing alembic; it must never drift."""
    from alembic.script import ScriptDirectory

    from core.history.db import HEAD_REVISION, MIGRATIONS_DIR

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    assert heads == [HEAD_REVISION]


def test_opening_a_database_at_head_does_not_import_alembic(db_path):
    import subprocess
    import sys
    from pathlib import Path

    open_database(url_for(db_path)).dispose()
    code = (
        "import sys; from core.history.db import open_database; "
        f"open_database({url_for(db_path)!r}).dispose(); "
        "print(sorted(m for m in sys.modules if m == 'alembic' or m.startswith('alembic.')))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("change", [None, "DELETE FROM alembic_version", "DROP TABLE alembic_version",
                                    "UPDATE alembic_version SET version_num = '0000_older'"])
def test_only_a_database_at_head_skips_alembic(db_path, monkeypatch, change):
    from core.history import db as db_module

    open_database(url_for(db_path)).dispose()
    if change:
        with sqlite3.connect(db_path) as raw:
            raw.execute(change)
    calls = []
    monkeypatch.setattr(db_module, "_migrate_with_alembic", calls.append)
    open_database(url_for(db_path)).dispose()
    assert len(calls) == (0 if change is None else 1)


def test_upgrade_refuses_artifacts_sharing_a_place_and_changes_nothing(tmp_path):
    """0002 makes `place` unique; a database where two artifacts already clash is not guessed at."""
    from alembic import command

    from core.history.db import _alembic_config, current_revisions

    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    old = open_database(url)
    try:
        with old.engine.begin() as conn:  # back to the 0001 schema, then the clash it allowed
            config = _alembic_config(old)
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
            for name in ("foo", "foo.md"):
                conn.exec_driver_sql(
                    "INSERT INTO artifacts (name, type, upstream_kind, upstream_location, place, shape, created_at)"
                    f" VALUES ('{name}', 'command', 'folder', '/up', 'commands/foo.md', 'file', '2026-01-01 00:00:00')"
                )
        assert current_revisions(old) == ("0001",)
    finally:
        old.dispose()
    with pytest.raises(DatabaseError, match="commands/foo.md"):
        open_database(url)
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert raw.execute("SELECT count(*) FROM artifacts").fetchone() == (2,)
    finally:
        raw.close()


def test_upgrade_from_0002_keeps_every_version(tmp_path):
    from tests.core.upgrade_case import check_upgrade_keeps_every_version

    check_upgrade_keeps_every_version(url_for(tmp_path / "old.sqlite3"))


def test_the_new_origins_are_allowed_and_others_still_refused(db_path):
    open_database(url_for(db_path)).dispose()
    with sqlite3.connect(db_path) as raw:
        raw.execute(
            "INSERT INTO artifacts (id, name, type, upstream_kind, upstream_location, place, shape, created_at)"
            " VALUES (1, 'x', 'skill', 'folder', '/x', 'skills/x', 'dir', '2024-01-01 00:00:00')"
        )
        insert = (
            "INSERT INTO artifact_versions (artifact_id, content_hash, change_origin, created_at, metadata)"
            " VALUES (1, 'abc', ?, '2024-01-01 00:00:00', '{}')"
        )
        raw.execute(insert, ("merge",))
        raw.execute(insert, ("rollback",))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            raw.execute(insert, ("bogus",))
        assert raw.execute("SELECT DISTINCT line FROM artifact_versions").fetchall() == [("collection",)]


def _open_against_a_silent_server(url_query: str = "") -> tuple[bool, list[BaseException]]:
    """Open a PostgreSQL URL whose server accepts the connection and never answers (a host
    that hangs, a half-dropped VPN); (still waiting after 30 s, what the open raised)."""
    import socket
    import threading

    pytest.importorskip("psycopg")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    raised: list[BaseException] = []

    def open_it() -> None:
        try:
            open_database(f"postgresql+psycopg://team@127.0.0.1:{port}/lineage{url_query}")
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            raised.append(exc)

    opener = threading.Thread(target=open_it, daemon=True)
    opener.start()
    opener.join(30)
    silent.close()
    return opener.is_alive(), raised


def test_a_team_server_that_never_answers_is_said_after_the_connect_timeout(monkeypatch):
    import core.history.db as db_module

    monkeypatch.setattr(db_module, "CONNECT_TIMEOUT", 1)
    waiting, raised = _open_against_a_silent_server()
    assert not waiting, "the open waited on a server that never answers"
    (exc,) = raised
    assert isinstance(exc, DatabaseError)
    assert "Cannot connect to the database" in str(exc) and "timeout expired" in str(exc) and "--db" in str(exc)


def test_a_connect_timeout_in_the_url_wins(monkeypatch):
    import core.history.db as db_module

    monkeypatch.setattr(db_module, "CONNECT_TIMEOUT", 3600)
    waiting, raised = _open_against_a_silent_server("?connect_timeout=1")
    assert not waiting and len(raised) == 1

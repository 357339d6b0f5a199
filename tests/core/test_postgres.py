"""The same history on PostgreSQL: "a shared history is one connection string away".

A throwaway server (tests/pg_server.py) is started once per test session, as the
`postgres` system user when we run as root, listening only on a unix socket in a
private temporary folder; every test gets its own fresh database. Without the
server binaries, the postgres user or psycopg these tests skip, saying why; set
ARTIFACT_LINEAGE_REQUIRE_PG=1 to make that a failure instead (CI on a machine
that has PostgreSQL).
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text

from core.history.db import current_revisions, head_revision, open_database
from core.errors import DatabaseError, LineageError
from core.history import History
from core.history.models import Artifact, ArtifactVersion, Base
from core.upstreams import UpstreamSpec

ROOT = Path(__file__).resolve().parents[2]


def h(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture
def db(pg_url):
    database = open_database(pg_url)
    yield database
    database.dispose()


@pytest.fixture
def history(db):
    return History(db)


def add(history: History, name: str = "pdf", type: str = "skill"):
    return history.add_artifact(name, type, UpstreamSpec("folder", f"/up/{name}"), f"skills/{name}", "dir")


# --- the schema ----------------------------------------------------------------


def test_open_runs_the_migrations_and_reopening_is_a_no_op(pg_url):
    db = open_database(pg_url)
    try:
        assert db.engine.dialect.name == "postgresql"
        assert current_revisions(db) == (head_revision(),)
        with db.engine.connect() as conn:
            tables = set(conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )).scalars())
            assert {"artifacts", "artifact_versions", "alembic_version"} <= tables
        add(History(db))
    finally:
        db.dispose()

    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            xmin_before = conn.execute(text("SELECT xmin::text FROM alembic_version")).scalar()
        again = open_database(pg_url)
        try:
            assert current_revisions(again) == (head_revision(),)
            assert [a.name for a in History(again).list_artifacts()] == ["pdf"]
        finally:
            again.dispose()
        with engine.connect() as conn:
            # The version row was not rewritten: the second open changed nothing.
            assert conn.execute(text("SELECT xmin::text FROM alembic_version")).scalar() == xmin_before
            assert conn.execute(text("SELECT count(*) FROM artifacts")).scalar() == 1
    finally:
        engine.dispose()


def test_migrations_match_the_models_on_postgres(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


_OPEN_WHEN_TOLD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from core.history.db import current_revisions, open_database
ready, go = Path(sys.argv[3]), Path(sys.argv[4])
ready.touch()
while not go.exists():
    time.sleep(0.001)
db = open_database(sys.argv[2])
print(",".join(current_revisions(db)))
db.dispose()
"""


def test_two_first_opens_at_once_both_succeed(pg_url, tmp_path):
    """Two team members starting the app on a fresh server at the same moment:
    two processes (alembic's context is per process) released together."""
    go = tmp_path / "go"
    readies = [tmp_path / f"ready{i}" for i in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_WHEN_TOLD, str(ROOT), pg_url, str(r), str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for r in readies
    ]
    try:
        while not all(r.exists() for r in readies) and all(p.poll() is None for p in procs):
            time.sleep(0.005)
        go.touch()
        outputs = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err.decode()
        assert out.decode().strip() == head_revision()


# --- the version rules -----------------------------------------------------------


def test_chain_and_lineage_oldest_first_with_a_legacy_parent(history):
    art = add(history)
    first = history.record_version(art.id, h("a"), "sync", parent_hash=h("legacy"))
    assert first.recorded and first.version.parent_id is None
    assert first.version.parent_hash == h("legacy")
    second = history.record_version(art.id, h("b"), "local_modification").version
    third = history.record_version(art.id, h("c"), "sync").version
    assert second.parent_id == first.version.id and third.parent_id == second.id
    assert history.lineage(third.id) == [h("legacy"), h("a"), h("b"), h("c")]
    assert history.lineage(first.version.id) == [h("legacy"), h("a")]
    assert [v.id for v in history.versions(art.id)] == [third.id, second.id, first.version.id]
    assert history.head(art.id) == third
    assert history.last_version_with_origin(art.id, "local_modification") == second
    assert history.latest_versions([art.id], origin="sync") == {art.id: third}
    assert [v.id for v in history.find_versions(art.id, h("b")[:6])] == [second.id]


def test_a_root_and_a_long_chain(history):
    art = add(history)
    root = history.record_version(art.id, h("r"), "sync").version
    assert (root.parent_hash, root.parent_id) == (None, None)
    assert history.lineage(root.id) == [h("r")]
    for i in range(50):
        history.record_version(art.id, h(f"n{i}"), "sync")
    newest = history.head(art.id)
    assert history.lineage(newest.id) == [h("r")] + [h(f"n{i}") for i in range(50)]


def test_dedup_rules(history):
    art, other = add(history), add(history, "other")
    a = history.record_version(art.id, h("a"), "sync").version
    b = history.record_version(art.id, h("b"), "sync").version

    same = history.record_version(art.id, h("b"), "sync")  # the head already holds it
    assert not same.recorded and same.version == b and "current version" in same.reason

    replay = history.record_version(art.id, h("b"), "sync", parent_hash=h("a"))  # a stale replay
    assert not replay.recorded and replay.version == b

    back = history.record_version(art.id, h("a"), "sync")  # A -> B -> A is a new version
    assert back.recorded and back.version.metadata["matches_version"] == a.id
    assert back.version.parent_id == b.id

    mine = history.record_version(other.id, h("a"), "sync")  # other artifacts never count
    assert mine.recorded and mine.version.parent_id is None
    assert "matches_version" not in mine.version.metadata
    assert len(history.versions(art.id)) == 3


def test_change_origin_is_checked_by_the_database(db, history):
    art = add(history)
    with pytest.raises(DatabaseError, match="refused a change") as info:
        with db.write() as s:
            s.execute(insert(ArtifactVersion).values(
                artifact_id=art.id, content_hash=h("x"), change_origin="teleport",
                created_at=datetime.now(timezone.utc), meta={},
            ))
    assert "ck_artifact_versions_change_origin" in str(info.value)
    with pytest.raises(LineageError, match="Unknown change origin"):
        history.record_version(art.id, h("x"), "teleport")
    assert history.versions(art.id) == []


def test_created_at_is_aware_utc_after_a_round_trip(db, history):
    art = add(history)
    assert art.created_at.tzinfo is not None and art.created_at.utcoffset() == timedelta(0)
    when = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    v = history.record_version(art.id, h("a"), "sync", created_at=when).version
    again = history.version(v.id)
    assert again.created_at == when
    assert again.created_at.tzinfo == timezone.utc
    assert again.created_at.hour == 7 and again.created_at.minute == 0
    with db.engine.connect() as conn:  # stored as timestamptz, not a naive local time
        assert conn.execute(text(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'artifact_versions' AND column_name = 'created_at'"
        )).scalar() == "timestamp with time zone"
    with pytest.raises(ValueError):
        history.record_version(art.id, h("b"), "sync", created_at=datetime(2024, 1, 1))


def test_remove_cascades_and_names_are_unique(history):
    from core.errors import ArtifactExistsError

    art = add(history)
    history.record_version(art.id, h("a"), "sync")
    with pytest.raises(ArtifactExistsError):
        add(history)
    history.remove_artifact(art.id)
    assert history.list_artifacts() == []
    assert history.latest_versions() == {}


# --- two writers, one head ---------------------------------------------------------


def test_two_threads_on_one_artifact_never_fork_the_head(history):
    art = add(history)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(tag: str) -> None:
        try:
            barrier.wait()
            for i in range(30):
                history.record_version(art.id, h(f"{tag}{i}"), "sync")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    oldest_first = history.versions(art.id)[::-1]
    assert len(oldest_first) == 60
    # Every version's parent is the one recorded just before it: one straight chain.
    assert oldest_first[0].parent_id is None
    for before, after in zip(oldest_first, oldest_first[1:]):
        assert (after.parent_id, after.parent_hash) == (before.id, before.content_hash)


def test_record_version_waits_for_the_artifact_row_lock(db, history):
    """Deterministic form of the test above: a writer holding the artifact's row
    lock makes record_version wait, and the version it then records sits on the
    head that writer committed (PostgreSQL's READ COMMITTED would otherwise let
    both read the same head)."""
    art = add(history)
    first = history.record_version(art.id, h("a"), "sync").version
    outcome: dict = {}

    def record() -> None:
        try:
            outcome["result"] = history.record_version(art.id, h("c"), "sync")
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome["error"] = exc

    with db.engine.connect() as holder, db.engine.connect() as watcher:
        tx = holder.begin()
        holder.execute(select(Artifact.id).where(Artifact.id == art.id).with_for_update())
        worker = threading.Thread(target=record)
        worker.start()
        deadline = time.monotonic() + 60  # a guard against hanging, not a measurement
        waiting = 0
        while worker.is_alive() and not waiting and time.monotonic() < deadline:
            waiting = watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )).scalar()
            watcher.rollback()
            time.sleep(0.01)
        assert waiting and worker.is_alive(), "record_version did not wait for the artifact's row lock"
        second_id = holder.execute(insert(ArtifactVersion).values(
            artifact_id=art.id, content_hash=h("b"), parent_hash=h("a"), parent_id=first.id,
            change_origin="sync", created_at=datetime.now(timezone.utc), meta={},
        ).returning(ArtifactVersion.id)).scalar()
        tx.commit()
    worker.join()
    assert "error" not in outcome, outcome
    third = outcome["result"].version
    assert (third.parent_id, third.parent_hash) == (second_id, h("b"))
    assert history.lineage(third.id) == [h("a"), h("b"), h("c")]


# --- errors --------------------------------------------------------------------------


def test_no_server_at_the_url_gives_one_clear_sentence(tmp_path):
    pytest.importorskip("psycopg")
    empty = tmp_path / "nosrv"
    empty.mkdir()
    url = f"postgresql+psycopg://someone:secret@/teamdb?host={empty}&port=5999"
    with pytest.raises(DatabaseError) as info:
        open_database(url)
    message = str(info.value)
    assert "teamdb" in message and str(empty) in message
    assert "secret" not in message
    assert "server" in message and "--db" in message
    assert "\n" not in message and "Traceback" not in message


def test_a_missing_database_on_a_running_server_says_so(pg_server):
    url = pg_server.url("no_such_db")
    with pytest.raises(DatabaseError) as info:
        open_database(url)
    message = str(info.value)
    assert "no_such_db" in message and "does not exist" in message
    assert "\n" not in message


# --- the CLI end to end ---------------------------------------------------------------


def test_cli_add_sync_status_log_on_postgres(pg_url, tmp_path):
    home = tmp_path / "home"
    up = tmp_path / "up" / "pdf"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# pdf\n")

    def cli(*args: str, expect: int = 0):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--home", str(home), "--db", pg_url, *args],
            cwd=ROOT, capture_output=True, timeout=120,
        )
        assert proc.returncode == expect, (proc.returncode, proc.stdout, proc.stderr)
        assert b"Traceback" not in proc.stderr
        return json.loads(proc.stdout) if "--json" in args else proc

    cli("add", "pdf", "--source", str(up))
    (status,) = cli("status", "--json")["artifacts"]
    assert (status["name"], status["state"], status["head"]) == ("pdf", "new", None)
    first = cli("sync", "--json")["results"][0]
    assert (first["action"], first["version_recorded"]) == ("copied", True)
    (up / "SKILL.md").write_text("# pdf\nmore\n")
    second = cli("sync", "--json")["results"][0]
    assert second["action"] == "replaced" and second["old_hash"] == first["new_hash"]
    (status,) = cli("status", "--json")["artifacts"]
    assert (status["state"], status["head"]) == ("up_to_date", second["new_hash"])
    log = cli("log", "pdf", "--json")
    newest, oldest = log["versions"]
    assert newest["lineage"] == [first["new_hash"], second["new_hash"]]
    assert newest["parent_hash"] == oldest["content_hash"]
    assert (home / "lineage.sqlite3").exists() is False  # the history went to the server

    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT content_hash, change_origin FROM artifact_versions ORDER BY id"
            )).all()
    finally:
        engine.dispose()
    assert rows == [(first["new_hash"], "sync"), (second["new_hash"], "sync")]


def test_upgrade_from_0002_keeps_every_version_on_postgres(pg_url):
    from tests.core.upgrade_case import check_upgrade_keeps_every_version

    check_upgrade_keeps_every_version(pg_url)


def test_lines_projects_and_deployments_on_postgres(db, history):
    from core.history import Deployments, retired_line
    from core.errors import ProjectError

    art = add(history)
    c1 = history.record_version(art.id, h("a"), "sync").version
    d1 = history.record_version(art.id, h("a"), "deployment", line="web", parent_id=c1.id).version
    r1 = history.record_version(art.id, h("b"), "rollback", metadata={"restored_version": c1.id}).version
    assert (d1.line, d1.parent_id, r1.change_origin) == ("web", c1.id, "rollback")
    assert {k[1]: v.id for k, v in history.all_heads().items()} == {"collection": r1.id, "web": d1.id}
    store = Deployments(db)
    web = store.add_project("web", "/tmp/web")
    with pytest.raises(ProjectError):
        store.add_project("web", "/elsewhere")
    store.set_deployment(art.id, web.id, d1.id)
    store.set_deployment(art.id, web.id, c1.id)
    (dep,) = store.deployments()
    assert (dep.artifact_id, dep.project_id, dep.version_id) == (art.id, web.id, c1.id)
    store.remove_project("web")
    assert store.deployments() == [] and history.head(art.id, "web") is None
    assert history.head(art.id, retired_line("web", web.id)).id == d1.id  # its versions stay, on a retired line


# --- live: another member's commits are announced (core.history.changes) ---------


def test_a_members_commit_reaches_another_members_watch_through_listen_notify(pg_url):
    from core.history.changes import HistoryWatch, changes_since, mark_now

    alice, bob = open_database(pg_url), open_database(pg_url)
    watch = HistoryWatch(bob)
    try:
        assert watch.kind == "postgresql listen"
        assert watch.fileno() is not None
        assert not watch.poll()
        mark = mark_now(bob)
        art = add(History(alice))
        History(alice).record_version(art.id, h("v1"), "sync")
        deadline = time.monotonic() + 10  # the guard, not a timing claim
        while not watch.wait(0.5):  # wakes when the notification arrives
            assert time.monotonic() < deadline, "no notification arrived"
        changes, _mark = changes_since(bob, mark)
        assert changes.versions == {art.id} and art.id in changes.artifacts
        time.sleep(0.2)
        watch.poll()  # the second transaction's notification, if it came after the first poll
        assert not watch.poll()  # drained: nothing more without a new commit
    finally:
        watch.close()
        alice.dispose()
        bob.dispose()


def test_a_rolled_back_write_announces_nothing(pg_url):
    from core.history.changes import HistoryWatch

    db = open_database(pg_url)
    watch = HistoryWatch(db)
    try:
        with pytest.raises(RuntimeError):
            with db.write() as session:
                session.execute(text("SELECT 1"))
                raise RuntimeError("changed my mind")
        time.sleep(0.2)
        assert not watch.poll()
    finally:
        watch.close()
        db.dispose()

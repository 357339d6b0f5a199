"""History: the seed's five scenarios and the version rules of DESIGN.md."""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from core.history import HEAD, open_database, History
from core.errors import (
    ArtifactExistsError,
    ArtifactNotFoundError,
    DatabaseError,
    VersionNotFoundError,
)
from core.upstreams import UpstreamSpec


def h(label: str) -> str:
    """A realistic 64-hex content hash, distinct per label."""
    return hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture
def db(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'lineage.sqlite3'}")
    yield database
    database.dispose()


@pytest.fixture
def history(db):
    return History(db)


def add(history: History, name: str = "pdf", type: str = "skill"):
    place = f"skills/{name}" if type == "skill" else f"{type}s/{name}.md"
    shape = "dir" if type == "skill" else "file"
    return history.add_artifact(name, type, UpstreamSpec("folder", f"/up/{name}"), place, shape)


def count_versions(db) -> int:
    with sqlite3.connect(db.path) as raw:
        return raw.execute("SELECT count(*) FROM artifact_versions").fetchone()[0]


# --- the seed's five scenarios -------------------------------------------------


def test_version_with_a_parent_extends_the_parents_lineage(history):
    art = add(history)
    parent = history.record_version(art.id, h("parent"), "sync").version
    outcome = history.record_version(art.id, h("new"), "sync")
    assert outcome.recorded
    assert outcome.version.parent_hash == h("parent")
    assert outcome.version.parent_id == parent.id
    assert history.lineage(outcome.version.id) == [h("parent"), h("new")]


def test_root_version_has_itself_as_lineage(history):
    art = add(history)
    outcome = history.record_version(art.id, h("new"), "sync")
    assert outcome.recorded
    assert outcome.version.parent_hash is None and outcome.version.parent_id is None
    assert history.lineage(outcome.version.id) == [h("new")]


def test_legacy_parent_is_kept_as_hash_without_link(history):
    art = add(history)
    outcome = history.record_version(art.id, h("new"), "sync", parent_hash=h("legacy"))
    assert outcome.recorded
    assert outcome.version.parent_hash == h("legacy")
    assert outcome.version.parent_id is None
    assert history.lineage(outcome.version.id) == [h("legacy"), h("new")]
    child = history.record_version(art.id, h("child"), "local_modification").version
    assert history.lineage(child.id) == [h("legacy"), h("new"), h("child")]


def test_dedup_head_with_same_hash_records_nothing(history):
    art = add(history)
    first = history.record_version(art.id, h("a"), "sync").version
    again = history.record_version(art.id, h("a"), "sync")
    assert not again.recorded
    assert again.reason and "already" in again.reason
    assert again.version == first
    assert len(history.versions(art.id)) == 1


def test_dedup_stale_replay_of_same_event_records_nothing(history):
    art = add(history)
    history.record_version(art.id, h("a"), "sync")
    ab = history.record_version(art.id, h("b"), "sync").version
    history.record_version(art.id, h("c"), "sync")
    # The a → b event again, arriving after c was recorded (a retried job).
    replay = history.record_version(art.id, h("b"), "sync", parent_hash=h("a"))
    assert not replay.recorded
    assert replay.version.id == ab.id
    assert "replay" in replay.reason
    assert [v.content_hash for v in history.versions(art.id)] == [h("c"), h("b"), h("a")]


def test_failed_write_raises_database_error_and_leaves_nothing(db, history):
    art = add(history)
    history.record_version(art.id, h("a"), "sync")

    def fail_commit(conn):
        raise sqlite3.OperationalError("disk I/O error")

    # The insert succeeds, the commit fails: the transaction must roll back whole.
    event.listen(db.engine, "commit", fail_commit)
    try:
        with pytest.raises(DatabaseError) as info:
            history.record_version(art.id, h("b"), "sync", metadata={"strategy": "x"})
        assert str(db.path) in str(info.value)
    finally:
        event.remove(db.engine, "commit", fail_commit)
    assert count_versions(db) == 1
    assert history.head(art.id).content_hash == h("a")
    # The database is not left locked or half-open: the next record works.
    assert history.record_version(art.id, h("b"), "sync").recorded


def test_failed_insert_raises_database_error(db, history):
    art = add(history)

    def fail_insert(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ARTIFACT_VERSIONS"):
            raise sqlite3.OperationalError("attempt to write a readonly database")

    event.listen(db.engine, "before_cursor_execute", fail_insert)
    try:
        with pytest.raises(DatabaseError, match="cannot be opened for writing"):
            history.record_version(art.id, h("a"), "sync")
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_insert)
    assert count_versions(db) == 0


# --- further rules ---------------------------------------------------------------


def test_revert_records_three_versions_naming_the_first(history):
    art = add(history)
    first = history.record_version(art.id, h("A"), "sync").version
    history.record_version(art.id, h("B"), "sync")
    third = history.record_version(art.id, h("A"), "local_modification")
    assert third.recorded
    assert third.version.metadata["matches_version"] == first.id
    assert [v.content_hash for v in history.versions(art.id)] == [h("A"), h("B"), h("A")]
    assert history.lineage(third.version.id) == [h("A"), h("B"), h("A")]


def test_new_content_has_no_matches_version(history):
    art = add(history)
    history.record_version(art.id, h("A"), "sync")
    second = history.record_version(art.id, h("B"), "sync", metadata={"ref": "main"})
    assert second.version.metadata == {"ref": "main"}


def test_identical_content_in_two_artifacts_gets_a_version_each(history):
    one, two = add(history, "one"), add(history, "two")
    v1 = history.record_version(one.id, h("same"), "sync")
    v2 = history.record_version(two.id, h("same"), "sync")
    assert v1.recorded and v2.recorded
    assert v1.version.id != v2.version.id
    assert [v.artifact_id for v in history.versions(two.id)] == [two.id]
    # The other artifact's version is not a parent candidate either.
    assert "matches_version" not in v2.version.metadata


def test_name_and_type_are_unique(history):
    add(history, "review", "command")
    with pytest.raises(ArtifactExistsError, match="review"):
        add(history, "review", "command")
    other = add(history, "review", "agent")  # same name, other type: allowed
    assert other.type == "agent"
    with pytest.raises(ArtifactNotFoundError, match="Several") as info:
        history.get_artifact("review")
    assert "agent/review" in str(info.value)  # the message says how to pick one
    assert history.get_artifact("review", "agent").id == other.id
    assert history.get_artifact("agent/review").id == other.id
    assert history.get_artifact("command/review").type == "command"


def test_two_artifacts_never_share_a_place_in_the_collection(history, db):
    history.add_artifact("foo", "command", UpstreamSpec("folder", "/up/foo"), "commands/foo.md", "file")
    with pytest.raises(ArtifactExistsError, match="commands/foo.md") as info:
        history.add_artifact("foo.md", "command", UpstreamSpec("folder", "/up/x"), "commands/foo.md", "dir")
    assert "'foo'" in str(info.value)
    assert [a.name for a in history.list_artifacts()] == ["foo"]
    # the database refuses it too, whatever the code above does
    with sqlite3.connect(db.path) as raw, pytest.raises(sqlite3.IntegrityError):
        raw.execute(
            "INSERT INTO artifacts (name, type, upstream_kind, upstream_location, place, shape, created_at)"
            " VALUES ('bar', 'command', 'folder', '/up/bar', 'commands/foo.md', 'file', '2026-01-01')"
        )


def test_artifact_round_trip_and_listing_order(history):
    spec = UpstreamSpec("git", "https://example.invalid/r.git", ref="v1", subdir="skills/x")
    a = history.add_artifact("x", "skill", spec, "skills/x", "dir")
    add(history, "b", "command")
    add(history, "a", "command")
    got = history.get_artifact("x")
    assert got == a and got.upstream == spec
    assert history.artifact(a.id) == a
    assert [(i.type, i.name) for i in history.list_artifacts()] == [
        ("command", "a"), ("command", "b"), ("skill", "x")]
    with pytest.raises(ArtifactNotFoundError):
        history.get_artifact("missing")
    with pytest.raises(ArtifactNotFoundError):
        history.artifact(999)


def test_remove_artifact_cascades_to_versions(db, history):
    art, keep = add(history, "gone"), add(history, "kept")
    for label in "abc":
        history.record_version(art.id, h(label), "sync")
    history.record_version(keep.id, h("k"), "sync")
    history.remove_artifact(art.id)
    assert count_versions(db) == 1
    with pytest.raises(ArtifactNotFoundError):
        history.artifact(art.id)
    assert history.versions(art.id) == []


def test_created_at_is_aware_utc_after_round_trip(history):
    art = add(history)
    assert art.created_at.tzinfo is not None
    given = datetime(2024, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    v = history.record_version(art.id, h("a"), "sync", created_at=given).version
    back = history.version(v.id).created_at
    assert back.utcoffset() == timedelta(0)
    assert back == given
    assert back.hour == 10
    assert history.get_artifact("pdf").created_at.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="timezone-aware"):
        history.record_version(art.id, h("b"), "sync", created_at=datetime(2024, 1, 1))
    assert len(history.versions(art.id)) == 1


def test_head_and_last_version_with_origin(history):
    art = add(history)
    assert history.head(art.id) is None
    s = history.record_version(art.id, h("a"), "sync").version
    history.record_version(art.id, h("b"), "local_modification")
    assert history.head(art.id).content_hash == h("b")
    assert history.last_version_with_origin(art.id, "sync") == s
    assert history.last_version_with_origin(art.id, "deployment") is None


def test_explicit_parent_links_to_the_newest_version_with_that_content(history):
    art = add(history)
    history.record_version(art.id, h("A"), "sync")
    b = history.record_version(art.id, h("B"), "sync").version
    c = history.record_version(art.id, h("C"), "sync", parent_hash=h("B"))
    assert c.version.parent_id == b.id
    assert history.record_version(art.id, h("D"), "sync", parent_hash=HEAD).version.parent_id == c.version.id


def test_unknown_origin_is_refused_before_the_database(history):
    art = add(history)
    with pytest.raises(Exception, match="change origin"):
        history.record_version(art.id, h("a"), "bogus")


def test_record_for_missing_artifact(history):
    with pytest.raises(ArtifactNotFoundError):
        history.record_version(42, h("a"), "sync")


def test_find_versions_by_prefix(history):
    art = add(history)
    for label in ("a", "b", "c"):
        history.record_version(art.id, h(label), "sync")
    target = h("b")
    found = history.find_versions(art.id, target[:7].upper())
    assert [v.content_hash for v in found] == [target]
    with pytest.raises(VersionNotFoundError):
        history.find_versions(art.id, "")
    with pytest.raises(VersionNotFoundError):
        history.find_versions(art.id, "ab%")  # not hex: never a LIKE wildcard
    assert history.find_versions(art.id, "0" * 64) == []
    assert len(history.find_versions(art.id, target)) == 1


def test_missing_version_and_lineage(history):
    with pytest.raises(VersionNotFoundError):
        history.version(123)
    with pytest.raises(VersionNotFoundError):
        history.lineage(123)


def test_lineage_of_a_200_chain_is_oldest_first(history):
    art = add(history)
    labels = [f"v{i}" for i in range(200)]
    ids = [history.record_version(art.id, h(label), "sync").version.id for label in labels]
    assert history.lineage(ids[-1]) == [h(label) for label in labels]
    assert history.lineage(ids[99]) == [h(label) for label in labels[:100]]


def test_two_threads_record_concurrently_without_busy_errors(db):
    history = History(db)
    arts = [add(history, f"t{i}") for i in range(2)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(art_id: int, tag: str) -> None:
        try:
            barrier.wait()
            for i in range(40):
                assert history.record_version(art_id, h(f"{tag}{i}"), "sync").recorded
        except BaseException as exc:  # reported below, a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(a.id, a.name)) for a in arts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for a in arts:
        chain = history.versions(a.id)
        assert len(chain) == 40
        assert history.lineage(chain[0].id) == [h(f"{a.name}{i}") for i in range(40)]


def test_two_threads_on_one_artifact_never_fork_the_head(db):
    history = History(db)
    art = add(history)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(tag: str) -> None:
        try:
            barrier.wait()
            for i in range(25):
                history.record_version(art.id, h(f"{tag}{i}"), "sync")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    versions = history.versions(art.id)
    assert len(versions) == 50
    # Each version's parent is the one recorded just before it: one straight chain.
    oldest_first = versions[::-1]
    for before, after in zip(oldest_first, oldest_first[1:]):
        assert after.parent_id == before.id
        assert after.parent_hash == before.content_hash


def test_locked_database_gives_database_error(tmp_path):
    path = tmp_path / "locked.sqlite3"
    db = open_database(f"sqlite:///{path}", busy_timeout=0.2)
    history = History(db)
    art = add(history)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseError, match="locked") as info:
            history.record_version(art.id, h("a"), "sync")
        assert str(path) in str(info.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert history.record_version(art.id, h("a"), "sync").recorded
    db.dispose()


def test_record_version_lookups_by_content_use_the_content_index(db, history):
    """Recording stays O(log n): no lookup by content walks the artifact's whole history."""
    art = add(history)
    for label in ("a", "b", "c"):
        history.record_version(art.id, h(label), "sync")
    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, params, context, executemany):
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        history.record_version(art.id, h("a"), "sync", parent_hash=h("b"))  # revert + explicit parent
        history.record_version(art.id, h("d"), "sync", parent_hash=h("zz"))  # replay check + legacy
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    by_content = [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT") and "content_hash = ?" in s]
    assert len(by_content) >= 3
    with sqlite3.connect(db.path) as raw:
        for statement, params in by_content:
            plan = " ".join(row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, params))
            assert "ix_artifact_versions_content_hash" in plan, (statement, plan)


def test_latest_versions_matches_head_and_last_sync_for_many_artifacts(history, monkeypatch):
    import core.history.versions

    monkeypatch.setattr(core.history.versions, "_CHUNK", 2)  # several chunks with a handful of rows
    arts = [add(history, f"a{i}") for i in range(4)]
    history.record_version(arts[0].id, h("0a"), "sync")
    history.record_version(arts[0].id, h("0b"), "local_modification")
    history.record_version(arts[1].id, h("1a"), "local_modification")
    history.record_version(arts[2].id, h("2a"), "sync")
    # arts[3] has no version
    heads = history.latest_versions()
    bases = history.latest_versions([a.id for a in arts], origin="sync")
    for art in arts:
        assert heads.get(art.id) == history.head(art.id)
        assert bases.get(art.id) == history.last_version_with_origin(art.id, "sync")
    assert set(heads) == {arts[0].id, arts[1].id, arts[2].id}
    assert set(bases) == {arts[0].id, arts[2].id}
    assert history.latest_versions([arts[1].id]) == {arts[1].id: history.head(arts[1].id)}
    assert history.latest_versions([]) == {}


def test_the_newest_versions_and_the_count(history):
    art = add(history)
    other = add(history, "other")
    for label in "abcde":
        history.record_version(art.id, h(label), "sync")
    history.record_version(other.id, h("x"), "sync")
    everything = history.versions(art.id)
    assert [v.content_hash for v in history.versions(art.id, limit=2)] == [h("e"), h("d")]
    assert history.versions(art.id, limit=2) == everything[:2]
    assert history.versions(art.id, limit=99) == everything
    assert (history.version_count(art.id), history.version_count(other.id)) == (5, 1)
    assert history.version_count(add(history, "empty").id) == 0


def test_version_counts_match_each_artifacts_history_in_one_query(db, history):
    arts = [add(history, f"a{i}") for i in range(3)]
    for i in range(5):
        history.record_version(arts[0].id, h(f"0-{i}"), "sync")
    history.record_version(arts[1].id, h("1"), "local_modification")
    history.record_version(arts[1].id, h("1"), "sync")  # the head already holds it: not recorded
    # arts[2] has no version
    statements: list[str] = []

    def capture(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        counts = history.version_counts()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert counts == {a.id: len(history.versions(a.id)) for a in arts[:2]}
    assert counts == {arts[0].id: 5, arts[1].id: 1}
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    history.remove_artifact(arts[0].id)
    assert history.version_counts() == {arts[1].id: 1}


# --- lines ---------------------------------------------------------------------------


def test_heads_and_dedup_are_per_line(history):
    art = add(history)
    c1 = history.record_version(art.id, h("a"), "sync").version
    d1 = history.record_version(art.id, h("a"), "deployment", line="web", parent_id=c1.id).version
    assert d1 is not None and (d1.line, d1.parent_id, d1.parent_hash) == ("web", c1.id, h("a"))
    assert history.head(art.id).id == c1.id  # the collection's head by default
    assert history.head(art.id, "web").id == d1.id
    again = history.record_version(art.id, h("a"), "deployment", line="web")
    assert not again.recorded and again.version.id == d1.id
    e1 = history.record_version(art.id, h("b"), "local_modification", line="web").version
    assert (e1.parent_id, e1.line) == (d1.id, "web")
    c2 = history.record_version(art.id, h("b"), "sync", second_parent_id=e1.id).version
    assert (c2.parent_id, c2.second_parent_id, c2.line) == (c1.id, e1.id, "collection")
    assert [v.id for v in history.versions(art.id, "web")] == [e1.id, d1.id]
    assert history.lineage(e1.id) == [h("a"), h("a"), h("b")]  # first parents, across lines
    heads = history.all_heads()
    assert {k: v.id for k, v in heads.items()} == {(art.id, "collection"): c2.id, (art.id, "web"): e1.id}


def test_a_parent_from_another_artifact_is_refused(history):
    a, b = add(history, "a"), add(history, "b")
    va = history.record_version(a.id, h("a"), "sync").version
    with pytest.raises(VersionNotFoundError):
        history.record_version(b.id, h("b"), "sync", second_parent_id=va.id)
    with pytest.raises(VersionNotFoundError):
        history.record_version(b.id, h("b"), "deployment", line="web", parent_id=va.id)


def test_the_upstream_base_skips_pushes_from_projects(history):
    art = add(history)
    s1 = history.record_version(art.id, h("up1"), "sync").version
    p1 = history.record_version(art.id, h("edit"), "local_modification", line="web").version
    history.record_version(art.id, h("edit"), "sync", second_parent_id=p1.id, metadata={"pushed_from": "web"})
    assert history.upstream_base(art.id).id == s1.id
    u1 = history.record_version(art.id, h("up2"), "sync", line="upstream").version
    s2 = history.record_version(art.id, h("up2"), "sync", second_parent_id=u1.id).version
    assert history.upstream_bases([art.id])[art.id].id == s2.id  # a second parent on the upstream line counts
    assert history.latest_versions([art.id], "sync", line="upstream")[art.id].id == u1.id


def test_reading_the_bases_of_many_artifacts_leaves_no_garbage_in_cycles_per_call(history):
    """A query construct built once, not per call: each `aliased()` left ~300 objects in
    reference cycles, which the window's collector then walked on the GUI thread."""
    import gc

    art = add(history)
    history.record_version(art.id, h("v1"), "sync")

    def cyclic_garbage(calls: int) -> int:
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for _ in range(calls):
                history.latest_versions([art.id], "sync", upstream_only=True)
            gc.collect()
            return len(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()

    once, many = cyclic_garbage(1), cyclic_garbage(21)
    assert many - once < 20 * 50  # the old query left ~290 a call

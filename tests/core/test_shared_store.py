"""The object store with a shared store behind it (core.store.objects), on a SQLite table.

The shared store's table is the same on SQLite (migration 0004 creates it there too, and
ON CONFLICT DO NOTHING is SQLite syntax as well), so the cache's rules are checked here
without a server; tests/core/test_team_store.py runs them on PostgreSQL with real members.
"""
from __future__ import annotations

import zlib

import pytest
from sqlalchemy import text

from core.content import hash_tree
from core.errors import CorruptObjectError, MissingObjectError, ObjectStoreError
from core.history import open_database
from core.store import DatabaseSharedStore, ObjectStore


@pytest.fixture
def shared(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'team.sqlite3'}")
    yield DatabaseSharedStore(db.engine, "the test database")
    db.dispose()


@pytest.fixture
def tree_dir(tmp_path):
    root = tmp_path / "skill"
    root.mkdir()
    (root / "SKILL.md").write_text("# skill\nline\n")
    (root / "run.sh").write_text("echo hi\n")
    return root


def count(shared: DatabaseSharedStore) -> int:
    with shared.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM shared_objects")).scalar()


def test_a_tree_goes_up_with_its_manifest_and_another_member_reads_it_once(tmp_path, shared, tree_dir):
    tree = hash_tree(tree_dir)
    alice = ObjectStore(tmp_path / "alice", shared)
    alice.store_tree(tree_dir, tree)
    assert count(shared) == 3  # two objects and the manifest
    alice.store_tree(tree_dir, tree)
    assert count(shared) == 3  # stored once

    bob = ObjectStore(tmp_path / "bob", shared)
    assert not bob.cache.has_manifest(tree.content_hash)
    asked = []
    real_get = shared.get
    shared.get = lambda kind, names: (asked.append((kind, sorted(names))), real_get(kind, names))[1]
    bob.materialize(tree.content_hash, tmp_path / "out")
    assert (tmp_path / "out" / "SKILL.md").read_text() == "# skill\nline\n"
    assert [kind for kind, _ in asked] == ["manifest", "object"]  # one query per kind
    bob.materialize(tree.content_hash, tmp_path / "again")
    assert len(asked) == 2  # the second time from the cache


def test_content_nowhere_says_who_can_upload_it(tmp_path, shared, tree_dir):
    tree = hash_tree(tree_dir)
    bob = ObjectStore(tmp_path / "bob", shared)
    with pytest.raises(MissingObjectError) as info:
        bob.get_manifest(tree.content_hash)
    assert "neither in this data folder" in str(info.value) and "fsck" in str(info.value)
    with pytest.raises(MissingObjectError):
        bob.read_bytes(tree.entries[0].digest)


def test_damaged_bytes_in_the_shared_store_are_refused_not_cached(tmp_path, shared, tree_dir):
    tree = hash_tree(tree_dir)
    ObjectStore(tmp_path / "alice", shared).store_tree(tree_dir, tree)
    digest = tree.entries[0].digest
    with shared.engine.begin() as conn:
        conn.execute(text("UPDATE shared_objects SET data = :d WHERE name = :n"),
                     {"d": zlib.compress(b"something else"), "n": digest})
    bob = ObjectStore(tmp_path / "bob", shared)
    with pytest.raises(CorruptObjectError) as info:
        bob.read_bytes(digest)
    assert "shared store" in str(info.value)
    assert not bob.cache.has(digest)


def test_the_size_limit_applies_to_the_shared_store_only(tmp_path, shared, tree_dir):
    (tree_dir / "big.bin").write_bytes(b"x" * 5000)
    tree = hash_tree(tree_dir)
    with pytest.raises(ObjectStoreError) as info:
        ObjectStore(tmp_path / "alice", shared, max_file_bytes=4000).store_tree(tree_dir, tree)
    assert "big.bin" in str(info.value) and "ARTIFACT_LINEAGE_MAX_FILE_MB" in str(info.value)
    assert count(shared) == 0
    assert not ObjectStore(tmp_path / "alice", shared).cache.has_manifest(tree.content_hash)
    ObjectStore(tmp_path / "solo", None, max_file_bytes=4000).store_tree(tree_dir, tree)  # no shared store: no limit


def test_upload_sends_what_only_this_folder_holds(tmp_path, shared, tree_dir):
    tree = hash_tree(tree_dir)
    ObjectStore(tmp_path / "alice").store_tree(tree_dir, tree)  # before the team shared its objects
    alice = ObjectStore(tmp_path / "alice", shared)
    done = alice.upload([tree.content_hash, "f" * 64])
    assert (done.trees, done.objects, done.not_here) == (1, 2, ("f" * 64,))
    assert count(shared) == 3
    assert alice.upload([tree.content_hash]).trees == 0


def test_upgrading_to_0004_keeps_every_project_and_deployment(tmp_path):
    """0004 adds projects.machine without rebuilding the table: a rebuild with foreign keys
    on would cascade to deployments and forget them all (docs/data-model.md, Migrations)."""
    from alembic import command

    from core.history.db import _alembic_config, current_revisions, head_revision

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = open_database(url)
    with db.engine.begin() as conn:
        config = _alembic_config(db)
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
        conn.execute(text(
            "INSERT INTO artifacts (id, name, type, upstream_kind, upstream_location, place, shape, created_at)"
            " VALUES (1, 'pdf', 'skill', 'folder', '/up', 'skills/pdf', 'dir', '2026-01-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO artifact_versions (id, artifact_id, content_hash, change_origin, created_at, metadata, line)"
            " VALUES (1, 1, :h, 'deployment', '2026-01-01 00:00:00', '{}', 'web')"), {"h": "a" * 64})
        conn.execute(text("INSERT INTO projects (id, name, path, created_at) VALUES (1, 'web', '/w', '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO deployments (artifact_id, project_id, version_id, deployed_at)"
                          " VALUES (1, 1, 1, '2026-01-01 00:00:00')"))
    db.dispose()
    db = open_database(url)  # upgrades to head
    try:
        assert current_revisions(db) == (head_revision(),)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name, machine FROM projects")).all() == [("web", None)]
            assert conn.execute(text("SELECT count(*) FROM deployments")).scalar() == 1
    finally:
        db.dispose()

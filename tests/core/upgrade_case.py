"""A 0002 database holding versions, upgraded to head: shared by the SQLite and PostgreSQL tests."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from core.history import History
from core.history.db import HEAD_REVISION, _alembic_config, current_revisions, open_database
from core.upstreams import UpstreamSpec

VERSIONS = 40


def build_0002_database(url: str) -> list[tuple]:
    """Create the schema at 0002 and fill it with a chain of versions; returns the rows written."""
    db = open_database(url)
    try:
        with db.engine.begin() as conn:
            config = _alembic_config(db)
            config.attributes["connection"] = conn
            command.downgrade(config, "0002")
            # No explicit ids: PostgreSQL's sequences must move on as in a real database.
            artifact = conn.execute(text(
                "INSERT INTO artifacts (name, type, upstream_kind, upstream_location, place, shape, created_at)"
                " VALUES ('pdf', 'skill', 'folder', '/up', 'skills/pdf', 'dir', '2026-01-01 00:00:00') RETURNING id"
            )).scalar_one()
            assert artifact == 1
            parent = None
            for i in range(1, VERSIONS + 1):
                origin = ("sync", "local_modification", "deployment")[i % 3]
                parent = conn.execute(text(
                    "INSERT INTO artifact_versions (artifact_id, content_hash, parent_hash, parent_id,"
                    " change_origin, created_at, metadata) VALUES (1, :h, :ph, :pid, :o,"
                    " '2026-01-01 00:00:00', '{}') RETURNING id"
                ), {"h": f"{i:064x}", "ph": f"{i - 1:064x}" if parent else None, "pid": parent, "o": origin}
                ).scalar_one()
        assert current_revisions(db) == ("0002",)
        with db.engine.connect() as conn:
            return conn.execute(text(
                "SELECT id, content_hash, parent_hash, parent_id, change_origin FROM artifact_versions ORDER BY id"
            )).all()
    finally:
        db.dispose()


def check_upgrade_keeps_every_version(url: str) -> None:
    before = build_0002_database(url)
    db = open_database(url)  # upgrades to head
    try:
        assert current_revisions(db) == (HEAD_REVISION,)
        with db.engine.connect() as conn:
            after = conn.execute(text(
                "SELECT id, content_hash, parent_hash, parent_id, change_origin FROM artifact_versions ORDER BY id"
            )).all()
            lines = conn.execute(text("SELECT DISTINCT line FROM artifact_versions")).scalars().all()
        assert [tuple(r) for r in after] == [tuple(r) for r in before]
        assert len(after) == VERSIONS
        assert lines == ["collection"]
        history = History(db)
        versions = history.versions(1)
        assert all(v.line == "collection" and v.second_parent_id is None for v in versions)
        assert len(history.lineage(VERSIONS)) == VERSIONS
        # The new schema takes the new origins, lines and tables.
        out = history.record_version(1, "f" * 64, "rollback", metadata={"restored_version": 3})
        assert out.recorded and out.version.line == "collection"
        assert history.head(1).change_origin == "rollback"
        assert history.artifact(1).removed_at is None
        # 0005: the output-style type (a widened check, every version kept above) and plugin groups.
        style = history.add_artifact("calm", "output-style", UpstreamSpec("folder", "/up/calm.md"),
                                     "output-styles/calm.md", "file", plugin="styles")
        assert (history.artifact(style.id).type, history.artifact(style.id).plugin) == ("output-style", "styles")
        assert history.artifact(1).plugin is None
    finally:
        db.dispose()

"""Lines, projects and deployments; the `merge` and `rollback` origins; removed artifacts.

Every existing version belongs to the collection copy, so `line` starts as
'collection' for all of them (server default): the upgrade keeps every version and
every parent link as it was. `second_parent_id` already exists since 0001.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.history.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_ORIGINS = "change_origin IN ('sync', 'local_modification', 'deployment')"
NEW_ORIGINS = "change_origin IN ('sync', 'local_modification', 'deployment', 'merge', 'rollback')"


def upgrade() -> None:
    with op.batch_alter_table("artifacts") as batch:
        batch.add_column(sa.Column("removed_at", UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_versions_on_sqlite()
    else:
        op.add_column(
            "artifact_versions",
            sa.Column("line", sa.String(length=255), nullable=False, server_default="collection"),
        )
        op.drop_constraint(op.f("ck_artifact_versions_change_origin"), "artifact_versions", type_="check")
        op.create_check_constraint(op.f("ck_artifact_versions_change_origin"), "artifact_versions", NEW_ORIGINS)
    op.create_index(
        "ix_artifact_versions_artifact_id_line_id", "artifact_versions", ["artifact_id", "line", "id"]
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("name", name=op.f("uq_projects_name")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("deployed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"], ["artifacts.id"],
            name=op.f("fk_deployments_artifact_id_artifacts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"],
            name=op.f("fk_deployments_project_id_projects"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["artifact_versions.id"],
            name=op.f("fk_deployments_version_id_artifact_versions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint("artifact_id", "project_id", name="uq_deployments_artifact_project"),
    )
    op.create_index(op.f("ix_deployments_project_id"), "deployments", ["project_id"])
    op.create_index(op.f("ix_deployments_version_id"), "deployments", ["version_id"])


VERSION_COLUMNS = (
    "id, artifact_id, content_hash, parent_hash, parent_id, second_parent_id, change_origin, created_at, metadata"
)


def _rebuild_versions_on_sqlite() -> None:
    """SQLite cannot change a CHECK constraint in place; the table is rebuilt.

    Not with alembic's batch mode: it copies into a new table, then drops the old one,
    and with foreign keys on (they cannot be turned off inside the upgrade's
    transaction) that drop runs ON DELETE SET NULL on the *new* table's parent links,
    which still name the old table: every parent link would be lost. Renaming the old
    table first makes its self-references follow it, so dropping it touches nothing else.
    """
    for index in ("ix_artifact_versions_artifact_id_id", "ix_artifact_versions_content_hash",
                  "ix_artifact_versions_parent_hash", "ix_artifact_versions_parent_id"):
        op.drop_index(index, table_name="artifact_versions")
    op.rename_table("artifact_versions", "artifact_versions_0002")
    op.create_table(
        "artifact_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("line", sa.String(length=255), nullable=False, server_default="collection"),
        sa.Column("parent_hash", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("second_parent_id", sa.Integer(), nullable=True),
        sa.Column("change_origin", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.CheckConstraint(NEW_ORIGINS, name=op.f("ck_artifact_versions_change_origin")),
        sa.ForeignKeyConstraint(
            ["artifact_id"], ["artifacts.id"],
            name=op.f("fk_artifact_versions_artifact_id_artifacts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["artifact_versions.id"],
            name=op.f("fk_artifact_versions_parent_id_artifact_versions"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["second_parent_id"], ["artifact_versions.id"],
            name=op.f("fk_artifact_versions_second_parent_id_artifact_versions"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_versions")),
    )
    op.execute(
        f"INSERT INTO artifact_versions ({VERSION_COLUMNS}) SELECT {VERSION_COLUMNS} FROM artifact_versions_0002"
    )
    op.drop_table("artifact_versions_0002")
    op.create_index("ix_artifact_versions_artifact_id_id", "artifact_versions", ["artifact_id", "id"])
    op.create_index(
        "ix_artifact_versions_content_hash", "artifact_versions", ["content_hash", "artifact_id", "id"]
    )
    op.create_index(op.f("ix_artifact_versions_parent_hash"), "artifact_versions", ["parent_hash"])
    op.create_index(op.f("ix_artifact_versions_parent_id"), "artifact_versions", ["parent_id"])


def downgrade() -> None:
    op.drop_table("deployments")
    op.drop_table("projects")
    op.drop_index("ix_artifact_versions_artifact_id_line_id", table_name="artifact_versions")
    # Versions only the new schema can hold go with it: nothing older can read them.
    op.execute("DELETE FROM artifact_versions WHERE line <> 'collection' OR NOT (" + OLD_ORIGINS + ")")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a plain column in place; the wider CHECK stays (it refuses
        # nothing an older version writes), since rebuilding the table would risk the
        # parent links (see _rebuild_versions_on_sqlite).
        op.execute("ALTER TABLE artifact_versions DROP COLUMN line")
        op.execute("ALTER TABLE artifacts DROP COLUMN removed_at")
        return
    op.drop_constraint(op.f("ck_artifact_versions_change_origin"), "artifact_versions", type_="check")
    op.create_check_constraint(op.f("ck_artifact_versions_change_origin"), "artifact_versions", OLD_ORIGINS)
    op.drop_column("artifact_versions", "line")
    op.drop_column("artifacts", "removed_at")

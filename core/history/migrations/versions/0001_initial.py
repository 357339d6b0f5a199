"""Initial schema: artifacts and their versions.

Revision ID: 0001
Revises:
Create Date: 2026-05-09
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.history.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("upstream_kind", sa.String(length=16), nullable=False),
        sa.Column("upstream_location", sa.Text(), nullable=False),
        sa.Column("upstream_ref", sa.String(length=255), nullable=True),
        sa.Column("upstream_subdir", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("shape", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("type IN ('skill', 'command', 'agent', 'other')", name=op.f("ck_artifacts_type")),
        sa.CheckConstraint("upstream_kind IN ('folder', 'git')", name=op.f("ck_artifacts_upstream_kind")),
        sa.CheckConstraint("shape IN ('dir', 'file')", name=op.f("ck_artifacts_shape")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
        sa.UniqueConstraint("name", "type", name="uq_artifacts_name_type"),
    )
    op.create_table(
        "artifact_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("parent_hash", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("second_parent_id", sa.Integer(), nullable=True),
        sa.Column("change_origin", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "change_origin IN ('sync', 'local_modification', 'deployment')",
            name=op.f("ck_artifact_versions_change_origin"),
        ),
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
    op.create_index("ix_artifact_versions_artifact_id_id", "artifact_versions", ["artifact_id", "id"])
    op.create_index(
        "ix_artifact_versions_content_hash", "artifact_versions", ["content_hash", "artifact_id", "id"]
    )
    op.create_index(op.f("ix_artifact_versions_parent_hash"), "artifact_versions", ["parent_hash"])
    op.create_index(op.f("ix_artifact_versions_parent_id"), "artifact_versions", ["parent_id"])


def downgrade() -> None:
    op.drop_table("artifact_versions")
    op.drop_table("artifacts")

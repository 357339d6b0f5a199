"""The shared object store table; the machine that registered each project.

`shared_objects` holds file contents and manifests for a team on PostgreSQL
(core.store.shared_db); on SQLite it is created and stays empty. `projects.machine`
is added with ADD COLUMN, never a batch rebuild: rebuilding `projects` with foreign
keys on would run `deployments`' ON DELETE CASCADE (see docs/data-model.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_objects",
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("codec", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("kind IN ('o', 'm')", name=op.f("ck_shared_objects_kind")),
        sa.PrimaryKeyConstraint("kind", "name", name=op.f("pk_shared_objects")),
    )
    # Plain ALTER TABLE ADD COLUMN on both databases (a nullable column needs no rebuild).
    op.add_column("projects", sa.Column("machine", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # The bytes are zlib streams already: keep PostgreSQL from trying to compress them again.
        op.execute("ALTER TABLE shared_objects ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.execute("ALTER TABLE projects DROP COLUMN machine")  # SQLite >= 3.35; no rebuild (see upgrade)
    op.drop_table("shared_objects")

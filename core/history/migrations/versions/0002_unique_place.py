"""One artifact per place in the collection.

Without it, command `foo.md` (a folder upstream) and command `foo` (a single
file) both mapped to `commands/foo.md`: each sync overwrote the other's copy and
recorded the other's content in its own history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.errors import DatabaseError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    clashes = op.get_bind().execute(
        sa.text("SELECT place FROM artifacts GROUP BY place HAVING COUNT(*) > 1 ORDER BY place")
    ).scalars().all()
    if clashes:
        # Refuse rather than guess which artifact owns the copy; the upgrade's
        # transaction rolls back, so nothing is changed.
        raise DatabaseError(
            "The database holds several artifacts at one place in the collection ("
            + ", ".join(clashes)
            + "); keep one artifact per place (delete the others' rows from the artifacts table, "
            "e.g. with the sqlite3 tool), then start again."
        )
    op.create_index("ux_artifacts_place", "artifacts", ["place"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_artifacts_place", table_name="artifacts")

"""Plugins and output styles: `artifacts.plugin` (the group an artifact was added with) and the
`output-style` type.

Adding a nullable column is an ALTER TABLE on every database. Widening the type CHECK
on SQLite cannot rebuild `artifacts`: with foreign keys on (they cannot be turned off
inside the upgrade's transaction) dropping the old table deletes every version through
ON DELETE CASCADE, and renaming it first makes the versions' and deployments' references
follow it. So the CHECK's text is widened in the schema itself, SQLite's documented way
for a change that no stored row can violate ("Making Other Kinds Of Table Schema
Changes": writable_schema, then schema_version + 1), in the same transaction.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_TYPES = "type IN ('skill', 'command', 'agent', 'other')"
NEW_TYPES = "type IN ('skill', 'command', 'agent', 'output-style', 'other')"


def upgrade() -> None:
    op.add_column("artifacts", sa.Column("plugin", sa.String(length=255), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _set_type_check_on_sqlite(OLD_TYPES, NEW_TYPES)
    else:
        op.drop_constraint(op.f("ck_artifacts_type"), "artifacts", type_="check")
        op.create_check_constraint(op.f("ck_artifacts_type"), "artifacts", NEW_TYPES)


def _set_type_check_on_sqlite(old: str, new: str) -> None:
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'artifacts'").scalar()
    if old not in sql:
        raise RuntimeError("The artifacts table's type check is not the one this migration knows; "
                           "the database was changed by hand, so restore a backup before upgrading.")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'artifacts'",
                             (sql.replace(old, new),))
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def downgrade() -> None:
    # Output styles only the new schema can hold go with it (their versions by cascade).
    op.execute("DELETE FROM artifacts WHERE type = 'output-style'")
    if op.get_bind().dialect.name == "sqlite":
        _set_type_check_on_sqlite(NEW_TYPES, OLD_TYPES)
        op.execute("ALTER TABLE artifacts DROP COLUMN plugin")
        return
    op.drop_constraint(op.f("ck_artifacts_type"), "artifacts", type_="check")
    op.create_check_constraint(op.f("ck_artifacts_type"), "artifacts", OLD_TYPES)
    op.drop_column("artifacts", "plugin")

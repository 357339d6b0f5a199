"""Alembic environment for Artifact Lineage.

`core.history.db` runs the migrations programmatically and hands over an open connection
in `config.attributes["connection"]`; the command-line `alembic` tool is not needed.
Offline (SQL script) mode is supported for a DBA who wants to read the DDL.
"""
from __future__ import annotations

from alembic import context

from core.history.models import Base

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


# PostgreSQL: a transaction-scoped advisory lock (any 64-bit number the app owns)
# serialises upgrades, as BEGIN IMMEDIATE does on SQLite. Two clients starting on
# a fresh server at once take turns: the second waits here, then alembic reads
# the version table the first committed and has nothing left to do (instead of
# both creating the tables and one failing on "already exists").
PG_MIGRATION_LOCK = 0x4C696E65616765  # "Lineage"


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

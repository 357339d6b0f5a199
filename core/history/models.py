"""SQLAlchemy ORM: artifacts, versions, projects, deployments and the shared object store.

The alembic migrations in `core/history/migrations/versions/` create exactly these
tables; `tests/core/test_db.py` checks the two never drift apart.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    LargeBinary,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints so migrations can refer to them (and SQLite batch mode can
# rebuild a table) without guessing generated names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ARTIFACT_TYPES = ("skill", "command", "agent", "output-style", "other")
UPSTREAM_KINDS = ("folder", "git")
SHAPES = ("dir", "file")
CHANGE_ORIGINS = ("sync", "local_modification", "deployment", "merge", "rollback")
# The line every version belongs to: "collection", "upstream" (states kept aside, for
# merges) or a project's name. Project names may not take the two reserved ones.
COLLECTION_LINE = "collection"
UPSTREAM_LINE = "upstream"
RESERVED_LINES = (COLLECTION_LINE, UPSTREAM_LINE)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UnreadableValue(Exception):
    """A stored value its column's type cannot read back (malformed JSON, a date that is no date).

    Raised while rows are loaded; core.history.db turns it into a MalformedRowError naming
    the row (`find_unreadable`)."""


def _checked(processor: Any, check: Any = None) -> Any:
    """`processor` (a column type's result processor, or None) raising UnreadableValue instead of
    ValueError/TypeError, and when `check` says the value it made is wrong."""

    def process(value: Any) -> Any:
        try:
            out = processor(value) if processor is not None else value
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # JSON nested past the limit
            raise UnreadableValue(str(exc)) from exc
        if check is not None and out is not None and not check(out):
            raise UnreadableValue(f"{type(out).__name__} where a JSON object belongs")
        return out

    return process


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    SQLite has no time zone type and SQLAlchemy's SQLite DATETIME drops tzinfo,
    so values are normalised to UTC before storing and tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass a timezone-aware datetime (UTC)")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"{type(value).__name__} {value!r} where a date belongs")
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        return _checked(super().result_processor(dialect, coltype))


class MetadataJSON(TypeDecorator[dict]):
    """A version's metadata: a JSON object. A value that is not one (hand-edited, or written by a
    broken tool) raises UnreadableValue when read instead of a bare JSONDecodeError."""

    impl = JSON
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        return _checked(super().result_processor(dialect, coltype), lambda v: isinstance(v, dict))


def find_unreadable(conn: Any, dialect: Dialect) -> tuple[str, int, str, str] | None:
    """The first row holding a value its column cannot read: (table, row id, column, reason).

    Reads the raw stored values (no type processing) and runs each through its column's own
    processor, so it finds exactly what made loading fail. Only called after a failure.
    """
    from sqlalchemy import column as sql_column, select as sql_select, table as sql_table

    parsed = [(table.name, col.name, col.type) for table in Base.metadata.sorted_tables for col in table.columns
              if isinstance(col.type, (UTCDateTime, MetadataJSON)) and "id" in table.columns]
    for table_name, column_name, column_type in parsed:
        process = column_type.dialect_impl(dialect).result_processor(dialect, None)
        raw = sql_select(sql_column("id"), sql_column(column_name)).select_from(sql_table(table_name))
        for row_id, value in conn.execute(raw.order_by(sql_column("id"))):
            try:
                process(value)
            except UnreadableValue as exc:
                return table_name, row_id, column_name, str(exc)
    return None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Artifact(Base):
    __tablename__ = "artifacts"
    __table_args__ = (
        UniqueConstraint("name", "type", name="uq_artifacts_name_type"),
        # Two artifacts at one place in the collection would overwrite each other's
        # copy and record each other's content as their own history.
        Index("ux_artifacts_place", "place", unique=True),
        CheckConstraint(_in("type", ARTIFACT_TYPES), name="type"),
        CheckConstraint(_in("upstream_kind", UPSTREAM_KINDS), name="upstream_kind"),
        CheckConstraint(_in("shape", SHAPES), name="shape"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    upstream_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    upstream_location: Mapped[str] = mapped_column(Text, nullable=False)
    upstream_ref: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)
    upstream_subdir: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    place: Mapped[str] = mapped_column(Text, nullable=False)
    shape: Mapped[str] = mapped_column(String(8), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # Set by `remove`: no longer tracked (no copy, skipped by status and sync), history kept.
    removed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), nullable=True)
    # The plugin it was added with (`add --plugin`, or `add --all` of a marketplace): a group, nothing more.
    plugin: Mapped[Optional[str]] = mapped_column(String(255), nullable=True)

    # passive_deletes: the database's ON DELETE CASCADE removes versions; the ORM
    # must not load 10,000 rows just to delete them.
    versions: Mapped[list["ArtifactVersion"]] = relationship(
        back_populates="artifact", cascade="all, delete-orphan", passive_deletes=True
    )


class ArtifactVersion(Base):
    __tablename__ = "artifact_versions"
    __table_args__ = (
        CheckConstraint(_in("change_origin", CHANGE_ORIGINS), name="change_origin"),
        Index("ix_artifact_versions_artifact_id_id", "artifact_id", "id"),
        # Leading content_hash: lookups by hash across artifacts. The trailing
        # (artifact_id, id) make "earliest/newest version of this artifact with
        # this content" one probe; without them SQLite walks the artifact's
        # whole history through the index above (O(n) per recorded version).
        Index("ix_artifact_versions_content_hash", "content_hash", "artifact_id", "id"),
        # A line's head is one probe: the newest id of (artifact, line).
        Index("ix_artifact_versions_artifact_id_line_id", "artifact_id", "line", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    artifact_id: Mapped[int] = mapped_column(
        ForeignKey("artifacts.id", ondelete="CASCADE"), nullable=False
    )  # indexed by ix_artifact_versions_artifact_id_id (its leading column)
    # Not unique: two artifacts may hold the same content, and one may return to it.
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    line: Mapped[str] = mapped_column(
        String(255), nullable=False, default=COLLECTION_LINE, server_default=COLLECTION_LINE
    )
    parent_hash: Mapped[Optional[str]] = mapped_column(String(64), nullable=True, index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("artifact_versions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    second_parent_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("artifact_versions.id", ondelete="SET NULL"), nullable=True
    )
    change_origin: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # `metadata` is reserved by declarative classes; the column keeps the plain name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", MetadataJSON, nullable=False, default=dict)

    artifact: Mapped[Artifact] = relationship(back_populates="versions")


class Project(Base):
    """A folder whose `.claude/` receives deployed artifacts; its name names its line."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # The machine that registered it (core.workspace.machine: an id kept in that machine's
    # data folder); only that machine writes to it or deploys into it. None: registered
    # before 0004, any machine may.
    machine: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)


class Deployment(Base):
    """An artifact deployed into a project, and the version last exchanged between the two
    (the base of its drift state: set by deploy and push)."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("artifact_id", "project_id", name="uq_deployments_artifact_project"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    artifact_id: Mapped[int] = mapped_column(
        ForeignKey("artifacts.id", ondelete="CASCADE"), nullable=False
    )  # indexed by uq_deployments_artifact_project (its leading column)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("artifact_versions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class SharedObject(Base):
    """The team's shared object store (core.store.shared_db): file contents and manifests by
    hash, compressed, as every member's local store keeps them. Written on PostgreSQL only;
    on SQLite the table exists and stays empty (the local store is the whole store)."""

    __tablename__ = "shared_objects"
    __table_args__ = (CheckConstraint("kind IN ('o', 'm')", name="kind"),)

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)  # 'o' object, 'm' manifest
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)  # bytes once inflated
    codec: Mapped[str] = mapped_column(String(16), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

"""Artifacts and their versions: recording, deduplication, lineage.

Values returned here are plain dataclasses (never ORM objects) so they can cross threads.
The rules (DESIGN.md "Versions and lineage", docs/data-model.md):

- a version whose content equals the artifact's head is not recorded;
- replaying an old (artifact, parent, content) event whose parent is no longer
  the head is not recorded either (a stale replay);
- a parent hash with no version row in the artifact is a *legacy* parent: kept
  as `parent_hash`, no `parent_id`, and it starts the lineage;
- returning to earlier content records a new version whose metadata names the
  earliest version with that content (`matches_version`);
- lineage is computed by a recursive query over `parent_id`, oldest first.
"""
from __future__ import annotations

import getpass
import platform
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy.exc as sa_exc
from sqlalchemy import Select, bindparam, func, literal, select
from sqlalchemy.orm import Session, aliased

from core.errors import (
    ArtifactExistsError,
    ArtifactNotFoundError,
    LineageError,
    VersionNotFoundError,
)
from core.history.models import ARTIFACT_TYPES, CHANGE_ORIGINS, COLLECTION_LINE, Artifact, ArtifactVersion, utcnow
from core.upstreams import UpstreamSpec

if TYPE_CHECKING:
    from core.history.db import Database

ArtifactType = Literal["skill", "command", "agent", "output-style", "other"]
ArtifactShape = Literal["dir", "file"]
ChangeOrigin = Literal["sync", "local_modification", "deployment", "merge", "rollback"]
SHAPES: tuple[str, ...] = ("dir", "file")
_HEX = re.compile(r"[0-9a-f]+")
_CHUNK = 500


@dataclass(frozen=True)
class ArtifactInfo:
    id: int
    name: str
    type: str
    upstream: UpstreamSpec
    place: str  # path inside the collection, '/'-separated: "skills/pdf", "commands/review.md"
    shape: str  # "dir" or "file"
    created_at: datetime
    removed_at: datetime | None = None  # set by `remove`: history kept, no longer tracked
    plugin: str | None = None  # the plugin it was added with (a group: status, remove --plugin)

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


@dataclass(frozen=True)
class VersionInfo:
    id: int
    artifact_id: int
    content_hash: str
    parent_hash: str | None
    parent_id: int | None  # None for a root or a legacy parent
    second_parent_id: int | None
    change_origin: str
    created_at: datetime  # timezone-aware UTC
    metadata: dict[str, Any] = field(default_factory=dict)
    line: str = COLLECTION_LINE  # "collection", "upstream" or a project's name


@dataclass(frozen=True)
class RecordOutcome:
    recorded: bool
    version: VersionInfo | None  # the new version, or the existing one that made it a duplicate
    reason: str | None = None  # why nothing was recorded, for people


def recorded_by() -> dict[str, str]:
    """Version metadata naming who recorded a change: this machine and login name."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in a container: not worth failing a sync over
        user = "unknown"
    return {"machine": platform.node(), "user": user}


class _Head:
    """Sentinel: 'the parent is the artifact's current head'."""

    def __repr__(self) -> str:
        return "HEAD"


HEAD = _Head()


def _artifact_info(row: Artifact) -> ArtifactInfo:
    return ArtifactInfo(
        id=row.id,
        name=row.name,
        type=row.type,
        upstream=UpstreamSpec(
            kind=row.upstream_kind,  # type: ignore[arg-type]
            location=row.upstream_location,
            ref=row.upstream_ref,
            subdir=row.upstream_subdir,
        ),
        place=row.place,
        shape=row.shape,
        created_at=row.created_at,
        removed_at=row.removed_at,
        plugin=row.plugin,
    )


def _set_upstream(row: Artifact, upstream: UpstreamSpec) -> None:
    row.upstream_kind = upstream.kind
    row.upstream_location = upstream.location
    row.upstream_ref = upstream.ref
    row.upstream_subdir = upstream.subdir


def _version_info(row: ArtifactVersion) -> VersionInfo:
    return VersionInfo(
        id=row.id,
        artifact_id=row.artifact_id,
        content_hash=row.content_hash,
        parent_hash=row.parent_hash,
        parent_id=row.parent_id,
        second_parent_id=row.second_parent_id,
        change_origin=row.change_origin,
        created_at=row.created_at,
        metadata=dict(row.meta or {}),
        line=row.line,
    )


def _newest_first(artifact_id: int, line: str | None = None) -> Select[tuple[ArtifactVersion]]:
    # Served by the (artifact_id, id) index, or (artifact_id, line, id) for one line:
    # a line's head is one index probe.
    query = select(ArtifactVersion).where(ArtifactVersion.artifact_id == artifact_id)
    if line is not None:
        query = query.where(ArtifactVersion.line == line)
    return query.order_by(ArtifactVersion.id.desc())


_HEAD_ID = (
    select(ArtifactVersion.id)
    .where(ArtifactVersion.artifact_id == bindparam("artifact_id"), ArtifactVersion.line == bindparam("line"))
    .order_by(ArtifactVersion.id.desc())
    .limit(1)
)


_VERSION_COUNT = (
    select(func.count()).select_from(ArtifactVersion).where(ArtifactVersion.artifact_id == bindparam("artifact_id"))
)


def _came_from_upstream() -> Any:
    """A collection `sync` version whose content is the upstream's: no second parent, or
    a second parent on the upstream line. A push from a project is also origin `sync`
    (the seed's project → collection sync) but its second parent is on the project's
    line: to the upstream it is a local change, never a base."""
    second = aliased(ArtifactVersion)
    return ArtifactVersion.second_parent_id.is_(None) | (
        select(second.id)
        .where(second.id == ArtifactVersion.second_parent_id, second.line == "upstream")
        .exists()
    )


# Built once: each `aliased()` is ~300 objects in reference cycles, and this ran for every
# artifact a Sync now re-read (a 1,000-artifact Sync now left ~30,000 for the collector).
_CAME_FROM_UPSTREAM = _came_from_upstream()


class History:
    """Artifacts and versions in one `core.history.db.Database`. Safe to share between threads."""

    def __init__(self, db: "Database", member: str | None = None) -> None:
        self.db = db
        # This data folder's member id (core.workspace.machine), added as `member` to the
        # metadata of every version that names who recorded it (recorded_by): a team's
        # sync tells another member's versions from its own by it (core.sync.outdated).
        self.member = member
        # Called with each version this History records, after its transaction commits: a
        # cache kept current (core.ancestry.blame_upkeep), never part of the record itself.
        self.recorded_listeners: list[Callable[[VersionInfo], None]] = []

    # --- artifacts -------------------------------------------------------------

    def add_artifact(
        self, name: str, type: str, upstream: UpstreamSpec, place: str, shape: str, *, plugin: str | None = None
    ) -> ArtifactInfo:
        if type not in ARTIFACT_TYPES:
            raise LineageError(f"Unknown artifact type {type!r} for {name!r}; use one of {', '.join(ARTIFACT_TYPES)}.")
        if shape not in SHAPES:
            raise LineageError(f"Unknown artifact shape {shape!r} for {name!r}; use 'dir' or 'file'.")
        if upstream.kind not in ("folder", "git"):
            raise LineageError(f"Unknown upstream kind {upstream.kind!r} for {name!r}; use 'folder' or 'git'.")
        exists = ArtifactExistsError(
            f"An artifact named {name!r} of type {type} already exists; pick another name or remove it first."
        )
        with self.db.write() as s:
            row = s.scalars(select(Artifact).where(Artifact.name == name, Artifact.type == type)).first()
            if row is not None and row.removed_at is None:
                raise exists
            holder = s.scalars(select(Artifact).where(Artifact.place == place)).first()
            if holder is not None and holder is not row:
                if holder.removed_at is not None:
                    raise ArtifactExistsError(
                        f"{place!r} in the collection is where the removed {holder.type} {holder.name!r} lived, and "
                        f"its history still names it; give {name!r} another name, or delete that history with "
                        f"`remove {holder.type}/{holder.name} --purge`."
                    )
                raise ArtifactExistsError(
                    f"{place!r} in the collection already holds the {holder.type} {holder.name!r}; "
                    f"give {name!r} another name so the two copies do not overwrite each other."
                )
            if row is not None:
                # Adding a removed artifact again revives it: its history goes on where it stopped.
                _set_upstream(row, upstream)
                row.place, row.shape, row.removed_at, row.plugin = place, shape, None, plugin
                s.flush()
                return _artifact_info(row)
            row = Artifact(
                name=name,
                type=type,
                upstream_kind=upstream.kind,
                upstream_location=upstream.location,
                upstream_ref=upstream.ref,
                upstream_subdir=upstream.subdir,
                place=place,
                shape=shape,
                created_at=utcnow(),
                plugin=plugin,
            )
            s.add(row)
            try:
                s.flush()
            except sa_exc.IntegrityError as exc:  # another database client won the race
                raise exists from exc
            return _artifact_info(row)

    def get_artifact(self, name: str, type: str | None = None, *, include_removed: bool = False) -> ArtifactInfo:
        """The artifact called `name`; `type` (or a `TYPE/NAME` name such as
        `command/review`) picks one when several types share the name. Removed
        artifacts are found only with `include_removed` (log, diff, remove --purge)."""
        if type is None and "/" in name:
            prefix, _, rest = name.partition("/")
            if prefix in ARTIFACT_TYPES and rest:  # names never hold '/', so this is unambiguous
                type, name = prefix, rest
        with self.db.session() as s:
            query = select(Artifact).where(Artifact.name == name)
            if type is not None:
                query = query.where(Artifact.type == type)
            if not include_removed:
                query = query.where(Artifact.removed_at.is_(None))
            rows = s.scalars(query.order_by(Artifact.type)).all()
            if not rows:
                raise ArtifactNotFoundError(self._not_found(s, name, type, include_removed))
            if len(rows) > 1:
                types = ", ".join(r.type for r in rows)
                raise ArtifactNotFoundError(
                    f"Several artifacts are named {name!r} ({types}); name one as TYPE/NAME, "
                    f"e.g. {rows[0].type}/{name}."
                )
            return _artifact_info(rows[0])

    @staticmethod
    def _not_found(s: Session, name: str, type: str | None, include_removed: bool) -> str:
        """'No artifact named …', with the closest names when the name looks misspelt."""
        import difflib

        kind = f" of type {type}" if type else ""
        if not include_removed:
            removed = s.scalar(select(Artifact.type).where(
                Artifact.name == name, Artifact.removed_at.is_not(None),
                *([Artifact.type == type] if type is not None else []),
            ).limit(1))
            if removed is not None:
                return (f"The {removed} {name!r} was removed from the collection; `log {removed}/{name}` shows its "
                        f"history, and `add {name} --source SRC` tracks it again.")
        query = select(Artifact.name).distinct()
        if not include_removed:
            query = query.where(Artifact.removed_at.is_(None))
        names = list(s.scalars(query))
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        if not close:
            lowered = {n.lower(): n for n in names}
            close = [lowered[name.lower()]] if name.lower() in lowered else []
        if close:
            options = " or ".join(repr(c) for c in close)
            return f"No artifact {name!r}{kind} in the collection; did you mean {options}?"
        return f"No artifact named {name!r}{kind} in the collection; `status` lists the artifacts there are."

    def artifact(self, artifact_id: int) -> ArtifactInfo:
        with self.db.session() as s:
            return _artifact_info(self._artifact_row(s, artifact_id))

    def list_artifacts(self, *, include_removed: bool = False) -> list[ArtifactInfo]:
        """Tracked artifacts by type and name (with the removed ones too when asked)."""
        with self.db.session() as s:
            query = select(Artifact).order_by(Artifact.type, Artifact.name)
            if not include_removed:
                query = query.where(Artifact.removed_at.is_(None))
            return [_artifact_info(r) for r in s.scalars(query).all()]

    def remove_artifact(self, artifact_id: int) -> None:
        """Delete an artifact and (ON DELETE CASCADE) all its versions: `remove --purge`."""
        with self.db.write() as s:
            s.delete(self._artifact_row(s, artifact_id))

    def mark_removed(self, artifact_id: int, when: datetime | None = None) -> ArtifactInfo:
        """Stop tracking an artifact; its versions stay (`remove` without --purge)."""
        with self.db.write() as s:
            row = self._artifact_row(s, artifact_id)
            row.removed_at = when or utcnow()
            s.flush()
            return _artifact_info(row)

    def set_upstream(self, artifact_id: int, upstream: UpstreamSpec) -> ArtifactInfo:
        """Point a tracked artifact at another upstream (`edit`); its place and history stay."""
        if upstream.kind not in ("folder", "git"):
            raise LineageError(f"Unknown upstream kind {upstream.kind!r}; use 'folder' or 'git'.")
        with self.db.write() as s:
            row = self._artifact_row(s, artifact_id)
            _set_upstream(row, upstream)
            s.flush()
            return _artifact_info(row)

    @staticmethod
    def _artifact_row(s: Session, artifact_id: int) -> Artifact:
        row = s.get(Artifact, artifact_id)
        if row is None:
            raise ArtifactNotFoundError(f"No artifact with id {artifact_id}; it may have been removed.")
        return row

    # --- versions --------------------------------------------------------------

    def head(self, artifact_id: int, line: str = COLLECTION_LINE) -> VersionInfo | None:
        """The newest version on `line` (the collection copy's by default), or None."""
        with self.db.session() as s:
            row = s.scalars(_newest_first(artifact_id, line).limit(1)).first()
            return _version_info(row) if row is not None else None

    def head_id(self, artifact_id: int, line: str = COLLECTION_LINE) -> int | None:
        """The id of the newest version on `line`, or None: what a verb holding the artifact's
        lock compares with the head it read before, one cheap read per artifact."""
        with self.db.connection() as conn:
            return conn.execute(_HEAD_ID, {"artifact_id": artifact_id, "line": line}).scalar()

    def last_version_with_origin(
        self, artifact_id: int, origin: str, line: str = COLLECTION_LINE
    ) -> VersionInfo | None:
        with self.db.session() as s:
            row = s.scalars(
                _newest_first(artifact_id, line).where(ArtifactVersion.change_origin == origin).limit(1)
            ).first()
            return _version_info(row) if row is not None else None

    def upstream_base(self, artifact_id: int) -> VersionInfo | None:
        """The last collection version whose content came from the upstream: the `base` of
        the sync states (docs/sync.md). A push from a project is not one (see docs/projects.md)."""
        return self.upstream_bases([artifact_id]).get(artifact_id)

    def upstream_bases(self, artifact_ids: Iterable[int] | None = None) -> dict[int, VersionInfo]:
        """`upstream_base` of each artifact, in one session (absent: none yet).

        A `merge` into the collection whose second parent is on the upstream line applied
        that upstream state too (merged with local edits): its base is then that
        upstream-line version, so the next sync compares upstream against what was merged.
        """
        synced = self.latest_versions(artifact_ids, "sync", upstream_only=True)
        merged = self.latest_versions(artifact_ids, "merge", upstream_only=True, second_required=True)
        newer = {a: v for a, v in merged.items() if a not in synced or v.id > synced[a].id}
        seconds = self.versions_by_id(v.second_parent_id for v in newer.values() if v.second_parent_id is not None)
        for artifact_id, version in newer.items():
            if version.second_parent_id in seconds:
                synced[artifact_id] = seconds[version.second_parent_id]
        return synced

    def annotate_version(self, version_id: int, notes: dict[str, Any]) -> VersionInfo:
        """Add `notes` to a version's metadata (a decision about it, e.g. a kept-aside
        upstream state); its content, parents and place in history never change."""
        with self.db.write() as s:
            row = s.get(ArtifactVersion, version_id)
            if row is None:
                raise VersionNotFoundError(f"No version with id {version_id}; `log NAME` lists an artifact's versions.")
            row.meta = {**dict(row.meta or {}), **notes}
            s.flush()
            return _version_info(row)

    def latest_versions(
        self,
        artifact_ids: Iterable[int] | None = None,
        origin: str | None = None,
        line: str = COLLECTION_LINE,
        *,
        upstream_only: bool = False,
        second_required: bool = False,
    ) -> dict[int, VersionInfo]:
        """The newest version on `line` of each artifact (of one origin, if given), in one session.

        The batch form of `head` / `last_version_with_origin` for sync and status
        over many artifacts: one session and a few queries instead of two per artifact.
        Artifacts without such a version are absent from the result.
        """
        wanted_ids = None if artifact_ids is None else sorted(set(artifact_ids))
        newest = (
            select(ArtifactVersion.artifact_id, func.max(ArtifactVersion.id))
            .where(ArtifactVersion.line == line)
            .group_by(ArtifactVersion.artifact_id)
        )
        if origin is not None:
            newest = newest.where(ArtifactVersion.change_origin == origin)
        if upstream_only:
            newest = newest.where(_CAME_FROM_UPSTREAM)
        if second_required:
            newest = newest.where(ArtifactVersion.second_parent_id.is_not(None))
        result: dict[int, VersionInfo] = {}
        with self.db.session() as s:
            ids_by_artifact = dict(s.execute(newest).all())
            if wanted_ids is not None:
                ids_by_artifact = {a: ids_by_artifact[a] for a in wanted_ids if a in ids_by_artifact}
            version_ids = sorted(ids_by_artifact.values())
            for start in range(0, len(version_ids), _CHUNK):  # below any bound-parameter limit
                chunk = version_ids[start:start + _CHUNK]
                for row in s.scalars(select(ArtifactVersion).where(ArtifactVersion.id.in_(chunk))):
                    result[row.artifact_id] = _version_info(row)
        return result

    def record_version(
        self,
        artifact_id: int,
        content_hash: str,
        change_origin: str,
        *,
        parent_hash: str | None | _Head = HEAD,
        metadata: dict[str, Any] | None = None,
        created_at: datetime | None = None,
        line: str = COLLECTION_LINE,
        parent_id: int | None = None,
        second_parent_id: int | None = None,
    ) -> RecordOutcome:
        """Record that the copy followed by `line` now holds `content_hash`, unless that is known.

        Dedup and the parent rules apply per line: the head is the line's newest version.
        `parent_id` names the first parent exactly (it may be on another line: a first
        deployment's parent is the collection version it copied) and overrides
        `parent_hash`; `second_parent_id` is where the content came from on another line.

        Reading the head and inserting happen in one write transaction (BEGIN
        IMMEDIATE on SQLite; on PostgreSQL it first locks the artifact's row), so
        two writers can never both append to the same head. Raises DatabaseError when
        the database fails (nothing is written then); callers that must not fail
        (sync) catch it and report the version as missing.

        Once committed, a new version is handed to each of `recorded_listeners`; one that
        fails is said as a RuntimeWarning (the version stays recorded).
        """
        outcome = self._record(artifact_id, content_hash, change_origin, parent_hash, metadata, created_at, line,
                               parent_id, second_parent_id)
        if outcome.recorded and outcome.version is not None:
            for listener in list(self.recorded_listeners):
                try:
                    listener(outcome.version)
                except Exception as exc:  # noqa: BLE001 - the version is recorded; a cache only lags
                    warnings.warn(f"Recorded version #{outcome.version.id}, but "
                                  f"{getattr(listener, '__qualname__', listener)} failed after it "
                                  f"({exc!r}); nothing is lost.", RuntimeWarning, stacklevel=2)
        return outcome

    def _record(
        self, artifact_id: int, content_hash: str, change_origin: str, parent_hash: "str | None | _Head",
        metadata: dict[str, Any] | None, created_at: datetime | None, line: str, parent_id: int | None,
        second_parent_id: int | None,
    ) -> RecordOutcome:
        if change_origin not in CHANGE_ORIGINS:
            raise LineageError(
                f"Unknown change origin {change_origin!r}; use one of {', '.join(CHANGE_ORIGINS)}."
            )
        if created_at is not None and created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware (UTC); got a naive datetime")
        if not line or not isinstance(line, str):
            raise LineageError("A version needs a line: 'collection', 'upstream' or a project's name.")
        with self.db.write() as s:
            # Lock the artifact's row before reading its head. PostgreSQL (READ
            # COMMITTED, no BEGIN IMMEDIATE) would let two writers read the same head
            # and fork the history; with the lock the second waits for the first to
            # commit, then reads the new head. SQLite renders no FOR UPDATE: BEGIN
            # IMMEDIATE already serialises its writers.
            locked = s.scalar(select(Artifact.id).where(Artifact.id == artifact_id).with_for_update())
            if locked is None:
                raise ArtifactNotFoundError(f"No artifact with id {artifact_id}; it may have been removed.")
            head = s.scalars(_newest_first(artifact_id, line).limit(1)).first()
            if head is not None and head.content_hash == content_hash:
                return RecordOutcome(
                    False, _version_info(head),
                    f"the current version (v{_number(s, artifact_id, head.id)}) already holds content "
                    f"{content_hash[:12]}",
                )
            for wanted in (parent_id, second_parent_id):
                if wanted is not None and s.scalar(
                    select(ArtifactVersion.artifact_id).where(ArtifactVersion.id == wanted)
                ) != artifact_id:
                    raise VersionNotFoundError(
                        f"Version #{wanted} is not a version of artifact {artifact_id}; cannot use it as a parent."
                    )
            if parent_id is not None:
                parent_hash = s.scalar(select(ArtifactVersion.content_hash).where(ArtifactVersion.id == parent_id))
            elif isinstance(parent_hash, _Head):
                parent_hash = head.content_hash if head is not None else None
            head_hash = head.content_hash if head is not None else None

            if parent_hash != head_hash:
                replay = s.scalars(
                    _newest_first(artifact_id, line).where(
                        ArtifactVersion.content_hash == content_hash,
                        ArtifactVersion.parent_hash.is_(None)
                        if parent_hash is None
                        else ArtifactVersion.parent_hash == parent_hash,
                    ).limit(1)
                ).first()
                if replay is not None:
                    return RecordOutcome(
                        False, _version_info(replay),
                        f"this change was already recorded as v{_number(s, artifact_id, replay.id)} "
                        "(a replay of an earlier event)",
                    )

            if parent_id is None and parent_hash is not None:
                if head is not None and head.content_hash == parent_hash:
                    parent_id = head.id
                else:
                    # The newest version with that content, on this line first; none → a
                    # legacy parent.
                    with_content = select(ArtifactVersion.id).where(
                        ArtifactVersion.artifact_id == artifact_id, ArtifactVersion.content_hash == parent_hash
                    ).order_by(ArtifactVersion.id.desc()).limit(1)
                    parent_id = s.scalar(with_content.where(ArtifactVersion.line == line))
                    if parent_id is None:
                        parent_id = s.scalar(with_content)

            meta = dict(metadata or {})
            if self.member and "machine" in meta:
                meta.setdefault("member", self.member)
            # A revert is a copy returning to content it held before: on its own line
            # (a deployment holds the collection's content by design; that is no revert).
            earlier = s.scalar(
                select(func.min(ArtifactVersion.id)).where(
                    ArtifactVersion.artifact_id == artifact_id,
                    ArtifactVersion.content_hash == content_hash,
                    ArtifactVersion.line == line,
                )
            )
            if earlier is not None:
                meta["matches_version"] = earlier

            row = ArtifactVersion(
                artifact_id=artifact_id,
                content_hash=content_hash,
                parent_hash=parent_hash,
                parent_id=parent_id,
                second_parent_id=second_parent_id,
                line=line,
                change_origin=change_origin,
                created_at=created_at or utcnow(),
                meta=meta,
            )
            s.add(row)
            s.flush()
            return RecordOutcome(True, _version_info(row))

    def last_sync_at(self) -> datetime | None:
        """When the newest `sync` version of any artifact was recorded, or None.

        "Last sync" belongs to the data folder (its database), not to the user's
        settings: two data folders, or two machines sharing a database, each show
        their own.
        """
        with self.db.session() as s:
            stamp = s.scalar(
                select(ArtifactVersion.created_at)
                .where(ArtifactVersion.change_origin == "sync")
                .order_by(ArtifactVersion.id.desc())
                .limit(1)
            )
        if stamp is not None and stamp.tzinfo is None:  # SQLite hands back naive UTC
            stamp = stamp.replace(tzinfo=timezone.utc)
        return stamp

    def content_hashes(self) -> set[str]:
        """Every content hash a version names, once (what a shared store must hold)."""
        with self.db.session() as s:
            return set(s.scalars(select(ArtifactVersion.content_hash).distinct()))

    def versions(self, artifact_id: int, line: str | None = None, limit: int | None = None) -> list[VersionInfo]:
        """Every version of the artifact (on every line, or on `line` only), newest first;
        only the newest `limit` if given."""
        query = _newest_first(artifact_id, line)
        if limit is not None:
            query = query.limit(limit)
        with self.db.session() as s:
            return [_version_info(r) for r in s.scalars(query).all()]

    def version_count(self, artifact_id: int) -> int:
        """How many versions the artifact has, on all lines (the newest is v-number this count).
        One read on a bare connection: the blame upkeep asks it after every record."""
        with self.db.connection() as conn:
            return conn.execute(_VERSION_COUNT, {"artifact_id": artifact_id}).scalar() or 0

    def versions_by_id(self, version_ids: Iterable[int]) -> dict[int, VersionInfo]:
        """The versions with these ids, in one session (ids that do not exist are absent)."""
        wanted = sorted(set(version_ids))
        result: dict[int, VersionInfo] = {}
        with self.db.session() as s:
            for start in range(0, len(wanted), _CHUNK):  # below any bound-parameter limit
                chunk = wanted[start:start + _CHUNK]
                for row in s.scalars(select(ArtifactVersion).where(ArtifactVersion.id.in_(chunk))):
                    result[row.id] = _version_info(row)
        return result

    def all_heads(self, artifact_ids: Iterable[int] | None = None) -> dict[tuple[int, str], VersionInfo]:
        """The head of every line of every artifact (or of those given), keyed (artifact id, line):
        two queries however many artifacts, lines and versions there are."""
        wanted = None if artifact_ids is None else set(artifact_ids)
        newest = select(func.max(ArtifactVersion.id)).group_by(ArtifactVersion.artifact_id, ArtifactVersion.line)
        with self.db.session() as s:
            ids = list(s.scalars(newest))
        heads = self.versions_by_id(ids)
        return {
            (v.artifact_id, v.line): v for v in heads.values() if wanted is None or v.artifact_id in wanted
        }

    def version_counts(self) -> dict[int, int]:
        """How many versions each artifact has, from one grouped COUNT (the window picks
        the artifact with the longest history without loading any history).
        Artifacts without a version are absent from the result."""
        counts = select(ArtifactVersion.artifact_id, func.count(ArtifactVersion.id)).group_by(
            ArtifactVersion.artifact_id
        )
        with self.db.session() as s:
            return {artifact_id: count for artifact_id, count in s.execute(counts).all()}

    def version(self, version_id: int) -> VersionInfo:
        with self.db.session() as s:
            row = s.get(ArtifactVersion, version_id)
            if row is None:
                raise VersionNotFoundError(f"No version with id {version_id}; `log NAME` lists an artifact's versions.")
            return _version_info(row)

    def find_versions(self, artifact_id: int, hash_prefix: str) -> list[VersionInfo]:
        """Versions whose content hash starts with `hash_prefix`, newest first (maybe none)."""
        prefix = hash_prefix.strip().lower()
        if not prefix or not _HEX.fullmatch(prefix):
            raise VersionNotFoundError(
                f"{hash_prefix!r} is not a content hash or hash prefix; give hexadecimal digits."
            )
        with self.db.session() as s:
            # Hashes are lowercase hex and every hex digit sorts below "g", so the
            # prefix is a range: index-friendly on every database, unlike LIKE on SQLite.
            rows = s.scalars(
                _newest_first(artifact_id).where(
                    ArtifactVersion.content_hash >= prefix, ArtifactVersion.content_hash < prefix + "g"
                )
            ).all()
            return [_version_info(r) for r in rows]

    def lineage(self, version_id: int) -> list[str]:
        """Content hashes from the root down to this version, oldest first."""
        with self.db.session() as s:
            rows = s.execute(_LINEAGE_QUERY, {"version_id": version_id}).all()
        if not rows:
            raise VersionNotFoundError(f"No version with id {version_id}; `log NAME` lists an artifact's versions.")
        hashes = [r.content_hash for r in rows]
        oldest = rows[0]
        if oldest.parent_id is None and oldest.parent_hash is not None:
            hashes.insert(0, oldest.parent_hash)  # the legacy parent starts the chain
        return hashes


def _number(s: Any, artifact_id: int, version_id: int) -> int:
    """The artifact's own vN of one version (ordinal_by_id for one): its versions up to it, counted."""
    return int(s.scalar(select(func.count()).select_from(ArtifactVersion).where(
        ArtifactVersion.artifact_id == artifact_id, ArtifactVersion.id <= version_id)) or 0)


def ordinal_by_id(versions: Iterable[VersionInfo]) -> dict[int, int]:
    """The artifact's own numbering: version id -> 1, 2, 3… in recording order.

    Database ids are global (pdf's versions may be #1, #5, #7…); people expect an
    artifact's first version to be v1. Recording order is id order (ids follow
    the order versions were recorded in; `created_at` may be supplied and is not
    trusted for ordering). Pass one artifact's versions; mixing artifacts
    numbers them together.
    """
    return {vid: n for n, vid in enumerate(sorted(v.id for v in versions), start=1)}


def _lineage_query() -> Select[Any]:
    """WITH RECURSIVE chain: the version, then its first parent, its parent… ordered root first.

    Built once (the version id is a bind parameter): constructing the statement
    cost a few ms per call against ~10 ms for walking 10,000 parents.
    """
    v = ArtifactVersion
    chain = (
        select(v.id, v.content_hash, v.parent_id, v.parent_hash, literal(0).label("depth"))
        .where(v.id == bindparam("version_id"))
        .cte("chain", recursive=True)
    )
    up = aliased(ArtifactVersion)
    chain = chain.union_all(
        select(up.id, up.content_hash, up.parent_id, up.parent_hash, chain.c.depth + 1)
        .join(chain, up.id == chain.c.parent_id)
    )
    return select(chain.c.content_hash, chain.c.parent_id, chain.c.parent_hash).order_by(chain.c.depth.desc())


_LINEAGE_QUERY = _lineage_query()

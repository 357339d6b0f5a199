"""One crash-safe replace (and delete) of a live copy, for every verb: deploy, push, restore,
merges and their `--continue`, remove.

The steps, each durable before the next (docs/crash-safety.md):

1. open the copy's parent folder by descriptor, no link followed (core.atomic.place);
2. build the new content from the object store in a locked staging folder beside the
   copy, fsync it, check its content hash;
3. store what the copy holds now, every object verified (it may be the last place holding
   it: docs/objects.md, "Repair"), and, for a merge, check it still holds the merge's side;
4. write and fsync a pending record naming the version to record: artifact, line, origin,
   content, both parents, metadata, the deployment to move and the merge to drop
   (core.workspace.pending);
5. swap (renameat2 exchange on the open folder);
6. record the version (and move the deployment, drop the merge);
7. clear the pending record.

A crash before 5 leaves the old copy and a record that the next run drops (the copy does
not hold its content); a crash after 5 leaves the new copy, and the next run (any command:
Workspace.open rolls records forward) records exactly the version step 6 would have.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from core.errors import LineageError, MergeError, SyncError
from core.workspace.pending import PendingRecord

if TYPE_CHECKING:
    from core.atomic.place import Place
    from core.history import ArtifactInfo, RecordOutcome
    from core.workspace.workspace import Workspace

__all__ = ["CopyPlace", "collection_place", "replace_copy", "put_copy", "remove_copy", "live_content", "ANY",
           "RecordFailed"]

class RecordFailed(LineageError):
    """The copy is in place but its version could not be recorded; its pending record stays
    and the next command records it."""


ANY = object()  # replace_copy(expect_live=ANY): whatever the copy holds now is stored, then replaced


@dataclass(frozen=True)
class CopyPlace:
    """A live copy: `root` (the collection folder or a project folder, never followed if a
    link) and the names below it."""

    root: Path
    parts: tuple[str, ...]

    @property
    def path(self) -> Path:
        return self.root.joinpath(*self.parts)

    def open(self, *, create: bool = True) -> "Place":
        from core.atomic.place import open_place

        return open_place(self.root, self.parts, create=create)


def collection_place(ws: "Workspace", artifact: "ArtifactInfo") -> CopyPlace:
    from core.workspace.collection import check_place

    check_place(ws.home.collection_dir, artifact)  # a link on the way refused before anything is read
    return CopyPlace(ws.home.collection_dir, tuple(PurePosixPath(artifact.place).parts))


def _entry_name(artifact: "ArtifactInfo") -> bytes:
    return os.fsencode(PurePosixPath(artifact.place).name)


def live_content(place: "Place", artifact: "ArtifactInfo"):
    """The tree of the copy in the open `place` (None: no copy), read through its descriptor."""
    from core.content import copy_tree_hash

    if not place.exists():
        return None
    return copy_tree_hash(place.through(), artifact.shape, _entry_name(artifact), None)


def replace_copy(
    ws: "Workspace",
    artifact: "ArtifactInfo",
    where: CopyPlace,
    content_hash: str,
    *,
    origin: str,
    line: str = "collection",
    parent_hash: "str | None | object" = None,
    parent_id: int | None = None,
    second_parent_id: int | None = None,
    metadata: dict[str, Any] | None = None,
    deployment: tuple[int, int | None] | None = None,
    drop: Path | None = None,
    expect_live: Any = ANY,
) -> "RecordOutcome":
    """Put the stored content `content_hash` at `where` and record it (the steps above).

    `parent_hash` HEAD (core.history) is the line's head's content now; `expect_live`: the
    content the copy must still hold (MergeError otherwise: a copy edited meanwhile is
    never replaced). Raises SyncError / PlaceError with nothing changed when a step before
    the swap fails; a failure to record after the swap leaves the pending record for the
    next run (and raises).
    """
    from core.atomic.swap import staging_in, swap_into
    from core.history import HEAD

    if parent_hash is HEAD:
        head = ws.history.head(artifact.id, line)
        parent_hash = head.content_hash if head is not None else None
    try:
        with where.open() as place, staging_in(place) as staged:
            _build(ws, artifact, staged, content_hash)
            live = live_content(place, artifact)
            if expect_live is not ANY and (live.content_hash if live else None) != expect_live:
                raise MergeError(
                    f"The copy of {artifact.name!r} at {where.path} changed since the merge started; it was kept as "
                    "it is, and so is the merge. To start it again from the copy as it is now, abandon it with "
                    f"`merge {artifact.name} --abort` (with --project for a project's merge), which deletes its work "
                    "folder and any resolution written there: copy that out first to keep it."
                )
            if live is not None:
                ws.objects.store_tree(place.through(), live, verify=True)  # stored before it is replaced
            record = PendingRecord(
                artifact.id, content_hash, parent_hash, origin, dict(metadata or {}), line=line,
                parent_id=parent_id, second_parent_id=second_parent_id, root=os.fspath(where.root),
                parts=where.parts, deployment=deployment, drop=os.fspath(drop) if drop else None,
            )
            held = ws.pending.hold(record)
            try:
                swap_into(place, staged)
            except BaseException:
                held.leave()  # the next run checks the copy: a swap that did happen is still recorded
                raise
    except OSError as exc:
        raise SyncError(f"Could not replace the copy of {artifact.name!r} at {where.path}: "
                        f"{exc.strerror or exc}; the previous copy was kept.") from exc
    from sqlalchemy.exc import SQLAlchemyError

    try:
        outcome = _record(ws, artifact, record)
    except (LineageError, SQLAlchemyError) as exc:
        held.leave()
        raise RecordFailed(f"The copy of {artifact.name!r} at {where.path} is in place, but its version could not be "
                           f"recorded ({exc}); the next command records it.") from exc
    except BaseException:
        held.leave()
        raise
    held.done()
    return outcome


def _build(ws: "Workspace", artifact: "ArtifactInfo", staged: Any, content_hash: str) -> None:
    """Step 2: write the stored content into the staging folder, fsync it, check its hash."""
    from core.atomic import sync_tree
    from core.content import copy_tree_hash

    ws.objects.materialize(content_hash, staged, single_file=artifact.shape == "file")
    sync_tree(staged)
    landed = copy_tree_hash(staged, artifact.shape, _entry_name(artifact), None)
    if landed.content_hash != content_hash:
        raise SyncError(
            f"The copy of {artifact.name!r} built from the object store holds {landed.content_hash[:12]}, "
            f"not {content_hash[:12]}; nothing was replaced."
        )


def put_copy(ws: "Workspace", artifact: "ArtifactInfo", where: CopyPlace, content_hash: str) -> None:
    """Put stored content at `where` and record nothing (a team member's copy brought forward to
    a head another member recorded): steps 1, 2, 3 and 5 above. No pending record is needed: a
    crash leaves the old copy or the new one, and the history already holds both."""
    from core.atomic.swap import staging_in, swap_into

    try:
        with where.open() as place, staging_in(place) as staged:
            _build(ws, artifact, staged, content_hash)
            live = live_content(place, artifact)
            if live is not None:
                ws.objects.store_tree(place.through(), live, verify=True)  # stored before it is replaced
            swap_into(place, staged)
    except OSError as exc:
        raise SyncError(f"Could not replace the copy of {artifact.name!r} at {where.path}: "
                        f"{exc.strerror or exc}; the previous copy was kept.") from exc


def _record(ws: "Workspace", artifact: "ArtifactInfo", record: PendingRecord) -> "RecordOutcome":
    from core.fsio import remove_quietly
    from core.history import Deployments

    outcome = ws.history.record_version(
        artifact.id, record.content_hash, record.origin, parent_hash=record.parent_hash,
        metadata=record.metadata, created_at=ws.clock() if ws.clock is not None else None, line=record.line,
        parent_id=record.parent_id, second_parent_id=record.second_parent_id,
    )
    if record.deployment is not None and outcome.version is not None:
        project_id, version_id = record.deployment
        Deployments(ws.db).set_deployment(artifact.id, project_id, version_id or outcome.version.id)
    if record.drop:
        remove_quietly(record.drop)
    return outcome


def remove_copy(ws: "Workspace", artifact: "ArtifactInfo", where: CopyPlace, content_hash: str,
                mark_removed) -> bool:
    """Delete a copy holding `content_hash` (stored and recorded already) after `mark_removed()`
    has told the database, crash-safely: a pending remove record first, so a remove killed
    after the database step and before the copy went finishes at the next run. False: no copy."""
    try:
        with where.open(create=False) as place:
            held = ws.pending.hold(PendingRecord(artifact.id, content_hash, None, "local_modification",
                                                 root=os.fspath(where.root), parts=where.parts, kind="remove"))
            try:
                mark_removed()
                from core.atomic.swap import remove_in

                removed = remove_in(place)
            except BaseException:
                held.leave()
                raise
            held.done()
            return removed
    except FileNotFoundError:  # no folder on the way: no copy to delete
        mark_removed()
        return False

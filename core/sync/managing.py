"""Changing and removing tracked artifacts: `edit` (another upstream) and `remove`.

edit: the new upstream is validated first (fetched once); nothing changes when it
cannot be read, or when it would change the artifact's type, shape or place. The
next sync brings its content as a normal `sync` version whose metadata names the
previous upstream (core.sync.engine).

remove: the collection copy's content is stored and, unless a version already holds
it, recorded first; then the artifact is marked removed (its history stays, `log`
shows it) or, with purge, its history is deleted; then the copy goes. Removing
never loses content no version records: a purge refuses such a copy.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import LineageError, SyncError, UpstreamError

if TYPE_CHECKING:
    from core.history import ArtifactInfo
    from core.upstreams import UpstreamSpec
    from core.workspace import Workspace

__all__ = ["KEEP", "EditOutcome", "RemoveOutcome", "edit_upstream", "remove_artifact", "UnrecordedContentError"]


class _Keep:
    """Sentinel: leave this part of the upstream as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


class UnrecordedContentError(SyncError):
    """A purge asked for while the collection copy holds content no version records."""


@dataclass(frozen=True)
class EditOutcome:
    artifact: "ArtifactInfo"  # as it is now
    old: "UpstreamSpec"
    new: "UpstreamSpec"

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class RemoveOutcome:
    artifact: "ArtifactInfo"
    purged: bool
    recorded_version_id: int | None  # the local content recorded just before removing, if any
    copy_removed: bool  # False: there was no copy, or it could not be deleted (copy_error says why)
    copy_error: str | None = None
    untracked_projects: tuple[str, ...] = ()  # projects whose copies stay, no longer tracked as deployments


def edit_upstream(
    ws: "Workspace",
    artifact: "ArtifactInfo",
    *,
    source: str | None = None,
    ref: "str | None | _Keep" = KEEP,
    subdir: "str | None | _Keep" = KEEP,
    folder: bool = False,
) -> EditOutcome:
    """Point `artifact` at another source, ref or sub-folder; what is not given stays.

    An empty ref or sub-folder clears it (default branch, the upstream's root). A new
    source keeps the old ref when it is a git upstream too, and drops it otherwise.
    Raises UpstreamError (nothing changed) when the new upstream cannot be read or
    would not fit the artifact.
    """
    from core.sync.adding import SeveralArtifactsError, describe_found, settle_upstream
    from core.upstreams import UpstreamSpec, find_artifacts, infer_spec
    from core.workspace.collection import infer_shape, place_for

    old = artifact.upstream
    new_ref = old.ref if isinstance(ref, _Keep) else (ref or None)
    new_subdir = old.subdir if isinstance(subdir, _Keep) else ((subdir or "").strip("/") or None)
    if source is None and old.kind == "git" and not folder:
        spec = UpstreamSpec("git", old.location, new_ref, new_subdir)
    else:
        location = source if source is not None else old.location
        # A folder upstream stays one when only its sub-folder changes (a work tree is git only when chosen anew).
        as_folder = folder or (source is None and old.kind == "folder" and new_ref is None)
        try:
            spec = infer_spec(location, ref=None if folder and isinstance(ref, _Keep) else new_ref, subdir=new_subdir,
                              folder=as_folder)
        except UpstreamError:
            if not isinstance(ref, _Keep) or new_ref is None:
                raise
            spec = infer_spec(location, ref=None, subdir=new_subdir)  # the old ref was git's; this is a folder
    spec, fetched = settle_upstream(ws, spec, artifact.type)
    path = Path(fetched.path)
    shape = infer_shape(path)
    if artifact.type != "other":
        found = tuple(find_artifacts(path, spec.subdir))
        if found:
            raise SeveralArtifactsError(
                f"The new upstream holds {len(found)} artifacts ({describe_found(found)}), not the one "
                f"{artifact.type} {artifact.name!r}; give --subdir to pick one.", found)
    if shape != artifact.shape:
        raise UpstreamError(
            f"The new upstream is a {'folder' if shape == 'dir' else 'file'}, but {artifact.name!r} tracks a "
            f"{'folder' if artifact.shape == 'dir' else 'single file'}; point it at a "
            f"{'folder' if artifact.shape == 'dir' else 'file'}, or add the new upstream as another artifact."
        )
    place = place_for(artifact.name, artifact.type, shape, path.name)
    if place != artifact.place:
        raise UpstreamError(
            f"The new upstream would move {artifact.name!r} from {artifact.place} to {place} in the collection; "
            "add it as another artifact instead, or point at a file with the same extension."
        )
    if spec == old:
        return EditOutcome(artifact, old, spec)
    return EditOutcome(ws.history.set_upstream(artifact.id, spec), old, spec)


def remove_artifact(ws: "Workspace", artifact: "ArtifactInfo", *, purge: bool = False) -> RemoveOutcome:
    """Stop tracking `artifact` and delete its collection copy, recording its content first.

    Without purge its versions stay (shown as removed); with purge they are deleted,
    and a copy holding content no version records is refused (UnrecordedContentError).
    """
    from core.workspace import artifact_lock

    with artifact_lock(ws.home, artifact.id):
        return _remove(ws, artifact, purge)


def _remove(ws: "Workspace", artifact: "ArtifactInfo", purge: bool) -> RemoveOutcome:
    from core.history import Deployments
    from core.workspace import collection_place, path_of, remove_copy

    target = path_of(ws.home.collection_dir, artifact)
    if not artifact.removed:
        from core.sync.pending import refuse_if_merge_waits

        refuse_if_merge_waits(ws.home, artifact, target, "remove", (p.name for p in Deployments(ws.db).projects()))
    where = collection_place(ws, artifact)  # refuses a link on the way before anything is read
    recorded_id = None
    content = None
    if not artifact.removed and os.path.lexists(target):
        recorded_id, content = _record_copy(ws, artifact, target, purge)
    if artifact.removed and not purge:
        raise LineageError(
            f"The {artifact.type} {artifact.name!r} is already removed; `remove {artifact.type}/{artifact.name} "
            "--purge` deletes its history too."
        )
    info = artifact
    untracked: tuple[str, ...] = ()

    def mark_removed() -> None:
        nonlocal info, untracked
        untracked = tuple(Deployments(ws.db).forget_artifact(artifact.id))  # their project copies stay
        if purge:
            ws.history.remove_artifact(artifact.id)
            _forget_blame(ws, artifact.id)
        else:
            info = ws.history.mark_removed(artifact.id, ws.clock() if ws.clock is not None else None)

    if content is None:
        mark_removed()
        return RemoveOutcome(info, purge, recorded_id, False, None, untracked)
    removed, error = False, None
    try:
        # A pending remove record first: killed after the database step, the next run deletes the copy.
        removed = remove_copy(ws, artifact, where, content, mark_removed)
    except OSError as exc:
        error = (f"Could not delete the collection copy {target}: {exc.strerror or exc}; its content is "
                 "recorded, so deleting it by hand loses nothing.")
    if removed:
        _drop_empty_folder(target, ws.home.collection_dir)
    return RemoveOutcome(info, purge, recorded_id, removed, error, untracked)


def _forget_blame(ws: "Workspace", artifact_id: int) -> None:
    """A purged artifact's blame entries name versions that no longer exist: delete them
    (a removed one keeps them: its history is still shown)."""
    from core.ancestry import BlameCache, blame_cache_dir

    BlameCache(blame_cache_dir(ws), writable=not ws.read_only).forget(artifact_id)


def _record_copy(ws: "Workspace", artifact: "ArtifactInfo", target: Path, purge: bool) -> tuple[int | None, str]:
    """Store the copy's content; record it when no version holds it yet. Returns the new version's
    id and the copy's content hash."""
    from core.history import recorded_by
    from core.sync.engine import counts_between, previous_tree
    from core.content import copy_tree_hash
    from core.sync.probe import entry_name

    try:
        tree = copy_tree_hash(target, artifact.shape, entry_name(artifact), ws.stat_cache)
    except OSError as exc:
        raise SyncError(f"Could not read the collection copy of {artifact.name!r} ({exc.strerror or exc}); "
                        "nothing was removed.") from exc
    head = ws.history.head(artifact.id)
    if head is not None and head.content_hash == tree.content_hash:
        unrecorded = False
    else:
        unrecorded = not ws.history.find_versions(artifact.id, tree.content_hash)
    if purge and unrecorded:
        raise UnrecordedContentError(
            f"The collection copy of {artifact.name!r} holds content no version records ({tree.content_hash[:12]}); "
            f"`remove {artifact.name}` without --purge records it and keeps the history; purge after that "
            "if you mean to delete it."
        )
    try:
        ws.objects.store_tree(target, tree)
    except OSError as exc:
        raise SyncError(f"Could not store the collection copy of {artifact.name!r} ({exc.strerror or exc}); "
                        "nothing was removed.") from exc
    if purge or (head is not None and head.content_hash == tree.content_hash):
        return None, tree.content_hash
    meta = counts_between(previous_tree(ws, head.content_hash if head else None), tree) | recorded_by()
    meta["recorded_before"] = "remove"
    outcome = ws.history.record_version(
        artifact.id, tree.content_hash, "local_modification", metadata=meta,
        created_at=ws.clock() if ws.clock is not None else None,
    )
    return (outcome.version.id if outcome.recorded and outcome.version else None), tree.content_hash


def _drop_empty_folder(target: Path, collection_dir: Path) -> None:
    parent = target.parent
    # A single-file skill lives in skills/<name>/<file>: its folder goes with it when empty.
    if parent != collection_dir and parent.parent != collection_dir:
        try:
            parent.rmdir()
        except OSError:
            pass

"""Three-way merge of a diverged artifact into its collection copy (docs/merge.md,
"Merging in sync, push and deploy").

The base is a stored version — the last upstream state applied to the collection —
never a guess; local is the collection copy (stored and recorded before anything else),
other is the upstream state recorded on the upstream line. core.merge decides file by
file. Then:

- clean: the merged tree is stored, built beside the copy, swapped in atomically and
  recorded as a `merge` version (first parent the local head, second parent the
  upstream-line version; metadata names the base);
- conflicts: nothing live changes and nothing is recorded; the PendingMerge is saved
  (core.sync.pending) until `finish_merge` records a resolution or `abort_merge` drops it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import LineageError, MergeError, SyncError
from core.sync.pending import drop_pending, load_pending, save_pending
from core.sync.probe import MERGED_INTO_LOCAL, Probe, os_message
from core.sync.recording import RECORD_ERRORS, Recorded, record_quietly
from core.sync.upstream_line import decide

if TYPE_CHECKING:
    from core.content import TreeHash
    from core.history import ArtifactInfo, VersionInfo
    from core.merge import MarkerLabels, PendingMerge
    from core.workspace import CopyPlace, Workspace

__all__ = [
    "MergeOutcome", "merge_into_collection", "finish_merge", "abort_merge", "pending_merge",
    "resolve_with_choices", "resolve_with_side", "marker_labels", "merge_copy", "tree_of", "install_tree", "copy_place",
]


@dataclass(frozen=True)
class MergeOutcome:
    clean: bool
    content_hash: str | None = None  # the merged content (clean or finished)
    version_id: int | None = None
    version_recorded: bool = False
    not_recorded_reason: str | None = None
    conflicts: tuple[str, ...] = ()  # display paths of the conflicting files
    notes: tuple[str, ...] = field(default_factory=tuple)  # one sentence per conflict, for people


def marker_labels() -> "MarkerLabels":
    from core.merge import MarkerLabels

    return MarkerLabels(local="local", base="base", other="upstream")


def tree_of(entries: Any) -> "TreeHash":
    """The tree of merged entries (sorted by path, hashed)."""
    from core.content import TreeHash, content_hash_of

    entries = tuple(sorted(entries, key=lambda e: e.path))
    return TreeHash(content_hash=content_hash_of(entries), entries=entries)


def copy_place(ws: "Workspace", artifact: "ArtifactInfo", ctx: dict[str, str] | None = None) -> "CopyPlace":
    """Where a merge's result goes, found again from the registry (never from a path saved with
    the merge): the collection copy, or for a push/deploy merge recorded on a project's line,
    that project's copy as the project is registered now."""
    from core.workspace import collection_place

    ctx = ctx or {}
    line = ctx.get("line", "collection")
    if line == "collection":
        return collection_place(ws, artifact)
    from core.history import Deployments
    from core.projects.placement import project_place

    project = next((p for p in Deployments(ws.db).projects() if str(p.id) == ctx.get("project_id")), None)
    if project is None or project.name != line:
        raise MergeError(f"The project {line!r} of this merge of {artifact.name!r} is no longer registered; "
                         f"drop the merge with `merge {artifact.name} --project {line} --abort`.")
    return project_place(project, artifact)


def install_tree(
    ws: "Workspace", artifact: "ArtifactInfo", where: "CopyPlace", tree: "TreeHash", expected_live: str | None, *,
    parent: str | None, metadata: dict[str, Any], second_parent_id: int | None, line: str = "collection",
    deployment: tuple[int, int | None] | None = None, drop: Path | None = None,
) -> Recorded:
    """Build a stored tree beside the live copy, check it, swap it in and record the `merge`
    (core.workspace.replace_copy: a pending record first, so a crash after the swap still
    ends as this merge). `expected_live`: the content the live copy must still hold (the
    merge's local side); a copy edited meanwhile is never replaced (its edits would be lost).
    A database failure after the swap is a reason in the result, not an error."""
    from core.workspace import RecordFailed, replace_copy

    try:
        outcome = replace_copy(ws, artifact, where, tree.content_hash, origin="merge", line=line, parent_hash=parent,
                               second_parent_id=second_parent_id, metadata=metadata, deployment=deployment,
                               drop=drop, expect_live=expected_live)
    except RecordFailed as exc:
        return Recorded(reason=str(exc), failed=True)
    except OSError as exc:
        raise SyncError(os_message(exc, artifact.name, "merging")) from exc
    version_id = outcome.version.id if outcome.version else None
    return Recorded(version_id=version_id, recorded=outcome.recorded,
                    reason=None if outcome.recorded else outcome.reason)


def _merge_metadata(base: str | None, how: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"base": base, "strategy": "merge", "resolved": how, **extra}


def merge_into_collection(
    ws: "Workspace", probe: Probe, upstream_version: "VersionInfo", metadata: dict[str, Any]
) -> MergeOutcome:
    """Merge the upstream state into the collection copy (whose content is stored and is the head)."""
    from core.merge import PendingMerge, merge_trees

    artifact = probe.artifact
    assert probe.local_tree is not None and probe.upstream_tree is not None
    base_tree = None
    if probe.base is not None:
        try:
            base_tree = ws.objects.get_manifest(probe.base.content_hash)
        except LineageError as exc:
            raise MergeError(f"The base of {artifact.name!r} cannot be read, so it cannot be merged ({exc}); "
                             "sync with --strategy keep-local or take-upstream instead.") from exc
    merged = merge_trees(base_tree, probe.local_tree, probe.upstream_tree, ws.objects.read_bytes)
    for data in merged.blobs.values():
        ws.objects.put_bytes(data)
    base_hash = probe.base.content_hash if probe.base else None
    if not merged.clean:
        pending = PendingMerge.start(
            merged, base=base_hash, local=probe.local_tree.content_hash, other=probe.upstream_tree.content_hash,
            labels=marker_labels(),
            context={
                "artifact_id": str(artifact.id), "artifact": artifact.name, "line": "collection", "other_line": "upstream",
                "other_version": str(upstream_version.id),
                "base_version": str(probe.base.id) if probe.base else "",
                "strategy_metadata": _json(metadata),
            },
        )
        save_pending(ws.home, artifact.id, pending)
        return MergeOutcome(
            clean=False, conflicts=tuple(c.display_path for c in merged.conflicts),
            notes=tuple(c.describe("local", "upstream") for c in merged.conflicts),
        )
    tree = tree_of(merged.entries)
    if tree.content_hash == probe.local_tree.content_hash:
        # Everything upstream changed is in the local copy already: nothing to replace or
        # record; remembering it keeps the next sync from merging again.
        decide(ws, upstream_version, MERGED_INTO_LOCAL, local=tree.content_hash)
        return MergeOutcome(clean=True, content_hash=tree.content_hash,
                            not_recorded_reason="The merge equals the local copy: upstream's changes were all there.")
    ws.objects.put_manifest(tree)
    rec = install_tree(ws, artifact, copy_place(ws, artifact), tree, probe.local_tree.content_hash,
                       parent=probe.local_tree.content_hash, metadata=_merge_metadata(base_hash, "clean", metadata),
                       second_parent_id=upstream_version.id)
    return _finished(tree, rec)


def _finished(tree: "TreeHash", rec: Recorded) -> MergeOutcome:
    return MergeOutcome(
        clean=True, content_hash=tree.content_hash, version_id=rec.version_id if rec.recorded else None,
        version_recorded=rec.recorded, not_recorded_reason=None if rec.recorded else rec.reason,
    )


def _json(value: dict[str, Any]) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)


def pending_merge(ws: "Workspace", artifact: "ArtifactInfo", line: str = "collection") -> "PendingMerge":
    """The merge waiting for this artifact (on `line`: a project's name for push/deploy merges);
    MergeError naming what to do when there is none."""
    pending = load_pending(ws.home, artifact.id, line)
    if pending is None:
        if line != "collection":
            raise MergeError(f"No merge is waiting for {artifact.name!r} in project {line!r}; "
                             f"`push {artifact.name} --project {line} --strategy merge` (or deploy) starts one.")
        raise MergeError(f"No merge is waiting for {artifact.name!r}; `sync {artifact.name} --strategy merge` starts one.")
    return pending


def resolve_with_choices(ws: "Workspace", pending: "PendingMerge", path: bytes, choices: list[Any]) -> None:
    """Resolve a text conflict from one choice per conflicting hunk ("local", "other", "both",
    "base" or the edited bytes); the resulting file is stored before it is recorded."""
    conflict = pending.conflict(path)
    if conflict.text is None:
        raise MergeError(f"{conflict.display_path!r} has no text to merge hunk by hunk; take one side.")
    data = conflict.text.resolve(choices)
    ws.objects.put_bytes(data)
    pending.resolve_text(path, data)


def resolve_with_side(pending: "PendingMerge", path: bytes, side: str) -> None:
    """Resolve a file by taking one side whole ("local" or "other"); a side without the file deletes it."""
    conflict = pending.conflict(path)
    if side not in ("local", "other"):
        raise MergeError(f"Take 'local' or 'other' for {conflict.display_path!r}, not {side!r}.")
    pending.resolve(path, conflict.local if side == "local" else conflict.other)


def finish_merge(
    ws: "Workspace", artifact: "ArtifactInfo", pending: "PendingMerge", tree: "TreeHash | None" = None, how: str = "window"
) -> MergeOutcome:
    """Record a resolved merge: `tree` (the command line's work folder, stored already), or
    the pending merge's own resolutions. Replaces the copy atomically, records the `merge`
    version, drops the pending merge. A push/deploy merge (`merge_copy`) names its copy,
    line and deployment in the pending merge's context."""
    import json

    from core.sync.pending import pending_place
    from core.workspace import artifact_lock, live_content

    with artifact_lock(ws.home, artifact.id):
        if tree is None:
            tree = tree_of(pending.result_entries())
        ws.objects.put_manifest(tree)
        ctx = pending.context
        pending_line = ctx.get("pending_line", "collection")
        line = ctx.get("line", "collection")
        where = copy_place(ws, artifact, ctx)  # checked again now: no link followed, the project as registered
        other_version = int(ctx["other_version"])
        meta = _merge_metadata(pending.base, how, json.loads(ctx.get("strategy_metadata") or "{}"))
        deployment = None
        if ctx.get("deployment_version") and ctx.get("project_id"):
            deployment = (int(ctx["project_id"]), int(ctx["deployment_version"]))
        with where.open() as place:
            live = live_content(place, artifact)
        if tree.content_hash == pending.local:
            rec = Recorded(reason="The resolution equals the local copy; nothing to replace.")
            if ctx.get("other_line", "upstream") == "upstream":
                try:
                    decide(ws, ws.history.version(other_version), MERGED_INTO_LOCAL, local=tree.content_hash)
                except RECORD_ERRORS:  # the decision only spares a later merge; the resolution stands
                    pass
        elif live is not None and live.content_hash == tree.content_hash:
            # Swapped in by a run killed before it recorded (its pending record is rolled forward
            # when the workspace opens); recording again records nothing twice.
            rec = record_quietly(ws, artifact.id, tree.content_hash, "merge", parent=pending.local, metadata=meta,
                                 second_parent_id=other_version, line=line)
        else:
            rec = install_tree(ws, artifact, where, tree, pending.local, parent=pending.local, metadata=meta,
                               second_parent_id=other_version, line=line, deployment=deployment,
                               drop=pending_place(ws.home, artifact.id, pending_line).folder)
        if deployment is not None:
            _move_deployment(ws, artifact.id, *deployment)
        drop_pending(ws.home, artifact.id, pending_line)
        return _finished(tree, rec)


def _move_deployment(ws: "Workspace", artifact_id: int, project_id: int, version_id: int) -> None:
    from core.history import Deployments

    try:
        Deployments(ws.db).set_deployment(artifact_id, project_id, version_id)
    except RECORD_ERRORS:  # the merge stands; the next status shows the deployment as it was
        pass


def merge_copy(
    ws: "Workspace", artifact: "ArtifactInfo", *, base: "VersionInfo", local: "VersionInfo", other: "VersionInfo",
    where: "CopyPlace", line: str, pending_line: str, labels: "MarkerLabels", metadata: dict[str, Any],
    project_id: int | None = None, deployment_version: int | None = None,
) -> MergeOutcome:
    """Three-way merge of stored versions into the live copy at `where` (which holds `local`),
    for push and deploy (docs/merge.md, "Push and deploy"). Clean: the copy is replaced
    atomically and a `merge` version recorded on `line` (parents: `local`, then `other`),
    the deployment moved to `deployment_version`. Conflicts: nothing live changes, nothing is
    recorded, the pending merge is saved under `pending_line`."""
    from core.merge import PendingMerge, merge_trees

    try:
        base_tree = ws.objects.get_manifest(base.content_hash)
        local_tree = ws.objects.get_manifest(local.content_hash)
        other_tree = ws.objects.get_manifest(other.content_hash)
    except LineageError as exc:
        raise MergeError(f"A side of the merge of {artifact.name!r} cannot be read, so it cannot be merged ({exc}); "
                         "use --strategy overwrite (deploy) or take-project (push) instead.") from exc
    merged = merge_trees(base_tree, local_tree, other_tree, ws.objects.read_bytes)
    for data in merged.blobs.values():
        ws.objects.put_bytes(data)
    context = {
        "artifact_id": str(artifact.id), "artifact": artifact.name, "line": line, "other_line": other.line,
        "other_version": str(other.id), "base_version": str(base.id), "pending_line": pending_line,
        "target": str(where.path), "project_id": str(project_id or ""),
        "deployment_version": str(deployment_version or ""), "strategy_metadata": _json(metadata),
    }
    if not merged.clean:
        pending = PendingMerge.start(merged, base=base.content_hash, local=local.content_hash,
                                     other=other.content_hash, labels=labels, context=context)
        save_pending(ws.home, artifact.id, pending, pending_line)
        return MergeOutcome(
            clean=False, conflicts=tuple(c.display_path for c in merged.conflicts),
            notes=tuple(c.describe(labels.local, labels.other) for c in merged.conflicts),
        )
    tree = tree_of(merged.entries)
    if tree.content_hash != local.content_hash:
        ws.objects.put_manifest(tree)
        deployment = (project_id, deployment_version) if project_id is not None and deployment_version else None
        rec = install_tree(ws, artifact, where, tree, local.content_hash, parent=local.content_hash, line=line,
                           metadata=_merge_metadata(base.content_hash, "clean", metadata),
                           second_parent_id=other.id, deployment=deployment)
    else:
        rec = Recorded(reason=f"The merge equals the {labels.local} copy: the {labels.other}'s changes were all there.")
    if project_id is not None and deployment_version is not None:
        _move_deployment(ws, artifact.id, project_id, deployment_version)
    return _finished(tree, rec)


def abort_merge(ws: "Workspace", artifact: "ArtifactInfo", line: str = "collection") -> bool:
    """Drop the pending merge and its work folder; the copy was never touched. False: none waited."""
    return drop_pending(ws.home, artifact.id, line)

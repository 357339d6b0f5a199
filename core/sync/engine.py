"""Sync now: act on each artifact's state (see docs/sync.md for the rules and why).

The state comes from core.sync.probe (three hashes: base, local, upstream). Acting on
it copies upstream content in through a staged, verified, atomic swap and records
versions; a failure to record never fails the sync. Adding an artifact is
core.sync.adding; both are re-exported here as the sync API.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from core.cancel import Cancelled, cancellable
from core.errors import LineageError, SyncError
from core.sync.outdated import bring_forward, upload_old_objects
from core.sync.recording import RECORD_ERRORS as _RECORD_ERRORS
from core.sync.probe import (
    Probe,
    SyncState,
    entry_name,
    heads_and_bases,
    os_message,
    probe_artifact,
    run_fetcher,
    save_stat_cache,
    select_artifacts,
)

if TYPE_CHECKING:  # imported lazily at run time so `import core.sync` stays cheap for the CLI
    from core.content import TreeHash
    from core.history import ArtifactInfo, VersionInfo
    from core.upstreams import Fetcher, UpstreamSpec
    from core.workspace import Workspace


class Strategy(str, enum.Enum):
    KEEP_LOCAL = "keep-local"
    TAKE_UPSTREAM = "take-upstream"
    MERGE = "merge"


@dataclass(frozen=True)
class SyncResult:
    artifact_id: int
    name: str
    type: str
    state: SyncState  # the state found before acting
    action: str  # "copied", "replaced", "kept-local", "merged", "conflict", "nothing", "failed", "cancelled"
    old_hash: str | None
    new_hash: str | None
    version_id: int | None  # the version recorded, if any
    version_recorded: bool
    not_recorded_reason: str | None = None
    error: str | None = None
    conflict: bool = False
    conflicts: tuple[str, ...] = ()  # a merge's conflicting files (action "conflict")
    record_failed: bool = False  # the copy is fine but its version could not be recorded (say so)
    merge_line: str | None = None  # action "conflict": the line whose merge waits (core.sync.probe.ArtifactStatus)


ProgressCallback = Callable[[int, int, str], None]  # (done, total, current artifact name)
CancelCheck = Callable[[], bool]


# ---------------------------------------------------------------------------
# Version metadata


def counts_between(old: "TreeHash | None", new: "TreeHash") -> dict[str, int]:
    """files_added / files_removed / files_changed from `old` (None: nothing) to `new`."""
    before = {e.path: (e.kind, e.digest) for e in old.entries} if old is not None else {}
    after = {e.path: (e.kind, e.digest) for e in new.entries}
    return {
        "files_added": sum(1 for p in after if p not in before),
        "files_removed": sum(1 for p in before if p not in after),
        "files_changed": sum(1 for p, v in after.items() if p in before and before[p] != v),
    }


# ---------------------------------------------------------------------------
# Copying in



def _store(ws: "Workspace", root: Path, tree: "TreeHash", *, verify: bool = False) -> tuple[str, ...]:
    """Put a tree's contents and manifest in the object store; returns what was repaired.

    Always through store_tree, even when the manifest is already there: it only checks
    that each object exists (well under a millisecond for a small artifact) and puts
    back any object that was deleted, e.g. after a corrupt one was removed by hand.
    `verify=True` before a live copy is replaced: the copy is the last place that may
    still hold its content, so every stored object of it is read back, and a damaged
    one is written again from the copy (docs/objects.md, "Repair").
    A single file is stored from the file itself, whatever its manifest entry is named.
    """
    return ws.objects.store_tree(root, tree, verify=verify)


def _install(ws: "Workspace", probe: Probe, strategy: Strategy, parent: str | None,
             previous: "TreeHash | None", second_parent_id: int | None = None) -> tuple["TreeHash", "_Record"]:
    """Stage the upstream beside the copy, verify it, store it, swap it in, record `sync`.

    Anything failing before the swap leaves the collection copy untouched. The version
    is written down as a pending record before the swap and removed once recorded, so a
    crash or a database failure in between still ends as a `sync` version (the next run
    rolls it forward: core.workspace.pending).
    """
    from core.atomic import swap, transfer
    from core.content import copy_tree_hash
    from core.history import recorded_by
    from core.workspace import PendingRecord

    artifact = probe.artifact
    # Staged beside the copy (same filesystem, so the swap is a rename), in a folder this
    # process holds locked: recover() sweeps a staging folder as soon as its lock is free.
    from core.workspace import collection_place, make_parents

    try:
        # Checked again right before writing: a folder on the way swapped for a link
        # since the probe must not send the copy outside the collection. From here on
        # the copy's folder is open by descriptor (core.atomic.place): no link followed.
        make_parents(ws.home.collection_dir, artifact)
        with collection_place(ws, artifact).open() as place, swap.staging_in(place) as staged:
            transfer.copy_untrusted(Path(probe.fetched.path), staged)
            # Hash what landed on disk, without the cache: it must be the upstream we hashed.
            tree = copy_tree_hash(staged, artifact.shape, entry_name(artifact), None, follow_root=False)
            if tree.content_hash != probe.upstream:
                raise SyncError(
                    f"The upstream of {artifact.name!r} changed while it was being copied "
                    f"(expected {probe.upstream[:12]}, got {tree.content_hash[:12]}); sync again."
                )
            # Stored (and what the store already had of it, verified) before the swap: if the
            # object store cannot take it, the copy stays as it was.
            _store(ws, staged, tree, verify=True)
            meta = _upstream_metadata(probe, strategy) | counts_between(previous, tree) | recorded_by()
            held = ws.pending.hold(PendingRecord(artifact.id, tree.content_hash, parent, "sync", meta))
            try:
                swap.swap_into(place, staged)
            except BaseException:
                held.leave()  # the next run checks the copy: a swap that did happen is still recorded
                raise
    except OSError as exc:
        raise SyncError(os_message(exc, artifact.name, "copying")) from exc
    try:
        rec = _record(ws, artifact, tree.content_hash, "sync", parent, meta, second_parent_id)
    except BaseException:
        held.leave()
        raise
    if rec.failed:
        held.leave()  # recorded by the next sync or status (or the next start)
    else:
        held.done()
    return tree, rec


# ---------------------------------------------------------------------------
# Recording


@dataclass
class _Record:
    version_id: int | None = None
    recorded: bool = False
    reason: str | None = None
    failed: bool = False


def _record(
    ws: "Workspace", artifact: "ArtifactInfo", content_hash: str, origin: str, parent: str | None, metadata: dict[str, Any],
    second_parent_id: int | None = None,
) -> _Record:
    from core.history import HEAD

    try:
        outcome = ws.history.record_version(
            artifact.id, content_hash, origin, parent_hash=HEAD if parent is None else parent, metadata=metadata,
            created_at=ws.clock() if ws.clock is not None else None,
            second_parent_id=second_parent_id,
        )
    except _RECORD_ERRORS as exc:
        return _Record(
            reason=f"The version could not be recorded ({exc}); the next sync records it.",
            failed=True,
        )
    if outcome.recorded:
        return _Record(version_id=outcome.version.id if outcome.version else None, recorded=True)
    return _Record(reason=outcome.reason)


def spec_dict(up: "UpstreamSpec") -> dict[str, Any]:
    return {"kind": up.kind, "location": up.location, "ref": up.ref, "subdir": up.subdir}


def _base_upstream(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The upstream a sync version came from: exact since `upstream` is recorded, else pieced together."""
    if isinstance(meta.get("upstream"), dict):
        return meta["upstream"]
    if not meta.get("upstream_kind"):
        return None
    # Older versions: the spec's location and sub-folder are there; their `ref` may be the
    # default branch's name for an upstream that gave none, so it is not compared.
    return {"kind": meta.get("upstream_kind"), "location": meta.get("location") or meta.get("url"),
            "ref": None, "subdir": meta.get("subdir"), "legacy": True}


def _upstream_metadata(probe: Probe, strategy: Strategy) -> dict[str, Any]:
    up = probe.artifact.upstream
    meta: dict[str, Any] = {
        "upstream_kind": up.kind,
        "location": up.location,
        "ref": up.ref,
        "subdir": up.subdir,
        "resolved_commit": probe.fetched.commit if probe.fetched else None,
    }
    if probe.fetched is not None and probe.fetched.metadata:
        meta.update(probe.fetched.metadata)  # sources knows best (e.g. the default branch's name)
    meta.update(probe.commit_note())  # the last commit that changed this artifact's path
    meta["strategy"] = strategy.value
    meta["upstream"] = spec_dict(up)
    before = _base_upstream(probe.base.metadata) if probe.base is not None else None
    if before is not None:
        now = meta["upstream"]
        keys = ("kind", "location", "subdir") if before.get("legacy") else ("kind", "location", "ref", "subdir")
        if any(before.get(k) != now.get(k) for k in keys):
            # `edit` changed the upstream since the last sync: this version says from what to what.
            meta["previous_upstream"] = {k: before.get(k) for k in ("kind", "location", "ref", "subdir")}
            if before.get("legacy"):
                meta["previous_upstream"]["ref"] = probe.base.metadata.get("ref")
    return meta


def previous_tree(ws: "Workspace", content_hash: str | None) -> "TreeHash | None":
    """The stored manifest of `content_hash`, or None (no hash, or never stored)."""
    if content_hash is None:
        return None
    try:
        return ws.objects.get_manifest(content_hash)
    except (LineageError, OSError):
        return None


def _record_local(ws: "Workspace", probe: Probe, strategy: Strategy, *, verify: bool = False) -> _Record | None:
    """Record the collection copy when it is not the head yet (local edit, or a reconcile).

    A copy equal to the upstream is recorded as `sync` (it is what a sync copies; the
    usual case is a sync whose recording failed), anything else as `local_modification`.
    Returns None when the head already holds the local content.
    """
    from core.history import recorded_by

    head = probe.head.content_hash if probe.head else None
    if probe.local is None or probe.local == head:
        return None
    try:
        _store(ws, probe.target, probe.local_tree, verify=verify)
    except OSError as exc:
        raise SyncError(os_message(exc, probe.artifact.name, "storing the local copy of")) from exc
    if probe.wrong_shape:
        meta, origin = {"wrong_shape": True}, "local_modification"
    elif probe.local == probe.upstream:
        meta = _upstream_metadata(probe, strategy)
        meta["reconciled"] = True
        origin = "sync"
    else:
        meta, origin = {}, "local_modification"
    meta.update(counts_between(previous_tree(ws, head), probe.local_tree))
    meta.update(recorded_by())
    return _record(ws, probe.artifact, probe.local, origin, None, meta)


_NOTHING_TO_RECORD = {
    "nothing": "The collection already matches the newest version.",
    "kept-local": "The local copy is already recorded as the newest version; it was kept.",
    "brought-forward": "The collection copy was behind another member's newer version; it now holds that "
                       "version, and nothing was recorded.",
}


def _result(probe: Probe, action: str, new_hash: str | None, rec: _Record | None, **kw: Any) -> SyncResult:
    a = probe.artifact
    return SyncResult(
        artifact_id=a.id,
        name=a.name,
        type=a.type,
        state=probe.state,
        action=action,
        old_hash=probe.local,
        new_hash=new_hash,
        version_id=rec.version_id if rec else None,
        version_recorded=bool(rec and rec.recorded),
        not_recorded_reason=rec.reason if rec else _NOTHING_TO_RECORD.get(action),
        record_failed=bool(rec and rec.failed),
        **kw,
    )


def _merge(first: _Record | None, second: _Record | None) -> _Record | None:
    """One outcome for two recordings: the newest recorded version, any failure's reason."""
    if first is None:
        return second
    if second is None:
        return first
    failed = first if first.failed else second if second.failed else None
    return _Record(
        version_id=second.version_id or first.version_id,
        recorded=second.recorded or first.recorded,
        reason=failed.reason if failed else (None if second.recorded else second.reason),
        failed=failed is not None,
    )


def _act(ws: "Workspace", probe: Probe, strategy: Strategy) -> SyncResult:
    state, artifact = probe.state, probe.artifact
    if state is SyncState.ERROR and probe.wrong_shape and strategy is Strategy.TAKE_UPSTREAM:
        return _replace_wrong_shape(ws, probe, strategy)
    if state is SyncState.ERROR:
        return _result(probe, "failed", None, None, error=probe.error)

    if state is SyncState.NEW:
        head = probe.head.content_hash if probe.head else None
        tree, rec = _install(ws, probe, strategy, head, previous_tree(ws, head))
        return _result(probe, "copied", tree.content_hash, rec)

    if state is SyncState.BEHIND:  # never under a waiting merge (CONFLICT): it replaces the copy
        return _bring_forward(ws, probe, strategy)

    replacing = state is SyncState.UPSTREAM_CHANGED or (
        state is SyncState.DIVERGED and strategy is Strategy.TAKE_UPSTREAM
    )
    local_rec = _record_local(ws, probe, strategy, verify=replacing)
    if local_rec is None and probe.local_tree is not None and not replacing and ws.objects.lacks_any(probe.local_tree):
        # The head's content, live in the collection: puts back any object of it that
        # went missing (a stat per object to notice), so a deleted object does not stay lost.
        try:
            _store(ws, probe.target, probe.local_tree)
        except OSError as exc:
            raise SyncError(os_message(exc, artifact.name, "storing the local copy of")) from exc
    if state is SyncState.UP_TO_DATE:
        return _result(probe, "nothing", probe.local, local_rec)
    if state is SyncState.LOCALLY_MODIFIED:
        return _result(probe, "kept-local", probe.local, local_rec)
    if state is SyncState.CONFLICT:
        # A merge waits for a person: nothing moves until it is finished or aborted.
        return _result(probe, "conflict", probe.local, local_rec, conflict=True, merge_line=probe.merge_line)
    if state is SyncState.KEPT_LOCAL and strategy is Strategy.KEEP_LOCAL:
        return _result(probe, "kept-local", probe.local, local_rec)  # decided before: not news, exit 0
    upstream_version = None
    if state in (SyncState.DIVERGED, SyncState.KEPT_LOCAL):
        from core.sync.upstream_line import record_upstream_state

        upstream_version = record_upstream_state(ws, probe, _upstream_metadata(probe, strategy))
    if state is SyncState.DIVERGED and strategy is Strategy.KEEP_LOCAL:
        from core.sync.upstream_line import KEPT_LOCAL_DECISION, decide

        if upstream_version is not None:
            decide(ws, upstream_version, KEPT_LOCAL_DECISION)
        # A conflict, not a failure: `error` stays None (callers treat it as "failed"). Only
        # this first time: later syncs of the same upstream state report kept-local and succeed.
        return _result(probe, "kept-local", probe.local, local_rec, conflict=True)
    if state in (SyncState.DIVERGED, SyncState.KEPT_LOCAL) and local_rec is not None and local_rec.failed:
        # Replacing now would leave the local edits in no version: keep them instead.
        return _result(
            probe, "kept-local", probe.local, local_rec, conflict=True,
            error=f"Kept the local copy of {artifact.name!r} because its edits could not be recorded; sync again.",
        )
    # UPSTREAM_CHANGED, or DIVERGED with take-upstream: the local content is stored and
    # recorded (or already the head); replace it and record `sync` with parent = local.
    # _record_local stored it when it recorded it; a head's content is stored again
    # here, and every object of it verified: a damaged one is written again from the
    # copy, which is about to go.
    if probe.local_tree is not None and local_rec is None:
        try:
            _store(ws, probe.target, probe.local_tree, verify=True)
        except OSError as exc:
            raise SyncError(os_message(exc, artifact.name, "storing the local copy of")) from exc
    diverged = state in (SyncState.DIVERGED, SyncState.KEPT_LOCAL)
    if diverged and strategy is Strategy.MERGE and upstream_version is not None:
        return _merge_upstream(ws, probe, upstream_version, strategy, local_rec)
    if diverged and strategy is Strategy.MERGE:
        raise SyncError(f"The upstream state of {artifact.name!r} could not be recorded, so it cannot be merged; "
                        "sync again, or choose keep-local or take-upstream.")
    # Take-upstream: the first parent is the local head replaced, the second the upstream
    # state taken, so the graph draws the local edit as a side branch (DESIGN.md "Lines").
    tree, rec = _install(ws, probe, strategy, probe.local, probe.local_tree,
                         second_parent_id=upstream_version.id if upstream_version else None)
    return _result(probe, "replaced", tree.content_hash, _merge(local_rec, rec))


def _bring_forward(ws: "Workspace", probe: Probe, strategy: Strategy) -> SyncResult:
    """The copy is behind another member's newer head (core.sync.outdated): bring it forward,
    record nothing, then sync what is left to sync (an upstream that changed since)."""
    from dataclasses import replace

    try:
        bring_forward(ws, probe)
    except OSError as exc:
        raise SyncError(os_message(exc, probe.artifact.name, "bringing forward the collection copy of")) from exc
    fresh = probe_artifact(ws, probe.artifact, probe.head, probe.base)
    result = _act(ws, fresh, strategy)
    if result.action in ("nothing", "kept-local") and not result.version_recorded and not result.conflict:
        result = replace(result, action="brought-forward", not_recorded_reason=_NOTHING_TO_RECORD["brought-forward"])
    return replace(result, old_hash=probe.local, state=probe.state)


def _replace_wrong_shape(ws: "Workspace", probe: Probe, strategy: Strategy) -> SyncResult:
    """Take-upstream over a copy of the wrong shape: record it (stored, verified), then replace it."""
    local_rec = _record_local(ws, probe, strategy, verify=True)
    if local_rec is None and probe.local_tree is not None:  # already the head's content: stored, verified
        _store(ws, probe.target, probe.local_tree, verify=True)
    if local_rec is not None and local_rec.failed:
        return _result(probe, "failed", None, local_rec, error=(
            f"Kept the collection copy of {probe.artifact.name!r} because it could not be recorded; sync again."
        ))
    tree, rec = _install(ws, probe, strategy, probe.local, probe.local_tree)
    return _result(probe, "replaced", tree.content_hash, _merge(local_rec, rec))


def _merge_upstream(
    ws: "Workspace", probe: Probe, upstream_version: "VersionInfo", strategy: Strategy, local_rec: _Record | None
) -> SyncResult:
    from core.history import recorded_by
    from core.sync.merging import merge_into_collection

    outcome = merge_into_collection(ws, probe, upstream_version, _upstream_metadata(probe, strategy) | recorded_by())
    if not outcome.clean:
        return _result(probe, "conflict", probe.local, local_rec, conflict=True, conflicts=outcome.conflicts,
                       merge_line="collection")
    rec = _Record(version_id=outcome.version_id, recorded=outcome.version_recorded, reason=outcome.not_recorded_reason)
    return _result(probe, "merged", outcome.content_hash, _merge(local_rec, rec))


def _sync_one(
    ws: "Workspace", artifact: "ArtifactInfo", head: "VersionInfo | None", base: "VersionInfo | None", strategy: Strategy,
    fetcher: "Fetcher | None" = None,
) -> SyncResult:
    from core.workspace import artifact_lock

    if fetcher is not None and artifact.upstream.kind == "git":
        # The network part first, outside the lock: a push or deploy of this artifact need
        # not wait for a slow `git fetch`. The probe below asks the fetcher again and gets
        # the same checkout (or the same error, said under the lock as before).
        try:
            fetcher.fetch(artifact.upstream)
        except (LineageError, OSError):
            pass
    with artifact_lock(ws.home, artifact.id):  # read-decide-swap-record: no other verb in between
        if ws.history.head_id(artifact.id) != (head.id if head else None):  # another verb recorded meanwhile
            head, base = heads_and_bases(ws, [artifact])[artifact.id]
        return _sync_locked(ws, artifact, head, base, strategy, fetcher)


def _sync_locked(
    ws: "Workspace", artifact: "ArtifactInfo", head: "VersionInfo | None", base: "VersionInfo | None", strategy: Strategy,
    fetcher: "Fetcher | None" = None,
) -> SyncResult:
    probe = probe_artifact(ws, artifact, head, base, fetcher)
    try:
        return _act(ws, probe, strategy)
    except Cancelled:
        raise
    except LineageError as exc:
        return _result(probe, "failed", None, None, error=str(exc))
    except OSError as exc:
        return _result(probe, "failed", None, None, error=os_message(exc, artifact.name, "syncing"))


def sync_artifact(ws: "Workspace", artifact_id: int, strategy: Strategy = Strategy.KEEP_LOCAL) -> SyncResult:
    """Bring one artifact's collection copy up to date and record what changed."""
    ws.require_writable("sync")
    ws.roll_forward()  # a sync recorded late (a database failure earlier in this process) comes first
    upload_old_objects(ws)  # and the bytes of versions recorded before the team shared them
    artifact = ws.history.artifact(artifact_id)
    head, base = heads_and_bases(ws, [artifact])[artifact.id]
    try:
        return _sync_one(ws, artifact, head, base, Strategy(strategy), run_fetcher(ws, [artifact]))
    finally:
        save_stat_cache(ws)


def sync_all(
    ws: "Workspace",
    names: Iterable[str] | None = None,
    strategy: Strategy = Strategy.KEEP_LOCAL,
    strategies: dict[int, Strategy] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    *,
    deploy_outdated: bool = False,
    on_deployments: Callable[[list[Any]], None] | None = None,
) -> list[SyncResult]:
    """Sync every artifact (or those named); one failure never stops the rest.

    `strategies` overrides `strategy` per artifact id. `cancel` is checked between
    artifacts, and also by a git fetch while it runs (core.cancel), so a slow
    upstream does not hold a Cancel up; the artifacts not finished get action
    "cancelled" and keep their copies as they were.

    Then the deployments of those artifacts are checked (core.projects): edits found in
    project copies are recorded; `deploy_outdated` also updates outdated copies. The
    checks go to `on_deployments` (a list of core.projects.DeploymentCheck).
    """
    ws.require_writable("sync")
    ws.roll_forward()  # a sync recorded late (a database failure earlier in this process) comes first
    # The bytes of versions recorded before the team shared them go up first; a database
    # that cannot be reached fails the sync here, before any copy changes.
    upload_old_objects(ws)
    artifacts = select_artifacts(ws, names)
    bases = heads_and_bases(ws, artifacts)
    fetcher = run_fetcher(ws, artifacts)  # one fetch per repository and ref for the whole pass
    total = len(artifacts)
    results: list[SyncResult] = []
    try:
        for index, artifact in enumerate(artifacts):
            if cancel is not None and cancel():
                results.extend(_cancelled(a, bases[a.id]) for a in artifacts[index:])
                break
            if progress is not None:
                progress(index, total, artifact.name)
            chosen = Strategy((strategies or {}).get(artifact.id, strategy))
            try:
                with cancellable(cancel):
                    results.append(_sync_one(ws, artifact, *bases[artifact.id], chosen, fetcher))
            except Cancelled:
                results.extend(_cancelled(a, bases[a.id]) for a in artifacts[index:])
                break
            except Exception as exc:  # a bug in one artifact must not stop the others
                results.append(
                    SyncResult(
                        artifact_id=artifact.id, name=artifact.name, type=artifact.type,
                        state=SyncState.ERROR, action="failed", old_hash=None, new_hash=None,
                        version_id=None, version_recorded=False,
                        error=f"Unexpected error while syncing {artifact.name!r}: {exc!r}.",
                    )
                )
        else:
            if progress is not None:
                progress(total, total, "")
            _check_deployments(ws, artifacts, deploy_outdated, on_deployments)
    finally:
        save_stat_cache(ws)
    return results


def _check_deployments(
    ws: "Workspace", artifacts: list["ArtifactInfo"], deploy_outdated: bool,
    report: Callable[[list[Any]], None] | None,
) -> None:
    """After the upstream pass: the project side of Sync now. Never fails the sync."""
    from core.projects import check_deployments

    try:
        checks = check_deployments(ws, [a.id for a in artifacts], update_outdated=deploy_outdated)
    except (*_RECORD_ERRORS, OSError):
        # Only reading the deployments themselves can fail here (each deployment's own
        # failure is in its check); the upstream pass stands, the next sync checks again.
        checks = []
    if report is not None:
        report(checks)


def _cancelled(artifact: "ArtifactInfo", head_base: tuple["VersionInfo | None", "VersionInfo | None"]) -> SyncResult:
    head = head_base[0]
    return SyncResult(
        artifact_id=artifact.id, name=artifact.name, type=artifact.type, state=SyncState.NOT_CHECKED,
        action="cancelled", old_hash=head.content_hash if head else None, new_hash=None,
        version_id=None, version_recorded=False, not_recorded_reason="Cancelled before this artifact.",
    )


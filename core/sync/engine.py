"""Sync now: act on each artifact's state (see docs/sync.md for the rules and why).

The state comes from core.sync.probe (three hashes: base, local, upstream). Acting on
it copies upstream content in through a staged, verified, atomic swap and records
versions; a failure to record never fails the sync. Adding an artifact is
core.sync.adding; both are re-exported here as the sync API.
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from core.cancel import Cancelled, cancellable
from core.errors import LineageError, SyncError
from core.fsio import remove_quietly
from core.sync.probe import (
    Probe,
    SyncState,
    entry_name,
    heads_and_bases,
    os_message,
    probe_artifact,
    save_stat_cache,
    select_artifacts,
)

if TYPE_CHECKING:  # imported lazily at run time so `import core.sync` stays cheap for the CLI
    from core.content import TreeHash
    from core.history import ArtifactInfo, VersionInfo
    from core.upstreams import UpstreamSpec
    from core.workspace import Workspace


class Strategy(str, enum.Enum):
    KEEP_LOCAL = "keep-local"
    TAKE_UPSTREAM = "take-upstream"


@dataclass(frozen=True)
class SyncResult:
    artifact_id: int
    name: str
    type: str
    state: SyncState  # the state found before acting
    action: str  # "copied", "replaced", "kept-local", "nothing", "failed", "cancelled"
    old_hash: str | None
    new_hash: str | None
    version_id: int | None  # the version recorded, if any
    version_recorded: bool
    not_recorded_reason: str | None = None
    error: str | None = None
    conflict: bool = False
    record_failed: bool = False  # the copy is fine but its version could not be recorded (say so)


ProgressCallback = Callable[[int, int, str], None]  # (done, total, current artifact name)
CancelCheck = Callable[[], bool]


try:  # recording errors that must never fail a sync (graceful degradation)
    from sqlalchemy.exc import SQLAlchemyError as _SQLAlchemyError
except ImportError:  # pragma: no cover - SQLAlchemy is a declared dependency
    class _SQLAlchemyError(Exception):  # type: ignore[no-redef]
        pass

_RECORD_ERRORS = (LineageError, _SQLAlchemyError)


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



def _store(ws: "Workspace", root: Path, tree: "TreeHash") -> None:
    """Put a tree's contents and manifest in the object store.

    Always through store_tree, even when the manifest is already there: it only checks
    that each object exists (well under a millisecond for a small artifact) and puts
    back any object that was deleted, e.g. after a corrupt one was removed by hand.
    A single file is stored from the file itself, whatever its manifest entry is named.
    """
    ws.objects.store_tree(root, tree)


def _install(ws: "Workspace", probe: Probe) -> "TreeHash":
    """Stage the upstream beside the copy, verify it, store it, swap it in. Returns its tree.

    Anything failing before the swap leaves the collection copy untouched.
    """
    from core.atomic import swap, transfer
    from core.content import copy_tree_hash

    artifact, target = probe.artifact, probe.target
    # Staged beside the copy (same filesystem, so the swap is a rename). Named here rather
    # than by transfer.stage_copy so a copy that fails half-way is always cleaned up.
    staged: Path | None = target.parent / f".{target.name}.staging-{uuid.uuid4().hex[:12]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        transfer.copy_untrusted(Path(probe.fetched.path), staged)
        # Hash what landed on disk, without the cache: it must be the upstream we hashed.
        staged_tree = copy_tree_hash(staged, artifact.shape, entry_name(artifact), None)
        if staged_tree.content_hash != probe.upstream:
            raise SyncError(
                f"The upstream of {artifact.name!r} changed while it was being copied "
                f"(expected {probe.upstream[:12]}, got {staged_tree.content_hash[:12]}); sync again."
            )
        # Stored before the swap: if the object store cannot take it, the copy stays as it was.
        _store(ws, staged, staged_tree)
        swap.replace_atomically(target, staged)
    except OSError as exc:
        if staged is not None:
            remove_quietly(staged)  # hidden and harmless; recover() clears it
        raise SyncError(os_message(exc, artifact.name, "copying")) from exc
    except BaseException:
        if staged is not None:
            remove_quietly(staged)  # hidden and harmless; recover() clears it
        raise
    return staged_tree


# ---------------------------------------------------------------------------
# Recording


@dataclass
class _Record:
    version_id: int | None = None
    recorded: bool = False
    reason: str | None = None
    failed: bool = False


def _record(
    ws: "Workspace", artifact: "ArtifactInfo", content_hash: str, origin: str, parent: str | None, metadata: dict[str, Any]
) -> _Record:
    from core.history import HEAD

    try:
        outcome = ws.history.record_version(
            artifact.id, content_hash, origin, parent_hash=HEAD if parent is None else parent, metadata=metadata,
            created_at=ws.clock() if ws.clock is not None else None,
        )
    except _RECORD_ERRORS as exc:
        return _Record(
            reason=f"The version could not be recorded ({exc}); the next sync will record what the collection holds.",
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


def _record_local(ws: "Workspace", probe: Probe, strategy: Strategy) -> _Record | None:
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
        _store(ws, probe.target, probe.local_tree)
    except OSError as exc:
        raise SyncError(os_message(exc, probe.artifact.name, "storing the local copy of")) from exc
    if probe.local == probe.upstream:
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
    from core.history import recorded_by

    state, artifact = probe.state, probe.artifact
    if state is SyncState.ERROR:
        return _result(probe, "failed", None, None, error=probe.error)

    if state is SyncState.NEW:
        tree = _install(ws, probe)
        previous = previous_tree(ws, probe.head.content_hash if probe.head else None)
        meta = _upstream_metadata(probe, strategy) | counts_between(previous, tree) | recorded_by()
        rec = _record(ws, artifact, tree.content_hash, "sync", None, meta)
        return _result(probe, "copied", tree.content_hash, rec)

    local_rec = _record_local(ws, probe, strategy)
    if state is SyncState.UP_TO_DATE:
        return _result(probe, "nothing", probe.local, local_rec)
    if state is SyncState.LOCALLY_MODIFIED:
        return _result(probe, "kept-local", probe.local, local_rec)
    if state is SyncState.DIVERGED and strategy is Strategy.KEEP_LOCAL:
        # A conflict, not a failure: `error` stays None (callers treat it as "failed").
        return _result(probe, "kept-local", probe.local, local_rec, conflict=True)
    if state is SyncState.DIVERGED and local_rec is not None and local_rec.failed:
        # Replacing now would leave the local edits in no version: keep them instead.
        return _result(
            probe, "kept-local", probe.local, local_rec, conflict=True,
            error=f"Kept the local copy of {artifact.name!r} because its edits could not be recorded; sync again.",
        )
    # UPSTREAM_CHANGED, or DIVERGED with take-upstream: the local content is stored and
    # recorded (or already the head); replace it and record `sync` with parent = local.
    # _record_local stored it when it recorded it; a head's content is stored again
    # here, which also puts back any of its objects deleted since.
    if probe.local_tree is not None and local_rec is None:
        try:
            _store(ws, probe.target, probe.local_tree)
        except OSError as exc:
            raise SyncError(os_message(exc, artifact.name, "storing the local copy of")) from exc
    tree = _install(ws, probe)
    meta = _upstream_metadata(probe, strategy) | counts_between(probe.local_tree, tree) | recorded_by()
    rec = _record(ws, artifact, tree.content_hash, "sync", probe.local, meta)
    return _result(probe, "replaced", tree.content_hash, _merge(local_rec, rec))


def _sync_one(
    ws: "Workspace", artifact: "ArtifactInfo", head: "VersionInfo | None", base: "VersionInfo | None", strategy: Strategy
) -> SyncResult:
    probe = probe_artifact(ws, artifact, head, base)
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
    artifact = ws.history.artifact(artifact_id)
    head, base = heads_and_bases(ws, [artifact])[artifact.id]
    try:
        return _sync_one(ws, artifact, head, base, Strategy(strategy))
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
    artifacts = select_artifacts(ws, names)
    bases = heads_and_bases(ws, artifacts)
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
                    results.append(_sync_one(ws, artifact, *bases[artifact.id], chosen))
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


"""Sync states and "Sync now" (see docs/sync.md for the rules and why).

Three hashes decide an artifact's state: `base` (content of the last version with
origin `sync`), `local` (the collection copy now) and `upstream` (the upstream now).
Acting on a state copies upstream content in through a staged, verified, atomic
swap and records versions; a failure to record never fails the sync.
"""
from __future__ import annotations

import dataclasses
import enum
import errno
import getpass
import os
import platform
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterable

from core.errors import LineageError, SyncError, UpstreamError

if TYPE_CHECKING:  # imported lazily at run time so `import core.sync` stays cheap for the CLI
    from core.hashing import TreeHash
    from core.history import ArtifactInfo, VersionInfo
    from core.sources import FetchedUpstream
    from core.statcache import StatCache
    from core.workspace import Workspace


class SyncState(str, enum.Enum):
    NEW = "new"
    UP_TO_DATE = "up_to_date"
    UPSTREAM_CHANGED = "upstream_changed"
    LOCALLY_MODIFIED = "locally_modified"
    DIVERGED = "diverged"
    ERROR = "error"
    NOT_CHECKED = "not_checked"  # a sync was cancelled before it reached this artifact


class Strategy(str, enum.Enum):
    KEEP_LOCAL = "keep-local"
    TAKE_UPSTREAM = "take-upstream"


@dataclass(frozen=True)
class ArtifactStatus:
    artifact_id: int
    name: str
    type: str
    state: SyncState
    head: str | None  # content hash of the newest recorded version
    base: str | None  # content hash of the last synced version
    local: str | None  # collection copy now
    upstream: str | None  # upstream now
    error: str | None = None


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


ProgressCallback = Callable[[int, int, str], None]  # (done, total, current artifact name)
CancelCheck = Callable[[], bool]


try:  # recording errors that must never fail a sync (graceful degradation)
    from sqlalchemy.exc import SQLAlchemyError as _SQLAlchemyError
except ImportError:  # pragma: no cover - SQLAlchemy is a declared dependency
    class _SQLAlchemyError(Exception):  # type: ignore[no-redef]
        pass

_RECORD_ERRORS = (LineageError, _SQLAlchemyError)


# ---------------------------------------------------------------------------
# Hashes


def _tree_hash(path: Path, shape: str, entry_name: bytes, cache: "StatCache | None") -> "TreeHash":
    """Hash an artifact root; a single file's one entry is named after its collection file.

    Content hash v1 names a single file's entry after the file itself, so the upstream
    `review.md` and the collection copy `commands/my-review.md` would never match.
    Naming the entry after the collection file makes both sides comparable and equals
    what `main.py hash <collection file>` prints.
    """
    from core.hashing import content_hash_of, hash_tree

    tree = hash_tree(path, cache=cache)
    if shape == "file" and not path.is_dir() and len(tree.entries) == 1 and tree.entries[0].path != entry_name:
        entries = (dataclasses.replace(tree.entries[0], path=entry_name),)
        tree = type(tree)(content_hash=content_hash_of(entries), entries=entries)
    return tree


def _check_links(root: Path, tree: "TreeHash") -> None:
    """Refuse upstream links that leave the artifact, before anything is copied."""
    from core.safety import check_link_target, check_name

    for entry in tree.entries:
        check_name(entry.path)
        if entry.kind == "l":
            link = root if not root.is_dir() else root / os.fsdecode(entry.path)
            check_link_target(entry.path, os.readlink(os.fsencode(link)))


def _counts(old: "TreeHash | None", new: "TreeHash") -> dict[str, int]:
    before = {e.path: (e.kind, e.digest) for e in old.entries} if old is not None else {}
    after = {e.path: (e.kind, e.digest) for e in new.entries}
    return {
        "files_added": sum(1 for p in after if p not in before),
        "files_removed": sum(1 for p in before if p not in after),
        "files_changed": sum(1 for p, v in after.items() if p in before and before[p] != v),
    }


def _who() -> dict[str, str]:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in a container: not worth failing a sync
        user = "unknown"
    return {"machine": platform.node(), "user": user}


# ---------------------------------------------------------------------------
# Probing: the three hashes and the state


@dataclass
class _Probe:
    artifact: "ArtifactInfo"
    target: Path
    head: "VersionInfo | None"
    base: "VersionInfo | None"
    local_tree: "TreeHash | None"
    upstream_tree: "TreeHash | None" = None
    fetched: "FetchedUpstream | None" = None
    state: SyncState = SyncState.ERROR
    error: str | None = None

    @property
    def local(self) -> str | None:
        return self.local_tree.content_hash if self.local_tree is not None else None

    @property
    def upstream(self) -> str | None:
        return self.upstream_tree.content_hash if self.upstream_tree is not None else None

    def status(self) -> ArtifactStatus:
        a = self.artifact
        return ArtifactStatus(
            artifact_id=a.id,
            name=a.name,
            type=a.type,
            state=self.state,
            head=self.head.content_hash if self.head else None,
            base=self.base.content_hash if self.base else None,
            local=self.local,
            upstream=self.upstream,
            error=self.error,
        )


def classify(base: str | None, local: str | None, upstream: str) -> SyncState:
    """The state from the three hashes (docs/sync.md, "States")."""
    if local is None:
        return SyncState.NEW
    if local == upstream:
        return SyncState.UP_TO_DATE
    if base is None:
        # A copy with no synced version behind it (placed by hand, or its recording
        # failed) that differs from upstream: who changed what is unknown, so treat it
        # as diverged and never overwrite it by default.
        return SyncState.DIVERGED
    if local == base:
        return SyncState.UPSTREAM_CHANGED
    if upstream == base:
        return SyncState.LOCALLY_MODIFIED
    return SyncState.DIVERGED


def _entry_name(artifact: "ArtifactInfo") -> bytes:
    return os.fsencode(PurePosixPath(artifact.place).name)


def _probe(ws: "Workspace", artifact: "ArtifactInfo", head: "VersionInfo | None", base: "VersionInfo | None") -> _Probe:
    from core.collection import path_of
    from core.sources import fetch

    target = path_of(ws.home.collection_dir, artifact)
    probe = _Probe(artifact=artifact, target=target, head=head, base=base, local_tree=None)
    try:
        name = _entry_name(artifact)
        if os.path.lexists(target):
            probe.local_tree = _tree_hash(target, artifact.shape, name, ws.stat_cache)
        probe.fetched = fetch(artifact.upstream, ws.home.git_cache_dir)
        probe.upstream_tree = _tree_hash(Path(probe.fetched.path), artifact.shape, name, ws.stat_cache)
        _check_links(Path(probe.fetched.path), probe.upstream_tree)
    except LineageError as exc:
        probe.error = str(exc)
        return probe
    except OSError as exc:
        probe.error = _os_message(exc, artifact.name, "reading")
        return probe
    probe.state = classify(probe.base.content_hash if base else None, probe.local, probe.upstream)
    return probe


def _heads_and_bases(
    ws: "Workspace", artifacts: list["ArtifactInfo"]
) -> dict[int, tuple["VersionInfo | None", "VersionInfo | None"]]:
    """Head and base (last `sync`) version of each artifact.

    History.head/last_version_with_origin open a session each; for 1,000 artifacts
    those 2,000 sessions were most of a no-change sync. `latest_versions` reads
    them for all artifacts at once.
    """
    history = ws.history
    if len(artifacts) <= 1:
        return {a.id: (history.head(a.id), history.last_version_with_origin(a.id, "sync")) for a in artifacts}
    ids = [a.id for a in artifacts]
    heads = history.latest_versions(ids)
    bases = history.latest_versions(ids, "sync")
    return {i: (heads.get(i), bases.get(i)) for i in ids}


def _select(ws: "Workspace", names: Iterable[str] | None) -> list["ArtifactInfo"]:
    if names is None:
        return list(ws.history.list_artifacts())
    selected, seen = [], set()
    for name in names:
        artifact = ws.history.get_artifact(name)
        if artifact.id not in seen:
            seen.add(artifact.id)
            selected.append(artifact)
    return selected


def status_all(ws: "Workspace", names: Iterable[str] | None = None) -> list[ArtifactStatus]:
    """The state of each artifact (all, or those named). Changes nothing but the stat cache."""
    artifacts = _select(ws, names)
    bases = _heads_and_bases(ws, artifacts)
    statuses = [_probe(ws, a, *bases[a.id]).status() for a in artifacts]
    _save_cache(ws)
    return statuses


def _save_cache(ws: "Workspace") -> None:
    try:
        ws.stat_cache.save()
    except OSError:
        pass  # the cache only saves time; losing it is harmless


# ---------------------------------------------------------------------------
# Copying in


def _os_message(exc: OSError, name: str, doing: str) -> str:
    if exc.errno == errno.ENOSPC:
        return f"Disk full while {doing} {name!r} into the collection; free space and sync again."
    where = f" ({exc.filename})" if exc.filename else ""
    return (
        f"Could not finish {doing} {name!r}: {exc.strerror or exc}{where}; "
        "check the path and permissions, then sync again."
    )


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()
    except OSError:
        pass  # a leftover staging folder is hidden and harmless; recover() may clear it


def _store(ws: "Workspace", root: Path, tree: "TreeHash") -> None:
    """Put a tree's contents and manifest in the object store.

    Always through store_tree, even when the manifest is already there: it only checks
    that each object exists (well under a millisecond for a small artifact) and puts
    back any object that was deleted, e.g. after a corrupt one was removed by hand.
    A single file is stored from the file itself, whatever its manifest entry is named.
    """
    ws.objects.store_tree(root, tree)


def _install(ws: "Workspace", probe: _Probe) -> "TreeHash":
    """Stage the upstream beside the copy, verify it, store it, swap it in. Returns its tree.

    Anything failing before the swap leaves the collection copy untouched.
    """
    from core import swap, transfer

    artifact, target = probe.artifact, probe.target
    # Staged beside the copy (same filesystem, so the swap is a rename). Named here rather
    # than by transfer.stage_copy so a copy that fails half-way is always cleaned up.
    staged: Path | None = target.parent / f".{target.name}.staging-{uuid.uuid4().hex[:12]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        transfer.copy_untrusted(Path(probe.fetched.path), staged)
        # Hash what landed on disk, without the cache: it must be the upstream we hashed.
        staged_tree = _tree_hash(staged, artifact.shape, _entry_name(artifact), None)
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
            _remove(staged)
        raise SyncError(_os_message(exc, artifact.name, "copying")) from exc
    except BaseException:
        if staged is not None:
            _remove(staged)
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


def _upstream_metadata(probe: _Probe, strategy: Strategy) -> dict[str, Any]:
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
    return meta


def _previous_tree(ws: "Workspace", content_hash: str | None) -> "TreeHash | None":
    if content_hash is None:
        return None
    try:
        return ws.objects.get_manifest(content_hash)
    except (LineageError, OSError):
        return None


def _record_local(ws: "Workspace", probe: _Probe, strategy: Strategy) -> _Record | None:
    """Record the collection copy when it is not the head yet (local edit, or a reconcile).

    A copy equal to the upstream is recorded as `sync` (it is what a sync copies; the
    usual case is a sync whose recording failed), anything else as `local_modification`.
    Returns None when the head already holds the local content.
    """
    head = probe.head.content_hash if probe.head else None
    if probe.local is None or probe.local == head:
        return None
    try:
        _store(ws, probe.target, probe.local_tree)
    except OSError as exc:
        raise SyncError(_os_message(exc, probe.artifact.name, "storing the local copy of")) from exc
    if probe.local == probe.upstream:
        meta = _upstream_metadata(probe, strategy)
        meta["reconciled"] = True
        origin = "sync"
    else:
        meta, origin = {}, "local_modification"
    meta.update(_counts(_previous_tree(ws, head), probe.local_tree))
    meta.update(_who())
    return _record(ws, probe.artifact, probe.local, origin, None, meta)


def _result(probe: _Probe, action: str, new_hash: str | None, rec: _Record | None, **kw: Any) -> SyncResult:
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
        not_recorded_reason=(
            rec.reason if rec else None if action == "failed" else "The collection already matches the newest version."
        ),
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


def _act(ws: "Workspace", probe: _Probe, strategy: Strategy) -> SyncResult:
    state, artifact = probe.state, probe.artifact
    if state is SyncState.ERROR:
        return _result(probe, "failed", None, None, error=probe.error)

    if state is SyncState.NEW:
        tree = _install(ws, probe)
        previous = _previous_tree(ws, probe.head.content_hash if probe.head else None)
        meta = _upstream_metadata(probe, strategy) | _counts(previous, tree) | _who()
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
    if probe.local_tree is not None:
        try:
            _store(ws, probe.target, probe.local_tree)
        except OSError as exc:
            raise SyncError(_os_message(exc, artifact.name, "storing the local copy of")) from exc
    tree = _install(ws, probe)
    meta = _upstream_metadata(probe, strategy) | _counts(probe.local_tree, tree) | _who()
    rec = _record(ws, artifact, tree.content_hash, "sync", probe.local, meta)
    return _result(probe, "replaced", tree.content_hash, _merge(local_rec, rec))


def _sync_one(
    ws: "Workspace", artifact: "ArtifactInfo", head: "VersionInfo | None", base: "VersionInfo | None", strategy: Strategy
) -> SyncResult:
    probe = _probe(ws, artifact, head, base)
    try:
        return _act(ws, probe, strategy)
    except LineageError as exc:
        return _result(probe, "failed", None, None, error=str(exc))
    except OSError as exc:
        return _result(probe, "failed", None, None, error=_os_message(exc, artifact.name, "syncing"))


def sync_artifact(ws: "Workspace", artifact_id: int, strategy: Strategy = Strategy.KEEP_LOCAL) -> SyncResult:
    """Bring one artifact's collection copy up to date and record what changed."""
    artifact = ws.history.artifact(artifact_id)
    head, base = _heads_and_bases(ws, [artifact])[artifact.id]
    try:
        return _sync_one(ws, artifact, head, base, Strategy(strategy))
    finally:
        _save_cache(ws)


def sync_all(
    ws: "Workspace",
    names: Iterable[str] | None = None,
    strategy: Strategy = Strategy.KEEP_LOCAL,
    strategies: dict[int, Strategy] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> list[SyncResult]:
    """Sync every artifact (or those named); one failure never stops the rest.

    `strategies` overrides `strategy` per artifact id. `cancel` is checked between
    artifacts; the ones not reached get action "cancelled".
    """
    artifacts = _select(ws, names)
    bases = _heads_and_bases(ws, artifacts)
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
                results.append(_sync_one(ws, artifact, *bases[artifact.id], chosen))
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
    finally:
        _save_cache(ws)
    return results


def _cancelled(artifact: "ArtifactInfo", head_base: tuple["VersionInfo | None", "VersionInfo | None"]) -> SyncResult:
    head = head_base[0]
    return SyncResult(
        artifact_id=artifact.id, name=artifact.name, type=artifact.type, state=SyncState.NOT_CHECKED,
        action="cancelled", old_hash=head.content_hash if head else None, new_hash=None,
        version_id=None, version_recorded=False, not_recorded_reason="Cancelled before this artifact.",
    )


# ---------------------------------------------------------------------------
# Adding


def add_artifact(
    ws: "Workspace",
    name: str,
    source: str,
    *,
    type: str | None = None,
    ref: str | None = None,
    subdir: str | None = None,
) -> "ArtifactInfo":
    """Track a new artifact: validate its upstream, infer type and shape, record it (no copy yet)."""
    from core import sources
    from core.collection import SKILL_FILE, infer_shape, infer_type, place_for, validate_name, validate_type

    validate_name(name)
    if type is not None:
        validate_type(type)
    spec = sources.infer_spec(source, ref=ref or None, subdir=(subdir or "").strip("/") or None)
    kind, location, subdir = spec.kind, spec.location, spec.subdir
    check = sources.validate
    fetched = check(spec, ws.home.git_cache_dir)
    path = Path(fetched.path)
    if path.name == SKILL_FILE and path.is_file() and type in (None, "skill"):
        # A skill is its whole folder (SKILL.md plus scripts): track the parent instead.
        if subdir:
            parent = str(PurePosixPath(subdir).parent)
            spec = dataclasses.replace(spec, subdir=None if parent in ("", ".") else parent)
        elif kind == "folder":
            spec = dataclasses.replace(spec, location=str(Path(location).parent))
        fetched = check(spec, ws.home.git_cache_dir)
        path = Path(fetched.path)
    if not os.path.lexists(path):
        raise UpstreamError(f"The upstream {source!r} has nothing at {str(path)!r}; check the path.")
    hint = "/".join(p for p in (location, spec.subdir or "") if p)
    art_type = type or infer_type(path, hint)
    shape = infer_shape(path)
    place = place_for(name, art_type, shape, path.name)
    return ws.history.add_artifact(name, art_type, spec, place, shape)


__all__ = [
    "ArtifactStatus", "CancelCheck", "ProgressCallback", "Strategy", "SyncResult", "SyncState",
    "add_artifact", "classify", "status_all", "sync_all", "sync_artifact",
]

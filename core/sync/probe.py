"""Probing an artifact: the three hashes, the state they give, and status_all (see docs/sync.md).

Three hashes decide an artifact's state: `base` (content of the last collection version
whose content came from the upstream: origin `sync`, not a push from a project),
`local` (the collection copy now) and `upstream` (the upstream now).
`classify` maps them to a SyncState; `status_all` reports it for each artifact and
changes nothing but the stat cache. core.sync acts on the state.
"""
from __future__ import annotations

import enum
import errno
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Iterable

from core.cancel import Cancelled
from core.errors import LineageError, describe_os_error

if TYPE_CHECKING:  # imported lazily at run time so `import core.sync` stays cheap for the CLI
    from core.diff import FileChange
    from core.content import TreeHash
    from core.history import ArtifactInfo, VersionInfo
    from core.upstreams import FetchedUpstream, Fetcher
    from core.workspace import Workspace

__all__ = ["ArtifactStatus", "SyncState", "classify", "status_all"]


class SyncState(str, enum.Enum):
    NEW = "new"
    UP_TO_DATE = "up_to_date"
    UPSTREAM_CHANGED = "upstream_changed"
    LOCALLY_MODIFIED = "locally_modified"
    DIVERGED = "diverged"
    KEPT_LOCAL = "kept_local"  # diverged, and keep-local was chosen for this upstream state
    # The copy holds an older collection version than the head another team member recorded
    # (core.sync.outdated): not an edit; sync brings it forward and records nothing.
    BEHIND = "behind"
    CONFLICT = "conflict"  # a merge with conflicts waits (core.sync.pending)
    ERROR = "error"
    NOT_CHECKED = "not_checked"  # a sync was cancelled before it reached this artifact



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
    # Diverged only: what each side changed since the last sync (base), so a person
    # choosing "keep local" or "take upstream" can see what each choice keeps.
    changed_locally: tuple["FileChange", ...] = ()
    changed_upstream: tuple["FileChange", ...] = ()
    plugin: str | None = None  # the plugin it was added with (status groups by it)
    # Conflict: the line whose merge waits to go into the collection copy ("collection" for a
    # sync merge, a project's name for a push merge): `merge NAME [--project LINE]` resolves it.
    merge_line: str | None = None


# ---------------------------------------------------------------------------
# Hashes


def check_upstream_links(root: Path, tree: "TreeHash") -> None:
    """Refuse upstream links that leave the artifact, before anything is copied."""
    from core.content import check_link_target, check_name

    for entry in tree.entries:
        check_name(entry.path)
        if entry.kind == "l":
            link = root if not root.is_dir() else root / os.fsdecode(entry.path)
            check_link_target(entry.path, os.readlink(os.fsencode(link)))


# ---------------------------------------------------------------------------
# Probing: the three hashes and the state


@dataclass
class Probe:
    artifact: "ArtifactInfo"
    target: Path
    head: "VersionInfo | None"
    base: "VersionInfo | None"
    local_tree: "TreeHash | None"
    upstream_tree: "TreeHash | None" = None
    fetched: "FetchedUpstream | None" = None
    state: SyncState = SyncState.ERROR
    error: str | None = None
    changed_locally: tuple["FileChange", ...] = ()
    changed_upstream: tuple["FileChange", ...] = ()
    # The copy is a file where the artifact's folder belongs (or the reverse): the
    # sentence saying so; only take-upstream acts on it (stores it, then replaces it).
    wrong_shape: str | None = None
    # Diverged: the upstream-line version holding this upstream state, once one is recorded.
    upstream_version: "VersionInfo | None" = None
    # The run's fetcher (one fetch per repository): asked for the commit note when a version is recorded.
    fetcher: "Fetcher | None" = None
    merge_line: str | None = None  # see ArtifactStatus.merge_line

    def commit_note(self) -> dict:
        """The last commit that changed this artifact's path upstream, as metadata ({} for folders)."""
        return self.fetcher.note(self.artifact.upstream) if self.fetcher is not None else {}

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
            changed_locally=self.changed_locally,
            changed_upstream=self.changed_upstream,
            plugin=a.plugin,
            merge_line=self.merge_line,
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


def entry_name(artifact: "ArtifactInfo") -> bytes:
    return os.fsencode(PurePosixPath(artifact.place).name)


def probe_artifact(ws: "Workspace", artifact: "ArtifactInfo", head: "VersionInfo | None", base: "VersionInfo | None",
                   fetcher: "Fetcher | None" = None, *, fetched: "FetchedUpstream | None" = None) -> Probe:
    """The three hashes and the state of one artifact; `fetcher` is the run's (one fetch per repository).
    `fetched`: an upstream fetched before (core.live re-checks a copy edited on disk against it, with
    no new fetch); None fetches it through the fetcher."""
    from core.content import copy_tree_hash
    from core.workspace import check_place, path_of

    if fetcher is None:
        fetcher = run_fetcher(ws, [artifact])
    target = path_of(ws.home.collection_dir, artifact)
    probe = Probe(artifact=artifact, target=target, head=head, base=base, local_tree=None, fetcher=fetcher)
    try:
        name = entry_name(artifact)
        place = check_place(ws.home.collection_dir, artifact)  # a link on the way is refused, never followed
        if place.exists:
            probe.local_tree = copy_tree_hash(target, artifact.shape, name, ws.stat_cache, follow_root=False)
        probe.fetched = fetched if fetched is not None else fetcher.fetch(artifact.upstream)
        probe.upstream_tree = copy_tree_hash(Path(probe.fetched.path), artifact.shape, name, ws.stat_cache)
        check_upstream_links(Path(probe.fetched.path), probe.upstream_tree)
    except Cancelled:
        raise  # not this artifact's failure: the caller stops the whole pass
    except LineageError as exc:
        probe.error = str(exc)
        return probe
    except OSError as exc:
        probe.error = os_message(exc, artifact.name, "reading")
        return probe
    if place.wrong_shape:
        probe.wrong_shape = probe.error = place.wrong_shape
        return probe
    probe.state = classify(probe.base.content_hash if base else None, probe.local, probe.upstream)
    _apply_decisions(ws, probe)
    if probe.state is not SyncState.CONFLICT:
        from core.sync.outdated import behind_head

        if behind_head(ws, probe) is not None:
            probe.state = SyncState.BEHIND  # not locally modified: the team moved on
    if probe.state in (SyncState.DIVERGED, SyncState.KEPT_LOCAL, SyncState.CONFLICT):
        _explain_divergence(ws, probe)
    return probe


def _apply_decisions(ws: "Workspace", probe: Probe) -> None:
    """What the hashes alone cannot tell: a merge waiting (conflict), or a decision already
    made about this upstream state (kept local; or merged, when the merge equalled local).

    Only a diverged artifact reads the upstream line (one indexed query), so a pass over
    1,000 artifacts that are up to date costs one file check each, not a query.
    """
    from core.history import UPSTREAM_LINE, Deployments
    from core.sync.pending import has_any_pending, merge_waiting_into

    if has_any_pending(ws.home, probe.artifact.id):
        # A sync merge, or a push merge whose result goes into this same collection copy:
        # replacing the copy now would leave that merge nothing to finish into.
        projects = [p.name for p in Deployments(ws.db).projects()]
        probe.merge_line = merge_waiting_into(ws.home, probe.artifact, probe.target, projects)
        if probe.merge_line is not None:
            probe.state = SyncState.CONFLICT
    if probe.state is not SyncState.DIVERGED:
        return
    head = ws.history.head(probe.artifact.id, line=UPSTREAM_LINE)
    if head is None or head.content_hash != probe.upstream:
        return
    probe.upstream_version = head
    decision = head.metadata.get("decision")
    if decision == KEPT_LOCAL_DECISION:
        probe.state = SyncState.KEPT_LOCAL
    elif decision == MERGED_INTO_LOCAL and head.metadata.get("local") == probe.local:
        # The merge of this upstream state equalled the local copy: nothing of upstream's is missing.
        probe.state = SyncState.LOCALLY_MODIFIED


KEPT_LOCAL_DECISION = "kept_local"
MERGED_INTO_LOCAL = "merged_into_local"


def _explain_divergence(ws: "Workspace", probe: Probe) -> None:
    """Fill in what each side changed since the base; without a stored base, leave it out."""
    from core.diff import compare_entries

    if probe.base is None or probe.local_tree is None or probe.upstream_tree is None:
        return
    try:
        base = ws.objects.get_manifest(probe.base.content_hash)
    except LineageError:
        return  # the state stands on the hashes alone; the details are a help, not a rule
    probe.changed_locally = tuple(compare_entries(base.entries, probe.local_tree.entries))
    probe.changed_upstream = tuple(compare_entries(base.entries, probe.upstream_tree.entries))


def heads_and_bases(
    ws: "Workspace", artifacts: list["ArtifactInfo"]
) -> dict[int, tuple["VersionInfo | None", "VersionInfo | None"]]:
    """Head and base version of each artifact: the collection line's newest, and its last
    version whose content came from the upstream (a push from a project is a local change).

    History.head/last_version_with_origin open a session each; for 1,000 artifacts
    those 2,000 sessions were most of a no-change sync. `latest_versions` reads
    them for all artifacts at once.
    """
    history = ws.history
    if len(artifacts) <= 1:
        return {a.id: (history.head(a.id), history.upstream_base(a.id)) for a in artifacts}
    ids = [a.id for a in artifacts]
    heads = history.latest_versions(ids)
    bases = history.upstream_bases(ids)
    return {i: (heads.get(i), bases.get(i)) for i in ids}


def select_artifacts(ws: "Workspace", names: Iterable[str] | None) -> list["ArtifactInfo"]:
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
    """The state of each artifact (all, or those named). Records nothing new, and changes
    nothing but the stat cache; it does finish recording a sync whose copy is already in
    place (a pending record: core.workspace.pending), so the states it reports are right."""
    ws.roll_forward()
    artifacts = select_artifacts(ws, names)
    bases = heads_and_bases(ws, artifacts)
    fetcher = run_fetcher(ws, artifacts)
    statuses = [probe_artifact(ws, a, *bases[a.id], fetcher).status() for a in artifacts]
    save_stat_cache(ws)
    return statuses


def run_fetcher(ws: "Workspace", artifacts: Iterable["ArtifactInfo"]) -> "Fetcher":
    """One Fetcher for a run over `artifacts`: each repository fetched once, its notes read together."""
    from core.upstreams import Fetcher

    return Fetcher(ws.home.git_cache_dir, [a.upstream for a in artifacts])


def save_stat_cache(ws: "Workspace") -> None:
    try:
        ws.stat_cache.save()
    except OSError:
        pass  # the cache only saves time; losing it is harmless


def os_message(exc: OSError, name: str, doing: str) -> str:
    if exc.errno == errno.ENOSPC:
        return f"Disk full while {doing} {name!r} into the collection; free space and sync again."
    where = f" at {exc.filename}" if exc.filename else ""
    return (
        f"Could not finish {doing} {name!r}{where}: "
        f"{describe_os_error(exc, 'check the path and permissions')}, then sync again."
    )

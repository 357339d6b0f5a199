"""Sync: bringing upstream content into the collection, and telling each artifact's state.

Owns the three-hash states (probe: base, local copy, upstream → SyncState), adding an
artifact (validate its upstream, infer type and place), syncing one or all (atomic
replace, record the version, never lose local content), and what a pass amounts to
(summary), and checking and repairing the object store against the history and the
live copies (repair: `main.py fsck`). Builds on workspace, history, store, upstreams and atomic.
"""
from core.sync.adding import (
    AddOutcome,
    SeveralArtifactsError,
    add_artifact,
    add_found,
    describe_found,
    describe_upstream,
    discover_source,
    resolve_upstream,
    settle_upstream,
    upstream_noun,
)
from core.sync.plugins import add_all, add_marketplace, add_plugin, plugin_artifacts, remove_plugin
from core.sync.managing import KEEP, EditOutcome, RemoveOutcome, UnrecordedContentError, edit_upstream, remove_artifact
from core.sync.engine import CancelCheck, ProgressCallback, Strategy, SyncResult, sync_all, sync_artifact
from core.sync.repair import AffectedVersion, FsckReport, Problem, fsck
from core.sync.merge_review import FilePick, ResolvedFile, review_resolution
from core.sync.probe import ArtifactStatus, SyncState, classify, status_all
from core.sync.summary import StateCounts, SyncSummary, count_states, describe_changes, summarize_results

__all__ = [
    "FilePick", "ResolvedFile", "review_resolution",
    "ArtifactStatus", "CancelCheck", "ProgressCallback", "Strategy", "SyncResult", "SyncState",
    "add_artifact", "add_all", "add_found", "AddOutcome", "SeveralArtifactsError", "describe_found",
    "describe_upstream", "discover_source", "resolve_upstream", "settle_upstream", "upstream_noun",
    "KEEP", "EditOutcome", "RemoveOutcome", "UnrecordedContentError", "edit_upstream", "remove_artifact",
    "classify", "status_all", "sync_all", "sync_artifact",
    "StateCounts", "SyncSummary", "count_states", "summarize_results", "describe_changes",
    "AffectedVersion", "FsckReport", "Problem", "fsck",
    "add_marketplace", "add_plugin", "plugin_artifacts", "remove_plugin",
]

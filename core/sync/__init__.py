"""Sync: bringing upstream content into the collection, and telling each artifact's state.

Owns the three-hash states (probe: base, local copy, upstream → SyncState), adding an
artifact (validate its upstream, infer type and place), syncing one or all (atomic
replace, record the version, never lose local content), and what a pass amounts to
(summary), and checking and repairing the object store against the history and the
live copies (repair: `main.py fsck`). Builds on workspace, history, store, upstreams and atomic.
"""
from core.sync.adding import add_artifact
from core.sync.engine import CancelCheck, ProgressCallback, Strategy, SyncResult, sync_all, sync_artifact
from core.sync.repair import AffectedVersion, FsckReport, Problem, fsck
from core.sync.probe import ArtifactStatus, SyncState, classify, status_all
from core.sync.summary import StateCounts, SyncSummary, count_states, summarize_results

__all__ = [
    "ArtifactStatus", "CancelCheck", "ProgressCallback", "Strategy", "SyncResult", "SyncState",
    "add_artifact", "classify", "status_all", "sync_all", "sync_artifact",
    "StateCounts", "SyncSummary", "count_states", "summarize_results",
    "AffectedVersion", "FsckReport", "Problem", "fsck",
]

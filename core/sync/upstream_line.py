"""The `upstream` line: upstream states that were not applied as they are (DESIGN.md "Lines").

When a sync finds an artifact diverged, the upstream's content is stored and recorded on
the artifact's `upstream` line, once per distinct upstream state (History dedups per
line), so `diff NAME --upstream` and the window can compare it, and a take-upstream or a
merge can name it as the second parent. A keep-local choice is a decision about that
state, kept in the version's metadata: later syncs report "diverged (kept local)" and
succeed until the upstream changes again.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import SyncError
from core.sync.probe import KEPT_LOCAL_DECISION, MERGED_INTO_LOCAL, Probe, os_message
from core.sync.recording import RECORD_ERRORS, record_quietly

if TYPE_CHECKING:
    from core.history import VersionInfo
    from core.workspace import Workspace

__all__ = ["record_upstream_state", "decide", "KEPT_LOCAL_DECISION", "MERGED_INTO_LOCAL"]


def record_upstream_state(ws: "Workspace", probe: Probe, metadata: dict[str, Any]) -> "VersionInfo | None":
    """Store the upstream's content and record it on the upstream line (or find it there).

    Its first parent is the newer of the collection's base (the last upstream state
    applied) and the upstream line's head: the upstream state it grew from. Returns the
    upstream-line version holding this state, or None when the database could not take it
    (the sync goes on; the choice is then not remembered).
    """
    from core.history import UPSTREAM_LINE

    if probe.upstream_version is not None:
        return probe.upstream_version
    assert probe.fetched is not None and probe.upstream_tree is not None
    try:
        ws.objects.store_tree(Path(probe.fetched.path), probe.upstream_tree)
    except OSError as exc:
        raise SyncError(os_message(exc, probe.artifact.name, "storing the upstream state of")) from exc
    try:
        line_head = ws.history.head(probe.artifact.id, line=UPSTREAM_LINE)
    except RECORD_ERRORS:
        return None
    grew_from = [v for v in (probe.base, line_head) if v is not None]
    parent_id = max(grew_from, key=lambda v: v.id).id if grew_from else None
    rec = record_quietly(
        ws, probe.artifact.id, probe.upstream_tree.content_hash, "sync", metadata=metadata,
        line=UPSTREAM_LINE, parent_id=parent_id,
    )
    if rec.version_id is None:
        return None
    try:
        version = ws.history.version(rec.version_id)
    except RECORD_ERRORS:
        return None
    probe.upstream_version = version
    return version


def decide(ws: "Workspace", version: "VersionInfo", decision: str, **notes: Any) -> bool:
    """Remember a decision about an upstream state; False when the database could not take it."""
    stamp = (ws.clock() if ws.clock is not None else datetime.now(timezone.utc)).isoformat()
    try:
        ws.history.annotate_version(version.id, {"decision": decision, "decided_at": stamp, **notes})
    except RECORD_ERRORS:
        return False
    return True

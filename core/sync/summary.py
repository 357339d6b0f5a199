"""What a status pass and a Sync now amount to, in counts and in words.

`count_states` is what the status bar counts: how many artifacts there are, and
how many changed. `summarize_results` is what a Sync now did ("2 updated, 1
locally modified, 17 up to date, 0 failed"), said the same by the CLI and the window.

The rule "which states count as changed" lives here, not in a widget, so the
window, the CLI and the tests agree on it. An artifact counts as *changed* when
a Sync now would do something for it: it is new (never copied in), its upstream
changed, it was edited locally, or both. An error is counted apart, because a
sync cannot be expected to fix it; artifacts whose state is not known yet (the
first status run has not finished) are counted as *checking*.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.sync.engine import SyncResult
from core.sync.probe import SyncState

CHANGED_STATES: frozenset[SyncState] = frozenset(
    {SyncState.NEW, SyncState.UPSTREAM_CHANGED, SyncState.LOCALLY_MODIFIED, SyncState.DIVERGED, SyncState.CONFLICT,
     SyncState.BEHIND}
)  # not KEPT_LOCAL: a decision was made and a sync would change nothing


@dataclass(frozen=True)
class StateCounts:
    total: int = 0
    changed: int = 0
    failed: int = 0
    checking: int = 0

    def text(self) -> str:
        """'20 artifacts · 2 changed' (+ ' · 1 failed', ' · 3 checking…' when any)."""
        noun = "artifact" if self.total == 1 else "artifacts"
        text = f"{self.total} {noun} · {self.changed} changed"
        if self.failed:
            text += f" · {self.failed} failed"
        if self.checking:
            text += f" · {self.checking} checking…"
        return text


def count_states(states: Iterable[SyncState | str | None]) -> StateCounts:
    """Count one state per artifact; None (or "checking") means not known yet."""
    total = changed = failed = checking = 0
    for raw in states:
        total += 1
        try:
            state = SyncState(raw) if raw is not None else None
        except ValueError:  # "checking" or any label that is not a state
            state = None
        if state is None:
            checking += 1
        elif state == SyncState.ERROR:
            failed += 1
        elif state in CHANGED_STATES:
            changed += 1
    return StateCounts(total=total, changed=changed, failed=failed, checking=checking)


@dataclass(frozen=True)
class SyncSummary:
    """What a Sync now did, counted once here so the CLI and the window say the same."""

    added: int = 0  # copied into the collection for the first time
    updated: int = 0
    locally_modified: int = 0
    diverged_kept_local: int = 0
    merged: int = 0
    conflicts: int = 0  # merges waiting for a person
    up_to_date: int = 0
    failed: int = 0
    cancelled: int = 0

    def text(self) -> str:
        """'2 updated, 1 locally modified, 17 up to date, 0 failed' (+ added/diverged/cancelled when any)."""
        parts = [f"{self.added} added"] if self.added else []
        parts += [f"{self.updated} updated", f"{self.locally_modified} locally modified"]
        if self.diverged_kept_local:
            parts.append(f"{self.diverged_kept_local} diverged (kept local)")
        if self.merged:
            parts.append(f"{self.merged} merged")
        if self.conflicts:
            parts.append(f"{self.conflicts} with merge conflicts")
        parts += [f"{self.up_to_date} up to date", f"{self.failed} failed"]
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled")
        return ", ".join(parts)


def summarize_results(results: Iterable[SyncResult]) -> SyncSummary:
    counts = dict.fromkeys(
        ("added", "updated", "locally_modified", "diverged_kept_local", "merged", "conflicts", "up_to_date", "failed",
         "cancelled"), 0
    )
    for r in results:
        if r.action == "failed":
            key = "failed"
        elif r.action == "cancelled":
            key = "cancelled"
        elif r.action == "copied":
            key = "added"
        elif r.action in ("replaced", "brought-forward"):
            key = "updated"
        elif r.action == "merged":
            key = "merged"
        elif r.action == "conflict":
            key = "conflicts"
        elif r.state in (SyncState.DIVERGED, SyncState.KEPT_LOCAL):
            key = "diverged_kept_local"
        elif r.state == SyncState.LOCALLY_MODIFIED or r.action == "kept-local":
            key = "locally_modified"
        else:
            key = "up_to_date"
        counts[key] += 1
    return SyncSummary(**counts)


_MAX_NAMES = 4  # names spelt out per kind of change; the rest are counted


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES])
    return shown + (f" and {len(names) - _MAX_NAMES} more" if len(names) > _MAX_NAMES else "")


def describe_changes(results: Iterable[SyncResult]) -> tuple[str, str]:
    """(what changed, by name; level) for the window's banner after a sync.

    Level is "error" when something failed, "warning" when something conflicted,
    else "info"; the text names the artifacts per kind of change
    ("Updated pdf, docx. Merge waiting — Resolve…: review. Failed: helper."). A merge that
    stopped on conflicts waits for the person (the window's Resolve… button opens it); a
    diverged artifact whose local copy was kept is said so.
    """
    results = list(results)
    groups: list[tuple[str, list[str]]] = [
        ("Failed", [r.name for r in results if r.action == "failed"]),
        ("Merge waiting — Resolve…", [r.name for r in results if r.action == "conflict"]),
        ("Diverged (kept the local copy)", [r.name for r in results
                                            if r.conflict and r.action not in ("failed", "conflict")]),
        ("Added", [r.name for r in results if r.action == "copied"]),
        ("Updated", [r.name for r in results if r.action in ("replaced", "brought-forward")]),
        ("Recorded local edits of", [r.name for r in results if r.action == "kept-local" and not r.conflict
                                     and r.version_recorded]),
    ]
    text = " ".join(f"{label}: {_names(names)}." for label, names in groups if names)
    level = "error" if groups[0][1] else "warning" if groups[1][1] or groups[2][1] else "info"
    return text or "Nothing changed.", level

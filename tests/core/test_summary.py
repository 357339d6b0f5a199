"""core.sync.summary: which states count as changed, and the status-bar text."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from core.history import open_database, ordinal_by_id, History
from core.upstreams import UpstreamSpec
from core.sync import count_states, StateCounts, SyncState


def test_changed_states_are_the_ones_a_sync_acts_on():
    counts = count_states([
        SyncState.NEW, SyncState.UPSTREAM_CHANGED, SyncState.LOCALLY_MODIFIED, SyncState.DIVERGED,
        SyncState.UP_TO_DATE, SyncState.UP_TO_DATE, SyncState.ERROR,
    ])
    assert counts == StateCounts(total=7, changed=4, failed=1, checking=0)
    assert counts.text() == "7 artifacts · 4 changed · 1 failed"


def test_strings_and_unknown_states_count_as_checking():
    counts = count_states(["up_to_date", "diverged", "checking", None])
    assert counts == StateCounts(total=4, changed=1, failed=0, checking=2)
    assert counts.text() == "4 artifacts · 1 changed · 2 checking…"


def test_singular_and_empty():
    assert count_states([SyncState.UP_TO_DATE]).text() == "1 artifact · 0 changed"
    assert count_states([]).text() == "0 artifacts · 0 changed"


# --- what the window reads from History for its labels and status bar ----------


def _h(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture
def history(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'lineage.sqlite3'}")
    yield History(database)
    database.dispose()


def _add(history: History, name: str):
    return history.add_artifact(name, "skill", UpstreamSpec("folder", f"/up/{name}"), f"skills/{name}", "dir")


def test_ordinals_number_each_artifact_from_one_when_interleaved(history):
    pdf, web = _add(history, "pdf"), _add(history, "web")
    for i in range(3):  # pdf, web, pdf, web, pdf, web: global ids 1..6
        history.record_version(pdf.id, _h(f"pdf{i}"), "sync")
        history.record_version(web.id, _h(f"web{i}"), "sync")
    pdf_versions, web_versions = history.versions(pdf.id), history.versions(web.id)
    assert [v.id for v in pdf_versions] == [5, 3, 1]
    assert ordinal_by_id(pdf_versions) == {1: 1, 3: 2, 5: 3}
    assert ordinal_by_id(web_versions) == {2: 1, 4: 2, 6: 3}
    assert ordinal_by_id([]) == {}


def test_last_sync_at_is_the_newest_sync_version(history):
    assert history.last_sync_at() is None
    pdf = _add(history, "pdf")
    t0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    history.record_version(pdf.id, _h("a"), "sync", created_at=t0)
    history.record_version(pdf.id, _h("b"), "local_modification", created_at=t0 + timedelta(days=2))
    assert history.last_sync_at() == t0  # a local edit is not a sync
    history.record_version(pdf.id, _h("c"), "sync", created_at=t0 + timedelta(days=1))
    assert history.last_sync_at() == t0 + timedelta(days=1)


def test_a_waiting_merge_is_said_as_one_never_as_a_kept_local_copy():
    from core.sync import SyncResult, SyncState, describe_changes

    def result(name: str, state: SyncState, action: str, **kw) -> SyncResult:
        return SyncResult(1, name, "skill", state, action, "a" * 64, "a" * 64, None, False, conflict=True, **kw)

    text, level = describe_changes([result("review", SyncState.DIVERGED, "conflict", conflicts=("SKILL.md",)),
                                    result("pdf", SyncState.CONFLICT, "conflict")])
    assert text == "Merge waiting — Resolve…: review, pdf." and level == "warning"
    assert "kept the local copy" not in text
    text, _ = describe_changes([result("docx", SyncState.DIVERGED, "kept-local")])
    assert text == "Diverged (kept the local copy): docx."

"""Diverged artifacts: the upstream line, kept-local decisions, take-upstream's parents and
the merge strategy (core/sync/engine.py, upstream_line.py, merging.py, pending.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from core import sync
from core.content import hash_tree
from core.errors import MergeError
from core.sync import Strategy, SyncState
from core.sync.merging import abort_merge, finish_merge, pending_merge, resolve_with_choices, resolve_with_side
from core.sync.pending import has_pending, pending_place
from core.workspace import Workspace

BASE = "# pdf\n\nintro\n\n## one\nalpha\n\n## two\nbeta\n\n## three\ngamma\n"


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def diverged(ws, tmp_path, local: dict[str, str], upstream: dict[str, str], base: dict[str, str] | None = None):
    up = tmp_path / "up" / "pdf"
    up.mkdir(parents=True)
    write(up, base or {"SKILL.md": BASE, "notes.md": "n\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    first = sync.sync_artifact(ws, art.id)
    copy = Path(ws.home.collection_dir) / art.place
    write(copy, local)
    write(up, upstream)
    assert state_of(ws) is SyncState.DIVERGED
    return art, first, copy, up


def state_of(ws, name="pdf") -> SyncState:
    (status,) = sync.status_all(ws, [name])
    return status.state


def collection(ws, art):
    return ws.history.versions(art.id, line="collection")


def test_upstream_state_is_recorded_once_per_distinct_state(ws, tmp_path):
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": BASE + "local\n"}, {"notes.md": "n2\n"})
    assert sync.sync_artifact(ws, art.id).conflict  # first time: news, exit 1
    assert sync.sync_artifact(ws, art.id, Strategy.KEEP_LOCAL).state is SyncState.KEPT_LOCAL
    (kept,) = ws.history.versions(art.id, line="upstream")
    assert kept.content_hash == hash_tree(up).content_hash and kept.parent_id == first.version_id
    assert ws.objects.has_manifest(kept.content_hash)  # stored: diff and merge can read it

    write(up, {"notes.md": "n3\n"})  # upstream moves on: the decision no longer holds
    assert state_of(ws) is SyncState.DIVERGED
    again = sync.sync_artifact(ws, art.id)
    assert (again.state, again.conflict) == (SyncState.DIVERGED, True)
    newer, older = ws.history.versions(art.id, line="upstream")
    assert older.id == kept.id and newer.parent_id == kept.id and newer.metadata["decision"] == "kept_local"


def test_status_changes_nothing_for_a_diverged_artifact(ws, tmp_path):
    art, *_ = diverged(ws, tmp_path, {"SKILL.md": BASE + "local\n"}, {"notes.md": "n2\n"})
    state_of(ws)
    assert ws.history.versions(art.id, line="upstream") == []


def test_clean_merge_replaces_the_copy_and_records_both_parents(ws, tmp_path):
    local_text = BASE.replace("alpha", "ALPHA")
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": local_text}, {"SKILL.md": BASE.replace("gamma", "GAMMA")})
    result = sync.sync_artifact(ws, art.id, Strategy.MERGE)
    assert (result.state, result.action, result.conflict, result.error) == (SyncState.DIVERGED, "merged", False, None)
    assert (copy / "SKILL.md").read_text() == BASE.replace("alpha", "ALPHA").replace("gamma", "GAMMA")
    assert hash_tree(copy).content_hash == result.new_hash
    merged, local, root = collection(ws, art)
    (upstream,) = ws.history.versions(art.id, line="upstream")
    assert merged.id == result.version_id and merged.change_origin == "merge"
    assert (merged.parent_id, merged.second_parent_id) == (local.id, upstream.id)
    assert merged.metadata["base"] == first.new_hash and merged.metadata["resolved"] == "clean"
    assert local.change_origin == "local_modification"  # the local copy was stored and recorded first
    # the merged upstream state is the new base: local now only holds local edits
    assert state_of(ws) is SyncState.LOCALLY_MODIFIED
    assert sync.sync_artifact(ws, art.id).action == "kept-local"


def test_merge_keeps_unchanged_files_and_one_sided_deletions(ws, tmp_path):
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": BASE + "local\n"}, {"extra.md": "new\n"})
    (up / "notes.md").unlink()
    assert sync.sync_artifact(ws, art.id, Strategy.MERGE).action == "merged"
    assert sorted(p.name for p in copy.iterdir()) == ["SKILL.md", "extra.md"]


def test_merge_that_equals_local_records_nothing_and_is_not_asked_again(ws, tmp_path):
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": BASE + "local\n", "notes.md": "same\n"},
                                    {"notes.md": "same\n"})
    result = sync.sync_artifact(ws, art.id, Strategy.MERGE)
    assert (result.action, result.new_hash) == ("merged", result.old_hash)
    assert [v.change_origin for v in collection(ws, art)] == ["local_modification", "sync"]
    assert state_of(ws) is SyncState.LOCALLY_MODIFIED


def test_conflict_changes_nothing_and_waits_across_a_restart(ws, tmp_path):
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": BASE.replace("beta", "local beta")},
                                    {"SKILL.md": BASE.replace("beta", "upstream beta").replace("gamma", "GAMMA")})
    before = hash_tree(copy).content_hash
    result = sync.sync_artifact(ws, art.id, Strategy.MERGE)
    assert (result.action, result.conflict, result.conflicts, result.error) == ("conflict", True, ("SKILL.md",), None)
    assert hash_tree(copy).content_hash == before and (copy / "SKILL.md").read_text() == BASE.replace("beta", "local beta")
    assert [v.change_origin for v in collection(ws, art)] == ["local_modification", "sync"]  # no merge recorded
    assert has_pending(ws.home, art.id) and state_of(ws) is SyncState.CONFLICT
    again = sync.sync_artifact(ws, art.id, Strategy.TAKE_UPSTREAM)  # a waiting merge holds every strategy
    assert (again.state, again.action, again.conflict) == (SyncState.CONFLICT, "conflict", True)
    assert hash_tree(copy).content_hash == before

    home = ws.home.root
    ws.close()
    with Workspace.open(home=home) as ws2:
        pending = pending_merge(ws2, art)
        (conflict,) = pending.unresolved()
        assert conflict.text is not None and len(conflict.text.conflicts) == 1
        resolve_with_choices(ws2, pending, conflict.path, ["other"])
        outcome = finish_merge(ws2, art, pending)
        assert outcome.version_recorded
        text = (copy / "SKILL.md").read_text()
        assert text == BASE.replace("beta", "upstream beta").replace("gamma", "GAMMA")
        merged = ws2.history.head(art.id)
        (upstream,) = ws2.history.versions(art.id, line="upstream")
        assert merged.change_origin == "merge" and merged.second_parent_id == upstream.id
        assert merged.metadata["base"] == first.new_hash and merged.metadata["resolved"] == "window"
        assert not has_pending(ws2.home, art.id) and not pending_place(ws2.home, art.id).folder.exists()
        (status,) = sync.status_all(ws2, ["pdf"])
        assert status.state is SyncState.UP_TO_DATE


def test_finish_refuses_when_the_copy_changed_since_the_merge_started(ws, tmp_path):
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": BASE.replace("beta", "L")},
                                    {"SKILL.md": BASE.replace("beta", "U")})
    sync.sync_artifact(ws, art.id, Strategy.MERGE)
    pending = pending_merge(ws, art)
    resolve_with_side(pending, b"SKILL.md", "other")
    write(copy, {"SKILL.md": "edited meanwhile\n"})
    with pytest.raises(MergeError, match="changed since the merge started"):
        finish_merge(ws, art, pending)
    assert (copy / "SKILL.md").read_text() == "edited meanwhile\n"
    assert has_pending(ws.home, art.id)


def test_abort_drops_the_pending_merge(ws, tmp_path):
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": BASE.replace("beta", "L")},
                                    {"SKILL.md": BASE.replace("beta", "U")})
    sync.sync_artifact(ws, art.id, Strategy.MERGE)
    assert abort_merge(ws, art) and not abort_merge(ws, art)
    assert state_of(ws) is SyncState.DIVERGED  # no decision was made
    with pytest.raises(MergeError, match="No merge is waiting"):
        pending_merge(ws, art)


def test_single_file_artifact_merges_lines(ws, tmp_path):
    src = tmp_path / "up" / "review.md"
    src.parent.mkdir(parents=True)
    src.write_text("a\nb\nc\nd\ne\n")
    art = sync.add_artifact(ws, "review", str(src))
    sync.sync_artifact(ws, art.id)
    copy = Path(ws.home.collection_dir) / art.place
    copy.write_text("A\nb\nc\nd\ne\n")
    src.write_text("a\nb\nc\nd\nE\n")
    result = sync.sync_artifact(ws, art.id, Strategy.MERGE)
    assert result.action == "merged" and copy.read_text() == "A\nb\nc\nd\nE\n"
    assert state_of(ws, "review") is SyncState.LOCALLY_MODIFIED


def test_take_upstream_after_keep_local_overrides_the_decision(ws, tmp_path):
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": "L\n"}, {"SKILL.md": "U\n"})
    sync.sync_artifact(ws, art.id)
    assert state_of(ws) is SyncState.KEPT_LOCAL
    result = sync.sync_artifact(ws, art.id, Strategy.TAKE_UPSTREAM)
    assert (result.state, result.action) == (SyncState.KEPT_LOCAL, "replaced")
    (upstream,) = ws.history.versions(art.id, line="upstream")  # not recorded twice
    head = ws.history.head(art.id)
    assert head.second_parent_id == upstream.id
    assert "matches_version" not in head.metadata  # the same content on another line is no revert
    assert state_of(ws) is SyncState.UP_TO_DATE


def test_summary_counts_merges_and_conflicts(ws, tmp_path):
    art, *_ = diverged(ws, tmp_path, {"SKILL.md": BASE.replace("beta", "L")}, {"SKILL.md": BASE.replace("beta", "U")})
    results = sync.sync_all(ws, strategy=Strategy.MERGE)
    assert sync.summarize_results(results).text() == "0 updated, 0 locally modified, 1 with merge conflicts, 0 up to date, 0 failed"


def test_divergence_diffs_each_side_against_the_base_and_writes_nothing(ws, tmp_path):
    from core.sync.divergence import divergence_of

    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": BASE.replace("alpha", "local alpha")},
                                    {"notes.md": "upstream notes\n"})
    before = set(p.name for p in Path(ws.home.objects_dir).rglob("*"))
    d = divergence_of(ws, art.id)
    assert d.base == first.new_hash
    (local,) = d.local
    (upstream,) = d.upstream
    assert local.change.display_path == "SKILL.md" and upstream.change.display_path == "notes.md"
    assert [(l.kind, l.text) for l in local.lines if l.kind in "+-"] == [("-", "alpha"), ("+", "local alpha")]
    assert [(l.kind, l.text) for l in upstream.lines if l.kind in "+-"] == [("-", "n"), ("+", "upstream notes")]
    assert set(p.name for p in Path(ws.home.objects_dir).rglob("*")) == before  # upstream read in place
    assert ws.history.versions(art.id, line="upstream") == []


def test_damaged_pending_merge_is_one_clear_error(ws, tmp_path):
    art, first, copy, up = diverged(ws, tmp_path, {"SKILL.md": BASE.replace("beta", "L")},
                                    {"SKILL.md": BASE.replace("beta", "U")})
    sync.sync_artifact(ws, art.id, Strategy.MERGE)
    pending_place(ws.home, art.id).state_file.write_text("{not json")
    with pytest.raises(MergeError, match="abandon"):
        pending_merge(ws, art)
    assert abort_merge(ws, art)  # dropping it still works
    assert state_of(ws) is SyncState.DIVERGED

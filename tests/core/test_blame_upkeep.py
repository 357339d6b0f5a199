"""The blame cache kept current as versions are recorded (core.ancestry.blame_upkeep): after a
record, Blame on the new head reads no content; a record never walks far, never fails for
the cache, and the checkpoints of a long history outlive many records."""
from __future__ import annotations

import importlib
import pytest

from core import sync
from core.ancestry import blame_cache_dir, blame_file, blame_keys
from core.workspace import Workspace
from tests.core.test_blame import art, put, record  # noqa: F401 - fixtures and helpers shared with test_blame

upkeep = importlib.import_module("core.ancestry.blame_upkeep")
blame_module = importlib.import_module("core.ancestry.blame")
cache_module = importlib.import_module("core.ancestry.blame_cache")


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def owners(result):
    return [(line.text, line.version_id) for line in result.lines]


def entries(ws, art, pattern="*.blame"):
    folder = blame_cache_dir(ws) / str(art.id)
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def reads_of(ws, monkeypatch) -> list[str]:
    reads: list[str] = []
    real = ws.objects.read_bytes
    monkeypatch.setattr(ws.objects, "read_bytes", lambda d: reads.append(d) or real(d))
    return reads


def digest_of(ws, version, path=b"SKILL.md"):
    return next(e.digest for e in ws.objects.get_manifest(version.content_hash).entries if e.path == path)


def chain(ws, art, count, start=None, text=""):
    versions = [start] if start else []
    for i in range(count):
        text += f"line {len(versions)} {i}\n"
        versions.append(record(ws, art, text, "sync", parent=versions[-1] if versions else None))
    return versions[1:] if start else versions, text


def test_a_short_history_nobody_blamed_is_left_to_its_first_blame(ws, art):
    chain(ws, art, upkeep.KEEP_FROM - 1)
    assert entries(ws, art) == []


def test_a_line_keeps_one_entry_for_its_head_and_another_lines_head_keeps_its_own(ws, art):
    (v1, v2), text = chain(ws, art, 2)
    blame_file(ws, art.id)
    (v3,), text = chain(ws, art, 1, start=v2, text=text)
    keys = blame_keys({v.id: v for v in ws.history.versions(art.id)}, b"SKILL.md")
    names = {p.name.partition(".")[0] for p in entries(ws, art)}
    assert names == {keys[v3.id]}  # v2's entry went when v3 replaced it as the collection's head
    web = record(ws, art, text + "web\n", "deployment", line="web", parent=v3)
    names = {p.name.partition(".")[0] for p in entries(ws, art)}
    assert names == {keys[v3.id], blame_keys({v.id: v for v in ws.history.versions(art.id)}, b"SKILL.md")[web.id]}


def test_once_blamed_each_record_keeps_the_head_current_and_blame_reads_nothing(ws, art, monkeypatch):
    (v1, v2), text = chain(ws, art, 2)
    blame_file(ws, art.id)
    reads = reads_of(ws, monkeypatch)
    v3 = record(ws, art, "top\n" + text, "sync", parent=v2)
    assert reads == [digest_of(ws, v3)]  # the record read its own content only
    reads.clear()
    got = blame_file(ws, art.id)
    assert reads == []
    # a push on top: the project's version, then the collection's taking it as second parent
    web = record(ws, art, "top\n" + text + "web\n", "local_modification", line="web", parent=v3)
    pushed = record(ws, art, "top\n" + text + "web\n", "sync", parent=v3, second=web)
    reads.clear()
    got = blame_file(ws, art.id)
    assert reads == [] and got.version.id == pushed.id
    monkeypatch.undo()
    assert owners(got) == owners(blame_file(ws, art.id, use_cache=False))
    assert got.lines[0].version_id == v3.id and got.lines[-1].version_id == web.id


def test_a_history_reaching_keep_from_is_blamed_once_then_a_step_per_record(ws, art, monkeypatch):
    monkeypatch.setattr(upkeep, "KEEP_FROM", 4)
    versions, text = chain(ws, art, 3)
    assert entries(ws, art) == []
    reads = reads_of(ws, monkeypatch)
    (v4,), text = chain(ws, art, 1, start=versions[-1], text=text)
    assert len(reads) == 4  # the whole short history, once
    reads.clear()
    (v5,), text = chain(ws, art, 1, start=v4, text=text)
    assert reads == [digest_of(ws, v5)]
    reads.clear()
    got = blame_file(ws, art.id)
    assert reads == []
    monkeypatch.undo()
    assert owners(got) == owners(blame_file(ws, art.id, use_cache=False))


def test_a_record_never_walks_a_long_history_nothing_was_cached_for(ws, art, monkeypatch):
    monkeypatch.setattr(upkeep, "KEEP_FROM", 2)
    monkeypatch.setattr(upkeep, "MAX_WALK", 4)
    ws.history.recorded_listeners.clear()  # a history kept before this app kept blame current
    versions, text = chain(ws, art, 6)
    ws.history.recorded_listeners.append(ws._keep_blame_cache_current)
    reads = reads_of(ws, monkeypatch)
    loads: list[int] = []
    real_versions = ws.history.versions
    monkeypatch.setattr(ws.history, "versions", lambda *a, **k: loads.append(1) or real_versions(*a, **k))
    (v7,), text = chain(ws, art, 1, start=versions[-1], text=text)
    assert reads == [] and loads == [] and entries(ws, art) == []  # left to its first blame, nothing loaded
    blame_file(ws, art.id)  # the first blame walks it all, once
    reads.clear()
    (v8,), _ = chain(ws, art, 1, start=v7, text=text)
    assert reads == [digest_of(ws, v8)]  # and from then on each record is a step


def test_a_record_never_walks_far_from_the_nearest_cached_version(ws, art, monkeypatch):
    monkeypatch.setattr(upkeep, "KEEP_FROM", 2)
    monkeypatch.setattr(upkeep, "MAX_WALK", 4)
    ws.history.recorded_listeners.clear()
    versions, text = chain(ws, art, 8)
    blame_file(ws, art.id, version_id=versions[0].id)  # only v1 cached: v9 would walk 8 versions from it
    ws.history.recorded_listeners.append(ws._keep_blame_cache_current)
    reads = reads_of(ws, monkeypatch)
    chain(ws, art, 1, start=versions[-1], text=text)
    assert reads == [] and len(entries(ws, art)) == 1


def test_the_checkpoints_of_a_long_history_outlive_many_records(ws, art, monkeypatch):
    monkeypatch.setattr(upkeep, "KEEP_FROM", 1)
    monkeypatch.setattr(blame_module, "CHECKPOINT_EVERY", 3)
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 2)
    versions, _ = chain(ws, art, 13)
    assert len(entries(ws, art, "*.checkpoint.blame")) == 4  # depths 3, 6, 9, 12
    assert len(entries(ws, art)) == 1 + 4  # the head's, each record having replaced its parent's
    for v in (versions[1], versions[4], versions[10]):  # older versions blamed: recent entries, trimmed to 2
        blame_file(ws, art.id, version_id=v.id)
    assert len(entries(ws, art)) == 2 + 4 and len(entries(ws, art, "*.checkpoint.blame")) == 4
    reads = reads_of(ws, monkeypatch)
    older = blame_file(ws, art.id, version_id=versions[7].id)  # v8: resumes from v6's checkpoint
    assert len(reads) == 2
    monkeypatch.undo()
    assert owners(older) == owners(blame_file(ws, art.id, version_id=versions[7].id, use_cache=False))


def test_what_cannot_be_blamed_leaves_the_cache_and_the_record_alone(ws, art, monkeypatch):
    monkeypatch.setattr(upkeep, "KEEP_FROM", 1)
    v1 = record(ws, art, "\0binary\n", "sync")  # a binary SKILL.md
    v2 = record(ws, art, "", "sync", parent=v1, files={"a.md": "a\n", "b.md": "b\n"})  # no default file
    missing = ws.history.record_version(art.id, "f" * 64, "sync", parent_id=v2.id)  # content not in the store
    assert missing.recorded and entries(ws, art) == []


def test_a_database_failing_after_the_commit_leaves_the_cache_quietly(ws, art, monkeypatch):
    import warnings

    from core.errors import DatabaseError

    def unreachable(artifact_id):
        raise DatabaseError("The database is unreachable.")

    monkeypatch.setattr(ws.history, "version_count", unreachable)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the upkeep says nothing: only a bug in it is a warning
        v1 = record(ws, art, "a\n", "sync")
    assert ws.history.head(art.id).id == v1.id and entries(ws, art) == []


def test_a_failing_listener_is_said_and_the_version_stays_recorded(ws, art):
    def broken(version):
        raise RuntimeError("a bug")

    ws.history.recorded_listeners.append(broken)
    with pytest.warns(RuntimeWarning, match=r"Recorded version #\d+, but .*broken failed after it .*nothing is lost"):
        v1 = record(ws, art, "a\n", "sync")
    assert ws.history.head(art.id).id == v1.id


def test_a_sync_keeps_the_blame_of_the_new_head_current(ws, tmp_path, monkeypatch):
    up = tmp_path / "up" / "pdf"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# pdf\nintro\n")
    art = sync.add_artifact(ws, "pdf", str(up))
    sync.sync_artifact(ws, art.id)
    blame_file(ws, art.id)
    (up / "SKILL.md").write_text("# pdf\nintro\nnew upstream line\n")
    assert sync.sync_artifact(ws, art.id).action == "replaced"
    reads = reads_of(ws, monkeypatch)
    got = blame_file(ws, art.id)
    assert reads == []
    assert [line.text for line in got.lines] == ["# pdf", "intro", "new upstream line"]
    first, second = ws.history.versions(art.id)[::-1]
    assert [line.version_id for line in got.lines] == [first.id, first.id, second.id]


def test_a_closed_workspace_keeps_nothing(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    assert w.history.recorded_listeners == [w._keep_blame_cache_current]
    w.close()
    assert w.history.recorded_listeners == []


def test_a_read_only_workspace_keeps_nothing(tmp_path, monkeypatch):
    import os

    home = tmp_path / "home"
    Workspace.open(home=home).close()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK else real(p, mode, **kw))
    ro = Workspace.open(home=home)
    try:
        assert ro.read_only and ro.history.recorded_listeners == []
    finally:
        ro.close()

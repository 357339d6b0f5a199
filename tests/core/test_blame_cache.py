"""The blame cache (core.ancestry.blame_cache): same owners as a cold blame, resumes from cached
ancestors, and a damaged entry or another history never gives a wrong owner."""
from __future__ import annotations

import importlib
import os
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from core.ancestry import BlameCache, blame, blame_cache_dir, blame_file, blame_keys
from core.history import VersionInfo
from core.workspace import Workspace
from tests.core.test_blame import art, put, record  # noqa: F401 - fixtures and helpers shared with test_blame

blame_module = importlib.import_module("core.ancestry.blame")  # the module (the package exports a function of that name)


@pytest.fixture
def ws(tmp_path):
    """A workspace whose records leave the blame cache alone (core.ancestry.blame_upkeep off):
    these tests fill the cache by blaming; tests/core/test_blame_upkeep.py covers records."""
    w = Workspace.open(home=tmp_path / "home")
    w.history.recorded_listeners.clear()
    yield w
    w.close()


def owners(result):
    return [(line.text, line.version_id) for line in result.lines]


def entries(ws, art):
    folder = blame_cache_dir(ws) / str(art.id)
    return sorted(folder.glob("*.blame")) if folder.is_dir() else []


def counting_reads(ws, monkeypatch) -> list[str]:
    reads: list[str] = []
    real = ws.objects.read_bytes
    monkeypatch.setattr(ws.objects, "read_bytes", lambda d: reads.append(d) or real(d))
    return reads


def history(ws, art):
    """A small DAG: a collection line, an upstream side merged in, and a project edit pushed back."""
    v1 = record(ws, art, "a\nb\nc\n", "sync")
    v2 = record(ws, art, "a\nb\nc\nd\n", "sync", parent=v1)
    up = record(ws, art, "u\na\nb\nc\n", "sync", line="upstream", parent=v1)
    merged = record(ws, art, "u\na\nb\nc\nd\nm\n", "merge", parent=v2, second=up)
    web = record(ws, art, "u\na\nweb\nb\nc\nd\nm\n", "local_modification", line="web", parent=merged)
    pushed = record(ws, art, "u\na\nweb\nb\nc\nd\nm\n", "sync", parent=merged, second=web)
    return [v1, v2, up, merged, web, pushed]


def test_a_cache_hit_equals_the_cold_result_and_reads_no_content(ws, art, monkeypatch):
    history(ws, art)
    cold = blame_file(ws, art.id, use_cache=False)
    assert entries(ws, art) == []  # use_cache=False neither reads nor writes
    first = blame_file(ws, art.id)
    assert len(entries(ws, art)) == 1
    reads = counting_reads(ws, monkeypatch)
    again = blame_file(ws, art.id)
    assert reads == []
    assert owners(again) == owners(first) == owners(cold)
    assert again.versions.keys() == cold.versions.keys() and again.version == cold.version


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped", "other key"])
def test_a_damaged_entry_is_recomputed_never_an_error(ws, art, damage):
    history(ws, art)
    cold = owners(blame_file(ws, art.id, use_cache=False))
    blame_file(ws, art.id)
    (entry,) = entries(ws, art)
    raw = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"not a cache entry")
    elif damage == "truncated":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "flipped":
        entry.write_bytes(raw[:20] + bytes([raw[20] ^ 0xFF]) + raw[21:])
    else:  # a sound entry under another key's name (copied, renamed)
        blame_file(ws, art.id, version_id=ws.history.versions(art.id)[-1].id)  # v1's entry
        other = [e for e in entries(ws, art) if e != entry][0]
        entry.write_bytes(other.read_bytes())
    assert owners(blame_file(ws, art.id)) == cold
    assert entry.read_bytes() != b"" and owners(blame_file(ws, art.id)) == cold  # written again, sound


def test_an_unreadable_cache_folder_is_no_error(ws, art):
    history(ws, art)
    cold = owners(blame_file(ws, art.id, use_cache=False))
    folder = blame_cache_dir(ws)
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_bytes(b"a file where the folder should be")
    assert owners(blame_file(ws, art.id)) == cold


def test_a_version_on_top_of_a_cached_head_reads_only_its_own_content(ws, art, monkeypatch):
    *_, head = history(ws, art)
    blame_file(ws, art.id)
    new = record(ws, art, "u\na\nweb\nb\nnew\nc\nd\nm\n", "sync", parent=head)
    reads = counting_reads(ws, monkeypatch)
    got = blame_file(ws, art.id)
    digest = ws.objects.get_manifest(new.content_hash).entries[0].digest
    assert reads == [digest]
    monkeypatch.undo()
    assert owners(got) == owners(blame_file(ws, art.id, use_cache=False))
    # a push on top (a project edit, then the collection version taking it as second parent): one read too
    web = record(ws, art, "u\na\nweb\nb\nnew\nc\nd\nm\nmore web\n", "local_modification", line="web", parent=new)
    record(ws, art, "u\na\nweb\nb\nnew\nc\nd\nm\nmore web\n", "sync", parent=new, second=web)
    reads = counting_reads(ws, monkeypatch)
    got = blame_file(ws, art.id)
    assert len(reads) == 1
    monkeypatch.undo()
    assert got.lines[-1].version_id == web.id
    assert owners(got) == owners(blame_file(ws, art.id, use_cache=False))


def test_a_walk_leaves_checkpoints_so_an_older_version_resumes_near_it(ws, art, monkeypatch):
    monkeypatch.setattr(blame_module, "CHECKPOINT_EVERY", 3)
    chain = []
    text = ""
    for i in range(10):
        text += f"line {i}\n"
        chain.append(record(ws, art, text, "sync", parent=chain[-1] if chain else None))
    cold = {v.id: owners(blame_file(ws, art.id, version_id=v.id, use_cache=False)) for v in chain}
    blame_file(ws, art.id)
    assert len(entries(ws, art)) == 4  # depths 3, 6, 9 and the head
    reads = counting_reads(ws, monkeypatch)
    assert owners(blame_file(ws, art.id, version_id=chain[7].id)) == cold[chain[7].id]
    assert len(reads) == 2  # v8 and v7; v6's owners and text come from its checkpoint
    monkeypatch.undo()
    for v in chain:
        assert owners(blame_file(ws, art.id, version_id=v.id)) == cold[v.id]


def test_a_branch_around_a_cached_version_still_blames_right(ws, art):
    v1 = record(ws, art, "a\nb\n", "sync")
    v2 = record(ws, art, "a\nb\nc\n", "sync", parent=v1)
    blame_file(ws, art.id)  # v2 cached
    web = record(ws, art, "a\nweb\nb\n", "local_modification", line="web", parent=v1)  # from v1, around v2
    merged = record(ws, art, "a\nweb\nb\nc\n", "merge", parent=v2, second=web)
    assert owners(blame_file(ws, art.id)) == owners(blame_file(ws, art.id, use_cache=False)) == [
        ("a", v1.id), ("web", web.id), ("b", v1.id), ("c", v2.id)]
    assert merged


def _version(vid, content_hash, parent=None, second=None):
    return VersionInfo(vid, 1, content_hash, None, parent, second, "sync", datetime(2026, 1, 1, tzinfo=timezone.utc))


def test_keys_change_with_the_history_and_the_path():
    a = {1: _version(1, "h1"), 2: _version(2, "h2", 1), 3: _version(3, "h3", 2)}
    keys = blame_keys(a, b"SKILL.md")
    assert len(set(keys.values())) == 3
    assert blame_keys(a, b"other.md")[3] != keys[3]
    assert blame_keys({**a, 1: _version(1, "rewritten")}, b"SKILL.md")[3] != keys[3]  # an ancestor's content
    assert blame_keys({**a, 2: _version(2, "h2")}, b"SKILL.md")[3] != keys[3]  # a parent link dropped
    assert blame_keys({**a, 3: _version(3, "h3", 2, 1)}, b"SKILL.md")[3] != keys[3]  # a second parent
    assert blame_keys({**a, 4: _version(4, "h4", 3)}, b"SKILL.md")[3] == keys[3]  # a descendant changes nothing
    assert blame_keys({1: _version(1, "h1", 2), 2: _version(2, "h2")}, b"SKILL.md") == {}  # ids out of order


def test_a_rewritten_history_with_the_same_ids_never_gets_the_old_owners(ws, art, tmp_path):
    v1 = record(ws, art, "a\nb\n", "sync")
    v2 = record(ws, art, "a\nb\nc\n", "sync", parent=v1)
    cache = BlameCache(tmp_path / "cache")
    first = blame(ws.objects, [v1, v2], v2, b"SKILL.md", cache=cache)
    assert [line.version_id for line in first.lines] == [v1.id, v1.id, v2.id]
    # the same ids over other contents (another database behind the data folder, a rewrite)
    other_root = replace(v1, content_hash=put(ws, {"SKILL.md": "a\n"}))
    rewritten = blame(ws.objects, [other_root, v2], v2, b"SKILL.md", cache=cache)
    assert [line.version_id for line in rewritten.lines] == [v1.id, v2.id, v2.id]
    # v2 made a root: all its lines are its own
    alone = blame(ws.objects, [replace(v2, parent_id=None, parent_hash=None)], replace(v2, parent_id=None), b"SKILL.md",
                  cache=cache)
    assert {line.version_id for line in alone.lines} == {v2.id}


def test_another_path_of_the_same_version_has_its_own_entry(ws, art):
    v1 = record(ws, art, "", "sync", files={"SKILL.md": "a\n", "notes.md": "x\n"})
    v2 = record(ws, art, "", "sync", parent=v1, files={"SKILL.md": "a\nb\n", "notes.md": "y\nx\n"})
    skill = owners(blame_file(ws, art.id, "SKILL.md"))
    notes = owners(blame_file(ws, art.id, "notes.md"))
    assert skill == [("a", v1.id), ("b", v2.id)] and notes == [("y", v2.id), ("x", v1.id)]
    assert owners(blame_file(ws, art.id, "notes.md")) == notes and owners(blame_file(ws, art.id, "SKILL.md")) == skill


def test_a_read_only_cache_reads_entries_and_writes_none(ws, art, tmp_path):
    v1 = record(ws, art, "a\n", "sync")
    cache = BlameCache(tmp_path / "ro", writable=False)
    blame(ws.objects, [v1], v1, b"SKILL.md", cache=cache)
    assert not (tmp_path / "ro").exists()


def test_the_folder_keeps_its_most_recently_used_entries(ws, art, monkeypatch):
    import core.ancestry.blame_cache as cache_module

    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 3)
    chain = []
    for i in range(5):
        chain.append(record(ws, art, f"{i}\n" * (i + 1), "sync", parent=chain[-1] if chain else None))
        blame_file(ws, art.id)
    assert len(entries(ws, art)) == 3
    stale = blame_cache_dir(ws) / str(art.id) / ".tmp-killed"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    chain.append(record(ws, art, "last\n", "sync", parent=chain[-1]))
    blame_file(ws, art.id)
    assert not stale.exists() and len(entries(ws, art)) == 3


def test_a_checkpoint_of_a_binary_file_is_still_refused_as_binary(ws, art, monkeypatch):
    from core.errors import FileNotInVersionError

    monkeypatch.setattr(blame_module, "CHECKPOINT_EVERY", 2)
    v1 = record(ws, art, "a\n", "sync")
    v2 = record(ws, art, "\0binary\n", "sync", parent=v1)
    record(ws, art, "a\nb\n", "sync", parent=v2)
    blame_file(ws, art.id)
    assert len(entries(ws, art)) == 2  # the head and v2, a checkpoint
    for _ in range(2):
        with pytest.raises(FileNotInVersionError, match="binary"):
            blame_file(ws, art.id, version_id=v2.id)


def test_the_text_comes_ahead_of_a_long_walk_and_not_with_a_cache_hit(ws, art, monkeypatch):
    *_, head = history(ws, art)
    texts: list[bytes] = []
    blame_file(ws, art.id, on_text=texts.append, use_cache=False)
    assert texts == []  # a short walk: over before the lines could be shown
    monkeypatch.setattr(blame_module, "LONG_WALK", 6)  # the whole walk, 6 versions, counts as long
    got = blame_file(ws, art.id, on_text=texts.append)
    assert texts == [b"u\na\nweb\nb\nc\nd\nm\n"]
    assert [line.text for line in got.lines] == blame_module.text_lines(texts[0])
    texts.clear()
    blame_file(ws, art.id, on_text=texts.append)  # answered from the cache: nothing to wait for
    assert texts == []

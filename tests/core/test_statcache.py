"""Stat cache: trusted only when size, mtime_ns, inode and ctime_ns all match and the file
was not written within the timestamp granularity of the moment its digest was read."""
from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

import core.content.readers as readers
from core.content import hash_tree
from core.content.statcache import DEFAULT_GRANULARITY_NS, StatCache

HOUR_NS = 3600 * 10**9


def make_tree(root: Path, files: dict[str, bytes], age_ns: int = HOUR_NS) -> None:
    """Files with an mtime in the past, as real files are (outside the racy window)."""
    old = time.time_ns() - age_ns
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        os.utime(p, ns=(old, old))


@pytest.fixture
def reads(monkeypatch) -> list[bytes]:
    """Every file whose contents hash_tree reads."""
    seen: list[bytes] = []
    real = readers._digest_path

    def counting(path: bytes, size: int, *rest) -> str | None:
        seen.append(path)
        return real(path, size, *rest)

    monkeypatch.setattr(readers, "_digest_path", counting)
    return seen


FILES = {"SKILL.md": b"skill v1", "scripts/run.py": b"print('hi')", "refs/a.md": b"a" * 3000}


def test_warm_run_gives_same_hashes_and_reads_nothing(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    cache = StatCache(tmp_path / "cache.sqlite3")
    cold = hash_tree(tmp_path / "art", cache=cache)
    assert len(reads) == 3
    reads.clear()
    warm = hash_tree(tmp_path / "art", cache=cache)
    assert warm == cold
    assert reads == []
    assert cold == hash_tree(tmp_path / "art")  # and the same as with no cache at all


def test_cache_survives_reopen(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    cache_path = tmp_path / "cache" / "statcache.sqlite3"  # the parent folder is created on save
    first = StatCache(cache_path)
    cold = hash_tree(tmp_path / "art", cache=first)
    first.save()
    reads.clear()

    reopened = StatCache(cache_path)
    assert len(reopened) == 3
    assert hash_tree(tmp_path / "art", cache=reopened) == cold
    assert reads == []


def test_unsaved_entries_are_not_persisted(tmp_path: Path) -> None:
    make_tree(tmp_path / "art", FILES)
    cache_path = tmp_path / "c.sqlite3"
    hash_tree(tmp_path / "art", cache=StatCache(cache_path))
    assert len(StatCache(cache_path)) == 0


def test_same_size_edit_with_new_mtime_is_noticed(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    cache = StatCache(None)
    before = hash_tree(tmp_path / "art", cache=cache)
    target = tmp_path / "art" / "SKILL.md"
    target.write_bytes(b"skill v2")  # same size
    newer = time.time_ns() - HOUR_NS // 2  # a different mtime, still outside the racy window
    os.utime(target, ns=(newer, newer))
    reads.clear()
    after = hash_tree(tmp_path / "art", cache=cache)
    assert reads == [os.fsencode(target)]
    assert after.content_hash != before.content_hash
    digest = {e.path: e.digest for e in after.entries}[b"SKILL.md"]
    assert digest == hashlib.sha256(b"skill v2").hexdigest()


def test_edit_with_mtime_restored_is_noticed_by_ctime(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    target = tmp_path / "art" / "SKILL.md"
    cache = StatCache(None)
    before = hash_tree(tmp_path / "art", cache=cache)
    old = os.stat(target)
    time.sleep(0.05)  # let the (coarse) kernel clock move on, so ctime can differ
    target.write_bytes(b"skill v3")  # same size, same inode
    os.utime(target, ns=(old.st_atime_ns, old.st_mtime_ns))  # mtime put back, like `touch -r`
    now = os.stat(target)
    assert (now.st_size, now.st_mtime_ns, now.st_ino) == (old.st_size, old.st_mtime_ns, old.st_ino)
    assert now.st_ctime_ns != old.st_ctime_ns
    reads.clear()
    after = hash_tree(tmp_path / "art", cache=cache)
    assert reads == [os.fsencode(target)]
    assert after.content_hash != before.content_hash


def test_replaced_file_with_same_size_and_mtime_is_noticed_by_inode(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    target = tmp_path / "art" / "SKILL.md"
    cache = StatCache(None)
    hash_tree(tmp_path / "art", cache=cache)
    old = os.stat(target)
    replacement = tmp_path / "art" / "new.tmp"
    replacement.write_bytes(b"skill v4")
    os.utime(replacement, ns=(old.st_atime_ns, old.st_mtime_ns))
    keep = tmp_path / "keep"  # hold the old inode so it cannot be reused
    os.link(target, keep)
    os.replace(replacement, target)
    assert os.stat(target).st_ino != old.st_ino
    reads.clear()
    after = hash_tree(tmp_path / "art", cache=cache)
    assert reads == [os.fsencode(target)]
    assert {e.path: e.digest for e in after.entries}[b"SKILL.md"] == hashlib.sha256(b"skill v4").hexdigest()


def test_file_modified_just_now_is_reread(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    fresh = tmp_path / "art" / "fresh.md"
    fresh.write_bytes(b"written just now")  # mtime ~ now: within the racy window
    cache = StatCache(None)
    hash_tree(tmp_path / "art", cache=cache)
    reads.clear()
    hash_tree(tmp_path / "art", cache=cache)
    assert reads == [os.fsencode(fresh)]  # only the racy file, every time it is racy
    reads.clear()
    hash_tree(tmp_path / "art", cache=cache)
    assert reads == [os.fsencode(fresh)]


def test_racy_entry_is_not_persisted_as_trusted(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"x")
    st = os.stat(p)
    key = os.fsencode(p)
    path = tmp_path / "c.sqlite3"
    cache = StatCache(path)
    cache.store(key, st, "d" * 64, read_at_ns=st.st_mtime_ns + DEFAULT_GRANULARITY_NS // 2)
    assert cache.lookup(key, st) is None
    cache.save()
    assert StatCache(path).lookup(key, st) is None
    # read again once the file is old enough: now it is trusted, and stays trusted
    cache.store(key, st, "d" * 64, read_at_ns=st.st_mtime_ns + 2 * DEFAULT_GRANULARITY_NS)
    assert cache.lookup(key, st) == "d" * 64
    cache.save()
    assert StatCache(path).lookup(key, st) == "d" * 64


def test_racy_boundary(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"x")
    st = os.stat(p)
    cache = StatCache(None, granularity_ns=1000)
    cache.store(b"/k", st, "a" * 64, read_at_ns=st.st_mtime_ns + 1000)  # mtime == read_at - g: racy
    assert cache.lookup(b"/k", st) is None
    cache.store(b"/k", st, "a" * 64, read_at_ns=st.st_mtime_ns + 1001)
    assert cache.lookup(b"/k", st) == "a" * 64


@pytest.mark.parametrize("field", ["st_size", "st_mtime_ns", "st_ino", "st_ctime_ns"])
def test_any_field_mismatch_is_a_miss(tmp_path: Path, field: str) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"x")
    st = os.stat(p)
    cache = StatCache(None)
    cache.store(b"/k", st, "a" * 64, read_at_ns=st.st_mtime_ns + HOUR_NS)
    assert cache.lookup(b"/k", st) == "a" * 64

    class Changed:
        def __getattr__(self, name: str):
            value = getattr(st, name)
            return value + 1 if name == field else value

    assert cache.lookup(b"/k", Changed()) is None  # type: ignore[arg-type]
    assert cache.lookup(b"/other", st) is None


def test_memory_only_cache_writes_no_file(tmp_path: Path, data_home: Path) -> None:
    make_tree(tmp_path / "art", FILES)
    cache = StatCache(None)
    hash_tree(tmp_path / "art", cache=cache)
    cache.save()
    assert len(cache) == 3
    assert list(tmp_path.glob("*.sqlite3")) == [] and list(data_home.rglob("*")) == []


def test_corrupt_cache_file_starts_empty(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    cache = StatCache(path)  # no error: the cache is only an accelerator
    assert len(cache) == 0
    cold = hash_tree(tmp_path / "art", cache=cache)
    cache.save()
    reads.clear()
    assert hash_tree(tmp_path / "art", cache=StatCache(path)) == cold
    assert reads == []


def test_concurrent_stores_and_lookups(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"x")
    st = os.stat(p)
    cache = StatCache(tmp_path / "c.sqlite3")
    late = st.st_mtime_ns + HOUR_NS

    def worker(n: int) -> None:
        for i in range(500):
            key = f"/t{n}/{i}".encode()
            cache.store(key, st, f"{n:032x}{i:032x}", read_at_ns=late)
            assert cache.lookup(key, st) == f"{n:032x}{i:032x}"

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cache.save()
    assert len(StatCache(tmp_path / "c.sqlite3")) == 2000


def test_forget_drops_entries_below_a_folder(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    make_tree(tmp_path / "art2", FILES)
    path = tmp_path / "c.sqlite3"
    cache = StatCache(path)
    hash_tree(tmp_path / "art", cache=cache)
    hash_tree(tmp_path / "art2", cache=cache)
    cache.save()
    cache.forget(os.fsencode(tmp_path / "art"))
    assert len(cache) == 3 and len(StatCache(path)) == 3


def test_folder_snapshot_notices_added_and_removed_names(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    cache = StatCache(tmp_path / "c.sqlite3")
    first = hash_tree(tmp_path / "art", cache=cache)
    make_tree(tmp_path / "art", {"refs/b.md": b"new"})
    reads.clear()
    added = hash_tree(tmp_path / "art", cache=cache)
    assert reads == [os.fsencode(tmp_path / "art" / "refs" / "b.md")]  # the others come from the snapshot
    assert added == hash_tree(tmp_path / "art") != first
    (tmp_path / "art" / "refs" / "b.md").unlink()
    reads.clear()
    assert hash_tree(tmp_path / "art", cache=cache) == first
    assert reads == []


def test_folder_snapshot_is_persisted_and_a_damaged_one_is_a_miss(tmp_path: Path, reads: list[bytes]) -> None:
    import sqlite3

    make_tree(tmp_path / "art", FILES)
    path = tmp_path / "c.sqlite3"
    cache = StatCache(path)
    cold = hash_tree(tmp_path / "art", cache=cache)
    cache.save()
    reads.clear()
    assert hash_tree(tmp_path / "art", cache=StatCache(path)) == cold
    assert reads == []
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE trees SET snapshot = x'00ff00ff'")
    assert hash_tree(tmp_path / "art", cache=StatCache(path)) == cold  # re-read, not an error
    assert len(reads) == 3


def test_snapshot_manifest_is_built_only_when_asked_and_old_snapshots_still_read(
    tmp_path: Path, reads: list[bytes]
) -> None:
    import marshal
    import sqlite3

    make_tree(tmp_path / "art", FILES)
    os.chmod(tmp_path / "art" / "scripts" / "run.py", 0o755)
    os.symlink("../SKILL.md", tmp_path / "art" / "refs" / "link.md")
    path = tmp_path / "c.sqlite3"
    cache = StatCache(path)
    cold = hash_tree(tmp_path / "art", cache=cache)
    assert [e.kind for e in cold.entries] == ["f", "f", "l", "x"]
    cache.save()
    reads.clear()
    warm = hash_tree(tmp_path / "art", cache=StatCache(path))
    assert "entries" not in warm.__dict__  # the content hash came without building the manifest
    assert warm.content_hash == cold.content_hash
    assert warm.entries == cold.entries and warm == cold and reads == []  # rebuilt from keys + digests
    # a snapshot of the earlier layout: the manifest rows themselves in the digests' place
    with sqlite3.connect(path) as raw:
        (blob,) = raw.execute("SELECT snapshot FROM trees").fetchone()
        content_hash, cached_at, max_mtime, digests, keys = marshal.loads(blob)
        assert digests == "".join(e.digest for e in cold.entries)
        rows = tuple((e.path, e.kind, e.digest, e.size) for e in cold.entries)
        raw.execute("UPDATE trees SET snapshot = ?", (marshal.dumps((content_hash, cached_at, max_mtime, rows, keys)),))
    assert hash_tree(tmp_path / "art", cache=StatCache(path)).entries == cold.entries and reads == []
    # digests that do not fit the keys: reused digests are a miss, never wrong
    with sqlite3.connect(path) as raw:
        bad = marshal.dumps((content_hash, cached_at, max_mtime, digests[:-64], keys))
        raw.execute("UPDATE trees SET snapshot = ?", (bad,))
    make_tree(tmp_path / "art", {"new.md": b"n"})
    expected = hash_tree(tmp_path / "art")
    reads.clear()
    assert hash_tree(tmp_path / "art", cache=StatCache(path)) == expected
    assert len(reads) == len(FILES) + 1


def test_racy_folder_snapshot_is_not_trusted_whole(tmp_path: Path, reads: list[bytes]) -> None:
    make_tree(tmp_path / "art", FILES)
    cache = StatCache(None)
    hash_tree(tmp_path / "art", cache=cache)
    (tmp_path / "art" / "fresh.md").write_bytes(b"now")  # within the racy window
    hash_tree(tmp_path / "art", cache=cache)
    reads.clear()
    tree = hash_tree(tmp_path / "art", cache=cache)
    assert reads == [os.fsencode(tmp_path / "art" / "fresh.md")]
    assert tree == hash_tree(tmp_path / "art")


def test_save_into_an_unusable_folder_keeps_rows_and_raises_nothing(tmp_path):
    """The cache only saves time: a folder that cannot be made must not fail a hash."""
    from core.content import hash_tree

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.txt").write_text("a\n")
    cache = StatCache(blocker / "cache" / "statcache.sqlite3")
    first = hash_tree(tree, cache=cache)
    cache.save()  # mkdir fails with NotADirectoryError: swallowed, rows kept
    assert len(cache) == 1
    assert hash_tree(tree, cache=cache).content_hash == first.content_hash

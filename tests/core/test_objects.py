"""Object store: round trips, deduplication, verification, safety, atomic writes."""
from __future__ import annotations

import hashlib
import os
import stat
import threading
import tracemalloc
import zlib
from pathlib import Path

import pytest

from core.errors import CorruptObjectError, MissingObjectError, ObjectStoreError, UnsafeEntryError
from core.content import ManifestEntry, TreeHash, content_hash_of, hash_tree
from core.store import MANIFEST_HEADER, ObjectStore

NON_UTF8 = b"caf\xe9-latin1.txt"  # not valid UTF-8


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def temp_leftovers(root: Path) -> list[str]:
    return [os.fsdecode(n) for _d, dirs, files in os.walk(os.fsencode(root)) for n in dirs + files
            if n.startswith((b".tmp-", b".materialize-"))]


def set_writable(path: Path) -> None:
    path.chmod(0o644)  # stored objects are read-only on purpose


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    return ObjectStore(tmp_path / "store")


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    """A tree with every kind of entry: nested dirs, exec, link, empty, odd names."""
    root = tmp_path / "artifact"
    (root / "scripts" / "deep" / "er").mkdir(parents=True)
    (root / "SKILL.md").write_text("# Skill\n\nDoes things.\n" * 50)
    (root / "empty.txt").write_bytes(b"")
    run = root / "scripts" / "run.sh"
    run.write_text("#!/bin/sh\necho hi\n")
    run.chmod(0o755)
    (root / "scripts" / "deep" / "er" / "data.bin").write_bytes(bytes(range(256)) * 40)
    (root / "with space ünïcode.md").write_text("spaces and unicode\n")
    (root / "copy-of-skill.md").write_text("# Skill\n\nDoes things.\n" * 50)  # same bytes as SKILL.md
    with open(os.fsencode(root) + b"/" + NON_UTF8, "wb") as f:
        f.write(b"latin-1 name\n")
    os.symlink("SKILL.md", root / "link-to-skill")
    os.symlink("../SKILL.md", root / "scripts" / "up-link")
    return root


# ---- round trips -------------------------------------------------------------


def test_round_trip_rebuilds_an_identical_tree(store, artifact, tmp_path):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    assert store.has_manifest(tree.content_hash)

    dest = tmp_path / "out" / "restored"
    store.materialize(tree.content_hash, dest)

    assert hash_tree(dest).content_hash == tree.content_hash
    assert (dest / "SKILL.md").read_bytes() == (artifact / "SKILL.md").read_bytes()
    assert (dest / "empty.txt").read_bytes() == b""
    assert os.readlink(dest / "link-to-skill") == "SKILL.md"
    assert os.readlink(dest / "scripts" / "up-link") == "../SKILL.md"
    assert stat.S_IMODE((dest / "scripts" / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "SKILL.md").stat().st_mode) == 0o644
    with open(os.fsencode(dest) + b"/" + NON_UTF8, "rb") as f:
        assert f.read() == b"latin-1 name\n"
    assert temp_leftovers(tmp_path) == []


def test_materialize_into_an_existing_empty_folder(store, artifact, tmp_path):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    dest = tmp_path / "empty-dest"
    dest.mkdir()
    store.materialize(tree.content_hash, dest)
    assert hash_tree(dest).content_hash == tree.content_hash


def test_materialize_refuses_a_non_empty_destination(store, artifact, tmp_path):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(ObjectStoreError, match="busy"):
        store.materialize(tree.content_hash, dest)
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]


def test_round_trip_of_an_empty_tree(store, tmp_path):
    src = tmp_path / "nothing"
    src.mkdir()
    tree = hash_tree(src)
    store.store_tree(src, tree)
    store.materialize(tree.content_hash, tmp_path / "again")
    assert (tmp_path / "again").is_dir()
    assert hash_tree(tmp_path / "again").content_hash == tree.content_hash


def test_single_file_artifact_round_trip(store, tmp_path):
    src_dir = tmp_path / "commands"
    src_dir.mkdir()
    src = src_dir / "review.md"
    src.write_text("Review the code.\n")
    src.chmod(0o755)
    tree = hash_tree(src)
    store.store_tree(src, tree)

    # The entry's own name is ignored: dest names the file to create.
    other = tmp_path / "elsewhere" / "renamed.md"
    store.materialize(tree.content_hash, other, single_file=True)
    assert other.read_text() == "Review the code.\n"
    assert stat.S_IMODE(other.stat().st_mode) == 0o755

    same_name = tmp_path / "restored" / "review.md"
    store.materialize(tree.content_hash, same_name, single_file=True)
    assert hash_tree(same_name).content_hash == tree.content_hash
    assert temp_leftovers(tmp_path) == []


def test_single_file_refuses_an_existing_destination_and_multi_entry_trees(store, artifact, tmp_path):
    src = tmp_path / "one.md"
    src.write_text("one\n")
    tree = hash_tree(src)
    store.store_tree(src, tree)
    taken = tmp_path / "taken.md"
    taken.write_text("keep me")
    with pytest.raises(ObjectStoreError):
        store.materialize(tree.content_hash, taken, single_file=True)
    assert taken.read_text() == "keep me"

    big = hash_tree(artifact)
    store.store_tree(artifact, big)
    with pytest.raises(ObjectStoreError):
        store.materialize(big.content_hash, tmp_path / "x.md", single_file=True)
    assert not (tmp_path / "x.md").exists()


def test_get_manifest_returns_the_stored_entries(store, artifact):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    again = store.get_manifest(tree.content_hash)
    assert again == TreeHash(tree.content_hash, tuple(tree.entries))
    assert any(e.path == NON_UTF8 for e in again.entries)


def test_link_targets_are_stored_as_objects(store, artifact):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    link = next(e for e in tree.entries if e.path == b"link-to-skill")
    assert store.read_bytes(link.digest) == b"SKILL.md"


# ---- put / read / dedup --------------------------------------------------------


def test_put_bytes_and_put_file_name_objects_by_sha256(store, tmp_path):
    data = b"hello object store\n" * 100
    assert store.put_bytes(data) == sha(data)
    f = tmp_path / "f.txt"
    f.write_bytes(b"other bytes")
    assert store.put_file(f) == sha(b"other bytes")
    assert store.has(sha(b"other bytes"))
    assert store.read_bytes(sha(data)) == data
    assert store.read_bytes(sha(b"other bytes")) == b"other bytes"


def test_objects_are_zlib_compressed_under_a_fan_out_path(store):
    data = b"a very repetitive line\n" * 1000
    digest = store.put_bytes(data)
    path = store.root / "objects" / digest[:2] / digest[2:]
    assert path.is_file()
    raw = path.read_bytes()
    assert len(raw) < len(data) // 10
    assert zlib.decompress(raw) == data


def test_same_content_is_stored_once_and_never_rewritten(store, tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_bytes(b"shared content\n")
    b.write_bytes(b"shared content\n")
    digest = store.put_file(a)
    path = store.root / "objects" / digest[:2] / digest[2:]
    before = path.stat()

    assert store.put_file(b) == digest
    assert store.put_file(b, digest) == digest
    assert store.put_bytes(b"shared content\n") == digest
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(all_files(store.root / "objects")) == 1


def test_storing_a_tree_twice_rewrites_nothing(store, artifact):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    files = all_files(store.root)
    stats = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files}
    store.store_tree(artifact, tree)
    assert all_files(store.root) == files
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files} == stats
    # SKILL.md and copy-of-skill.md share one object.
    distinct = {e.digest for e in tree.entries}
    assert len(all_files(store.root / "objects")) == len(distinct) < len(tree.entries)


def test_stored_objects_are_read_only(store):
    digest = store.put_bytes(b"immutable")
    mode = stat.S_IMODE(store.object_path(digest).stat().st_mode)
    assert mode & 0o222 == 0


def test_streaming_reader_returns_large_content_in_pieces(store, tmp_path):
    data = os.urandom(1 << 20) + b"compressible\n" * 200_000 + os.urandom(12345)
    f = tmp_path / "big.bin"
    f.write_bytes(data)
    digest = store.put_file(f)
    assert digest == sha(data)
    pieces = []
    with store.open_verified(digest) as reader:
        while True:
            piece = reader.read(300_001)
            if not piece:
                break
            pieces.append(piece)
    assert b"".join(pieces) == data
    assert all(len(p) == 300_001 for p in pieces[:-1])
    out = tmp_path / "copy.bin"
    store.copy_to(digest, out)
    assert out.read_bytes() == data


def test_put_and_copy_keep_memory_flat(store, tmp_path):
    size = 24 << 20
    f = tmp_path / "large.bin"
    with open(f, "wb") as out:
        block = os.urandom(1 << 20)
        for i in range(size >> 20):
            out.write(block[i:] + block[:i])
    tracemalloc.start()
    try:
        digest = store.put_file(f)
        store.copy_to(digest, tmp_path / "large.out")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size // 3
    assert (tmp_path / "large.out").stat().st_size == size


def test_put_file_refuses_a_file_that_changed(store, tmp_path):
    f = tmp_path / "moving.txt"
    f.write_bytes(b"new bytes")
    expected = sha(b"old bytes")
    with pytest.raises(ObjectStoreError, match="moving.txt"):
        store.put_file(f, expected)
    assert not store.has(expected)
    assert not store.has(sha(b"new bytes"))
    assert temp_leftovers(store.root) == []


def test_put_file_refuses_links_and_missing_files(store, tmp_path):
    (tmp_path / "real").write_text("x")
    os.symlink("real", tmp_path / "alias")
    with pytest.raises(ObjectStoreError, match="alias"):
        store.put_file(tmp_path / "alias")
    with pytest.raises(ObjectStoreError, match="nowhere"):
        store.put_file(tmp_path / "nowhere")


def test_malformed_digests_cannot_name_paths(store):
    for bad in ("../../etc/passwd", "ABC", "g" * 64, "A" * 64, ""):
        with pytest.raises(ObjectStoreError):
            store.has(bad)
        with pytest.raises(ObjectStoreError):
            store.read_bytes(bad)


def test_concurrent_puts_of_the_same_object(store, tmp_path):
    data = os.urandom(200_000)
    f = tmp_path / "same.bin"
    f.write_bytes(data)
    n = 8
    barrier = threading.Barrier(n)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results.append(store.put_file(f) if i % 2 else store.put_bytes(data))
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [sha(data)] * n
    assert all_files(store.root / "objects") == [store.object_path(sha(data))]
    assert store.read_bytes(sha(data)) == data


def test_successful_writes_leave_no_temp_files(store, artifact, tmp_path):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    store.put_bytes(b"x")
    store.materialize(tree.content_hash, tmp_path / "m")
    assert temp_leftovers(store.root) == []
    assert temp_leftovers(tmp_path) == []


# ---- corruption and missing objects ---------------------------------------------


def test_flipped_byte_is_reported_by_name(store):
    digest = store.put_bytes(b"precious content " * 200)
    path = store.object_path(digest)
    set_writable(path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptObjectError) as info:
        store.read_bytes(digest)
    assert digest in str(info.value) and str(path) in str(info.value)


def test_truncated_object_is_reported_by_name(store):
    digest = store.put_bytes(os.urandom(5000))
    path = store.object_path(digest)
    set_writable(path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CorruptObjectError, match=digest):
        store.read_bytes(digest)


def test_valid_zlib_with_the_wrong_content_is_corrupt(store):
    digest = store.put_bytes(b"the real bytes")
    path = store.object_path(digest)
    set_writable(path)
    path.write_bytes(zlib.compress(b"some other bytes"))
    with pytest.raises(CorruptObjectError, match=digest):
        store.read_bytes(digest)
    with pytest.raises(CorruptObjectError):
        with store.open_verified(digest) as reader:
            for _chunk in reader:
                pass


def test_trailing_garbage_is_corrupt(store):
    digest = store.put_bytes(b"content")
    path = store.object_path(digest)
    set_writable(path)
    path.write_bytes(path.read_bytes() + b"junk")
    with pytest.raises(CorruptObjectError):
        store.read_bytes(digest)


def test_missing_object(store):
    digest = sha(b"never stored")
    assert not store.has(digest)
    with pytest.raises(MissingObjectError, match=digest):
        store.read_bytes(digest)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_materialize_with_a_corrupt_object_raises_and_leaves_nothing(store, artifact, tmp_path, damage):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    victim = next(e for e in tree.entries if e.path == b"scripts/deep/er/data.bin")
    path = store.object_path(victim.digest)
    set_writable(path)
    raw = path.read_bytes()
    if damage == "flip":
        raw = raw[:5] + bytes([raw[5] ^ 0xFF]) + raw[6:]
    else:
        raw = raw[: len(raw) // 2]
    path.write_bytes(raw)

    dest = tmp_path / "restore"
    with pytest.raises(CorruptObjectError, match=victim.digest):
        store.materialize(tree.content_hash, dest)
    assert not dest.exists()
    assert temp_leftovers(tmp_path) == []


def test_materialize_with_a_missing_object_raises_and_leaves_nothing(store, artifact, tmp_path):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    victim = next(e for e in tree.entries if e.path == b"empty.txt")
    store.object_path(victim.digest).unlink()
    dest = tmp_path / "restore"
    with pytest.raises(MissingObjectError, match="empty.txt"):
        store.materialize(tree.content_hash, dest)
    assert not dest.exists()


def test_corrupt_manifest_is_detected(store, artifact):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    path = store.manifest_path(tree.content_hash)
    set_writable(path)
    good = path.read_bytes()

    path.write_bytes(good[:-3])
    with pytest.raises(CorruptObjectError, match=tree.content_hash):
        store.get_manifest(tree.content_hash)

    # Well-formed but altered: one file turned executable.
    text = zlib.decompress(good).replace(b"f " + tree.entries[0].digest.encode(), b"x " + tree.entries[0].digest.encode(), 1)
    assert text != zlib.decompress(good)
    path.write_bytes(zlib.compress(text))
    with pytest.raises(CorruptObjectError, match="do not hash"):
        store.get_manifest(tree.content_hash)

    path.write_bytes(zlib.compress(b"some other format\n"))
    with pytest.raises(CorruptObjectError):
        store.get_manifest(tree.content_hash)


def test_missing_manifest(store):
    h = sha(b"no such tree")
    assert not store.has_manifest(h)
    with pytest.raises(MissingObjectError, match=h):
        store.get_manifest(h)


def test_manifest_format_keeps_path_bytes_and_sizes(store, artifact):
    tree = hash_tree(artifact)
    store.put_manifest(tree)
    text = zlib.decompress(store.manifest_path(tree.content_hash).read_bytes())
    assert text.startswith(MANIFEST_HEADER)
    records = text[len(MANIFEST_HEADER):].split(b"\0")[:-1]
    assert len(records) == len(tree.entries)
    run = next(e for e in tree.entries if e.path == b"scripts/run.sh")
    assert b"x %s %d scripts/run.sh" % (run.digest.encode(), len("#!/bin/sh\necho hi\n")) in records
    assert any(r.endswith(b" " + NON_UTF8) for r in records)


def test_put_manifest_refuses_a_mislabelled_tree(store, artifact):
    tree = hash_tree(artifact)
    with pytest.raises(ObjectStoreError):
        store.put_manifest(TreeHash(sha(b"wrong"), tree.entries))
    assert not store.has_manifest(sha(b"wrong"))


# ---- unsafe trees ---------------------------------------------------------------


def test_store_tree_refuses_an_escaping_link_before_writing(store, tmp_path):
    root = tmp_path / "evil"
    (root / "sub").mkdir(parents=True)
    (root / "README.md").write_text("looks fine\n")
    os.symlink("../../outside", root / "sub" / "key")
    tree = hash_tree(root)
    with pytest.raises(UnsafeEntryError) as info:
        store.store_tree(root, tree)
    assert "sub/key" in str(info.value) and "../../outside" in str(info.value)
    assert all_files(store.root) == []


def test_store_tree_refuses_an_absolute_link(store, tmp_path):
    root = tmp_path / "evil"
    root.mkdir()
    os.symlink("/etc/passwd", root / "passwd")
    with pytest.raises(UnsafeEntryError, match="/etc/passwd"):
        store.store_tree(root, hash_tree(root))
    assert all_files(store.root) == []


def test_store_tree_refuses_a_file_changed_since_hashing(store, artifact):
    tree = hash_tree(artifact)
    (artifact / "with space ünïcode.md").write_text("edited after hashing\n")
    with pytest.raises(ObjectStoreError, match="with space ünïcode.md"):
        store.store_tree(artifact, tree)
    assert not store.has_manifest(tree.content_hash)


def _crafted_manifest(store: ObjectStore, entries: list[ManifestEntry]) -> str:
    """Write a manifest file directly, bypassing put_manifest's checks (an attacker's store)."""
    entries = sorted(entries, key=lambda e: e.path)
    h = content_hash_of(entries)
    body = MANIFEST_HEADER + b"".join(b"%s %s %d %s\0" % (e.kind.encode(), e.digest.encode(), e.size, e.path) for e in entries)
    path = store.manifest_path(h)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zlib.compress(body))
    return h


def test_materialize_refuses_an_escaping_link_from_a_crafted_manifest(store, tmp_path):
    ok = store.put_bytes(b"harmless\n")
    target = b"../../../.ssh/id_rsa"
    link_digest = store.put_bytes(target)
    h = _crafted_manifest(store, [
        ManifestEntry(b"a.txt", "f", ok, 9),
        ManifestEntry(b"dir/key", "l", link_digest, len(target)),
    ])
    dest = tmp_path / "victim"
    with pytest.raises(UnsafeEntryError, match="dir/key"):
        store.materialize(h, dest)
    assert not dest.exists()
    assert temp_leftovers(tmp_path) == []


def test_materialize_refuses_a_dot_dot_path_from_a_crafted_manifest(store, tmp_path):
    ok = store.put_bytes(b"payload\n")
    h = _crafted_manifest(store, [ManifestEntry(b"../escaped.txt", "f", ok, 8)])
    with pytest.raises(UnsafeEntryError, match="escaped"):
        store.materialize(h, tmp_path / "inner" / "dest")
    assert not (tmp_path / "inner" / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_store_tree_again_repairs_a_deleted_object(store, artifact, tmp_path):
    tree = hash_tree(artifact)
    store.store_tree(artifact, tree)
    victim = next(e for e in tree.entries if e.path == b"scripts/run.sh")
    store.object_path(victim.digest).unlink()
    store.store_tree(artifact, tree)  # manifest already stored: objects are still checked
    assert store.read_bytes(victim.digest) == (artifact / "scripts" / "run.sh").read_bytes()
    store.materialize(tree.content_hash, tmp_path / "ok")
    assert hash_tree(tmp_path / "ok").content_hash == tree.content_hash


def test_a_new_shard_folder_is_made_durable(tmp_path, monkeypatch):
    """A power cut must not drop objects/ab/ after a version points at an object in it."""
    import core.store.publish as publish_mod
    import core.store.objects as objects_mod

    synced: list[str] = []
    real = publish_mod.fsync_dir
    monkeypatch.setattr(publish_mod, "fsync_dir", lambda p: (synced.append(str(p)), real(p)))
    store = objects_mod.ObjectStore(tmp_path / "store")
    digest = store.put_bytes(b"first object\n")
    shard = store.object_path(digest).parent
    assert str(shard.parent) in synced  # the new shard's entry in objects/
    assert str(shard) in synced  # the object's entry in its shard
    synced.clear()
    store.put_bytes(b"first object\n")  # already stored: nothing to make durable
    assert str(shard.parent) not in synced


def test_a_tree_1100_folders_deep_is_stored_and_rebuilt_without_recursion(store, tmp_path):
    from core.fsio import remove_path

    src = tmp_path / "deep-src"
    folder = src
    src.mkdir()
    for _ in range(1_100):
        folder = folder / "d"
        folder.mkdir()  # os.makedirs itself would recurse
    (folder / "f.txt").write_text("deep\n")
    try:
        tree = hash_tree(src)
        store.store_tree(src, tree)
        dest = tmp_path / "deep-dest"
        store.materialize(tree.content_hash, dest)
        assert hash_tree(dest).content_hash == tree.content_hash
    finally:
        remove_path(tmp_path)  # pytest's own clean-up recurses
        tmp_path.mkdir()

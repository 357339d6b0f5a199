"""core.merge.tree: the per-file rules over three manifests, reading only what both sides changed."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from core.content import ManifestEntry, TreeHash, content_hash_of, hash_tree
from core.merge import (
    ADD_ADD, BINARY, CONTENT, DELETE_MODIFY, LINK, MODE, TYPE, FileMerge, merge_trees, render_markers,
)
from core.merge.tree import FROM_BOTH, FROM_LOCAL, FROM_OTHER, MERGED

ROOT = Path(__file__).resolve().parents[2]


class Store:
    """Blobs by digest; remembers which digests were read."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.reads: list[str] = []

    def entry(self, path: str, data: bytes | str, kind: str = "f") -> ManifestEntry:
        data = data.encode() if isinstance(data, str) else data
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return ManifestEntry(path.encode("utf-8", "surrogateescape"), kind, digest, len(data))

    def read(self, digest: str) -> bytes:
        self.reads.append(digest)
        return self.blobs[digest]


@pytest.fixture
def store() -> Store:
    return Store()


def by_path(entries) -> dict[bytes, ManifestEntry]:
    return {e.path: e for e in entries}


def test_unchanged_files_are_kept_and_never_read(store):
    files = [store.entry(f"refs/n{i:02}.md", f"note {i}\n") for i in range(50)]
    result = merge_trees(files, files, files, store.read)
    assert result.clean and result.entries == tuple(files) and result.merged == ()
    assert store.reads == []
    assert result.content_hash() == content_hash_of(files)


def test_one_sided_changes_adds_and_deletes(store):
    keep = store.entry("SKILL.md", "skill\n")
    old = store.entry("a.md", "a\n")
    gone = store.entry("b.md", "b\n")
    base = [keep, old, gone]
    local = [keep, store.entry("a.md", "a changed\n"), gone, store.entry("new-local.md", "hi\n")]
    other = [keep, old, store.entry("new-other.md", "yo\n")]  # b.md deleted upstream
    result = merge_trees(base, local, other, store.read)
    assert result.clean
    assert [e.path for e in result.entries] == [b"SKILL.md", b"a.md", b"new-local.md", b"new-other.md"]
    assert by_path(result.entries)[b"a.md"].digest == local[1].digest
    assert {(m.path, m.how, m.entry is None) for m in result.merged} == {
        (b"a.md", FROM_LOCAL, False), (b"new-local.md", FROM_LOCAL, False),
        (b"b.md", FROM_OTHER, True), (b"new-other.md", FROM_OTHER, False),
    }
    assert store.reads == []


def test_same_change_on_both_sides(store):
    base = [store.entry("a.md", "a\n"), store.entry("b.md", "b\n")]
    both = [store.entry("a.md", "A\n"), store.entry("c.md", "c\n")]  # a changed, b deleted, c added: alike
    result = merge_trees(base, both, list(both), store.read)
    assert result.clean and result.entries == tuple(both)
    assert set(result.merged) == {
        FileMerge(b"a.md", FROM_BOTH, both[0]), FileMerge(b"b.md", FROM_BOTH, None),
        FileMerge(b"c.md", FROM_BOTH, both[1]),
    }


def test_delete_against_change_is_a_conflict(store):
    base = [store.entry("a.md", "a\n"), store.entry("run.sh", "echo\n")]
    local = [store.entry("run.sh", "echo\n", "x")]  # a.md deleted; run.sh only made executable
    other = [store.entry("a.md", "a changed\n")]  # run.sh deleted
    result = merge_trees(base, local, other, store.read)
    assert result.entries == ()
    kinds = {(c.path, c.kind, c.deleted_by) for c in result.conflicts}
    assert kinds == {(b"a.md", DELETE_MODIFY, "local"), (b"run.sh", DELETE_MODIFY, "other")}
    assert "deleted on the local side, changed on the upstream side" in result.conflicts[0].describe()
    with pytest.raises(ValueError):
        result.content_hash()


def test_deleted_on_one_side_unchanged_on_the_other_is_deleted(store):
    base = [store.entry("a.md", "a\n"), store.entry("b.md", "b\n")]
    result = merge_trees(base, base[:1], base, store.read)
    assert result.clean and result.entries == (base[0],)


def test_both_changed_text_is_merged_line_by_line(store):
    base = [store.entry("SKILL.md", "title\n\none\ntwo\nthree\n"), store.entry("other.md", "x\n")]
    local = [store.entry("SKILL.md", "TITLE\n\none\ntwo\nthree\n"), base[1]]
    other = [store.entry("SKILL.md", "title\n\none\ntwo\nTHREE\n"), base[1]]
    result = merge_trees(base, local, other, store.read)
    assert result.clean
    merged = b"TITLE\n\none\ntwo\nTHREE\n"
    digest = hashlib.sha256(merged).hexdigest()
    assert by_path(result.entries)[b"SKILL.md"] == ManifestEntry(b"SKILL.md", "f", digest, len(merged))
    assert result.blobs == {digest: merged}
    assert result.merged == (FileMerge(b"SKILL.md", MERGED, by_path(result.entries)[b"SKILL.md"]),)
    assert sorted(store.reads) == sorted([base[0].digest, local[0].digest, other[0].digest])


def test_both_changed_text_with_a_conflict(store):
    base = [store.entry("SKILL.md", "a\nb\nc\n")]
    local = [store.entry("SKILL.md", "a\nLOCAL\nc\n")]
    other = [store.entry("SKILL.md", "a\nOTHER\nc\n")]
    result = merge_trees(base, local, other, store.read)
    (conflict,) = result.conflicts
    assert (conflict.kind, conflict.binary, result.entries, result.blobs) == (CONTENT, False, (), {})
    assert render_markers(conflict.text) == (
        b"a\n<<<<<<< local\nLOCAL\n||||||| base\nb\n=======\nOTHER\n>>>>>>> upstream\nc\n"
    )
    assert conflict.describe() == "SKILL.md: changed on both sides, 1 conflicting hunk(s)."


def test_merge_that_equals_one_side_needs_no_new_blob(store):
    base = [store.entry("f.md", "a\nb\n")]
    local = [store.entry("f.md", "a\nb\nc\n")]
    other = [store.entry("f.md", "a\nb\nc\n", "x")]  # same content, made executable
    result = merge_trees(base, local, other, store.read)
    assert result.entries == (ManifestEntry(b"f.md", "x", local[0].digest, local[0].size),)
    assert result.blobs == {} and store.reads == []


def test_binary_changed_on_both_sides_is_a_conflict(store):
    base = [store.entry("logo.png", b"\x89PNG\0old")]
    local = [store.entry("logo.png", b"\x89PNG\0local")]
    other = [store.entry("logo.png", b"\x89PNG\0other")]
    (conflict,) = merge_trees(base, local, other, store.read).conflicts
    assert (conflict.kind, conflict.binary, conflict.text) == (BINARY, True, None)
    # a text file that one side turned binary is binary too
    base = [store.entry("data", "text\n")]
    local = [store.entry("data", "text\nmore\n")]
    other = [store.entry("data", b"\0\1\2")]
    (conflict,) = merge_trees(base, local, other, store.read).conflicts
    assert conflict.kind == BINARY


def test_add_add(store):
    local = [store.entry("new.md", "one\ntwo\n")]
    # the same file added on both sides is simply kept
    assert merge_trees(None, local, list(local), store.read).entries == tuple(local)
    # different text: a line merge against an empty base, which conflicts as a whole (like git)
    other = [store.entry("new.md", "one\n2\n")]
    (conflict,) = merge_trees([], local, other, store.read).conflicts
    assert conflict.kind == ADD_ADD and conflict.base is None
    (hunk,) = conflict.text.conflicts
    assert (hunk.base, hunk.local, hunk.other) == ((), (b"one\n", b"two\n"), (b"one\n", b"2\n"))
    # one side added it empty: git's merge takes the other's lines
    empty = [store.entry("new.md", "")]
    assert merge_trees(None, empty, other, store.read).entries == tuple(other)
    # binary
    a, b = [store.entry("x.bin", b"\0a")], [store.entry("x.bin", b"\0b")]
    (conflict,) = merge_trees(None, a, b, store.read).conflicts
    assert (conflict.kind, conflict.binary) == (ADD_ADD, True)


def test_exec_bit(store):
    base = [store.entry("run.sh", "echo 1\necho 2\necho 3\n")]
    made_exec = [store.entry("run.sh", "echo 1\necho 2\necho 3\n", "x")]
    edited = [store.entry("run.sh", "echo 1\necho 2\necho THREE\n")]
    # one side sets the bit, the other edits: both kept, nothing read
    result = merge_trees(base, made_exec, edited, store.read)
    assert result.entries == (ManifestEntry(b"run.sh", "x", edited[0].digest, edited[0].size),)
    assert store.reads == []
    # bit set on one side, both edited: line merge + the bit
    exec_edit = [store.entry("run.sh", "ECHO 1\necho 2\necho 3\n", "x")]
    result = merge_trees(base, exec_edit, edited, store.read)
    (entry,) = result.entries
    assert entry.kind == "x" and result.blobs[entry.digest] == b"ECHO 1\necho 2\necho THREE\n"
    # both added, one executable: a mode conflict even with equal content
    (conflict,) = merge_trees(None, made_exec, base, store.read).conflicts
    assert (conflict.kind, conflict.mode_conflict) == (MODE, True)
    # both added, different text and different bits: the content conflict says the bit differs too
    (conflict,) = merge_trees(None, exec_edit, edited, store.read).conflicts
    assert (conflict.kind, conflict.mode_conflict) == (ADD_ADD, True)
    assert "executable bit" in conflict.describe()


def test_links(store):
    base = [store.entry("latest", "v1", "l")]
    to_v2, to_v3 = [store.entry("latest", "v2", "l")], [store.entry("latest", "v3", "l")]
    assert merge_trees(base, to_v2, base, store.read).entries == tuple(to_v2)
    assert merge_trees(base, to_v2, list(to_v2), store.read).entries == tuple(to_v2)
    (conflict,) = merge_trees(base, to_v2, to_v3, store.read).conflicts
    assert conflict.kind == LINK
    # a file on one side, a changed link on the other
    as_file = [store.entry("latest", "now a file\n")]
    (conflict,) = merge_trees(base, as_file, to_v2, store.read).conflicts
    assert conflict.kind == TYPE
    assert store.reads == []


def test_accepts_tree_hashes(tmp_path, store):
    def tree(name: str, files: dict[str, str]) -> TreeHash:
        root = tmp_path / name
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(data)
            store.entry(rel, data)
        return hash_tree(root)

    base = tree("base", {"SKILL.md": "a\nb\nc\n", "ref.md": "r\n"})
    local = tree("local", {"SKILL.md": "A\nb\nc\n", "ref.md": "r\n"})
    other = tree("other", {"SKILL.md": "a\nb\nC\n", "ref.md": "r\n", "new.md": "n\n"})
    result = merge_trees(base, local, other, store.read)
    expected = tree("expected", {"SKILL.md": "A\nb\nC\n", "ref.md": "r\n", "new.md": "n\n"})
    assert result.entries == expected.entries
    assert result.content_hash() == expected.content_hash


def test_many_files_few_changes_reads_only_those(store):
    base = [store.entry(f"refs/file-{i:03}.md", f"line {i}\n" * 20) for i in range(500)]
    local, other = list(base), list(base)
    for i in (3, 100, 250):
        local[i] = store.entry(base[i].path.decode(), "local edit\n" + f"line {i}\n" * 20)
    for i in (7, 250, 499):
        other[i] = store.entry(base[i].path.decode(), f"line {i}\n" * 20 + "other edit\n")
    result = merge_trees(base, local, other, store.read)
    assert result.clean and len(result.entries) == 500
    assert len(store.reads) == 3  # file 250 only: its base, local and other
    assert {m.path for m in result.merged} == {base[i].path for i in (3, 7, 100, 250, 499)}


def test_non_utf8_paths(store):
    base = [store.entry("caf\udce9.md", "a\n")]  # the bytes b"caf\xe9.md"
    local = [store.entry("caf\udce9.md", "b\n")]
    assert local[0].path == b"caf\xe9.md"
    result = merge_trees(base, local, base, store.read)
    assert result.entries == tuple(local)
    assert result.merged[0].display_path == "caf\udce9.md"


def test_merge_package_imports_neither_qt_nor_a_database():
    code = (
        "import sys, core.merge\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'sqlalchemy', 'alembic', 'networkx')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

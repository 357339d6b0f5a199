"""core.diff: manifest comparison, numbered text diffs, binary/large/symlink rules."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from core import diff
from core.diff import DiffLine, FileChange, compare, differing_prefix, file_diff, summarize
from core.errors import MissingObjectError
from core.content import hash_tree
from core.store import ObjectStore

NON_UTF8 = b"caf\xe9.txt"


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    return ObjectStore(tmp_path / "store")


def write_tree(root: Path, files: dict[bytes | str, bytes | str], *, executable: tuple = (), links: dict | None = None) -> Path:
    root.mkdir(parents=True)
    for rel, content in files.items():
        path = os.fsencode(root) + b"/" + (rel if isinstance(rel, bytes) else rel.encode())
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode())
        os.chmod(path, 0o755 if rel in executable else 0o644)
    for rel, target in (links or {}).items():
        os.symlink(target, root / rel)
    return root


def stored(store: ObjectStore, root: Path) -> str:
    tree = hash_tree(root)
    store.store_tree(root, tree)
    return tree.content_hash


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


OLD_TEXT = "".join(f"line {n}\n" for n in range(1, 21))
NEW_TEXT = OLD_TEXT.replace("line 5\n", "line five\n").replace("line 18\n", "") + "line 21\n"


@pytest.fixture
def pair(tmp_path: Path, store: ObjectStore) -> tuple[str, str]:
    old = write_tree(
        tmp_path / "old",
        {"SKILL.md": OLD_TEXT, "gone.txt": "bye\n", "run.sh": "#!/bin/sh\necho hi\n", "keep.txt": "same\n",
         "both.sh": "echo 1\n"},
    )
    new = write_tree(
        tmp_path / "new",
        {"SKILL.md": NEW_TEXT, "new/file.txt": "hello\n", "run.sh": "#!/bin/sh\necho hi\n", "keep.txt": "same\n",
         "both.sh": "echo 2\n"},
        executable=("run.sh", "both.sh"),
    )
    return stored(store, old), stored(store, new)


def test_compare_lists_each_status_sorted_by_path(store, pair):
    old, new = pair
    changes = compare(store, old, new)
    assert [(c.path, c.status) for c in changes] == [
        (b"SKILL.md", "modified"),
        (b"both.sh", "modified"),  # kind f -> x and a new digest: modified, not mode_changed
        (b"gone.txt", "removed"),
        (b"new/file.txt", "added"),
        (b"run.sh", "mode_changed"),
    ]
    by_path = {c.path: c for c in changes}
    assert by_path[b"gone.txt"].old_digest == sha(b"bye\n") and by_path[b"gone.txt"].new_digest is None
    assert by_path[b"new/file.txt"].new_size == len(b"hello\n") and by_path[b"new/file.txt"].old_size is None
    assert (by_path[b"run.sh"].old_kind, by_path[b"run.sh"].new_kind) == ("f", "x")
    assert by_path[b"run.sh"].old_digest == by_path[b"run.sh"].new_digest
    assert (by_path[b"both.sh"].old_kind, by_path[b"both.sh"].new_kind) == ("f", "x")
    assert summarize(changes) == {"added": 1, "removed": 1, "modified": 2, "mode_changed": 1, "renamed": 0}


def test_compare_same_content_is_empty(store, pair):
    _old, new = pair
    assert compare(store, new, new) == []
    assert summarize([]) == {"added": 0, "removed": 0, "modified": 0, "mode_changed": 0, "renamed": 0}


def test_root_compare_lists_every_file_as_added(store, pair):
    _old, new = pair
    changes = compare(store, None, new)
    assert [c.path for c in changes] == [b"SKILL.md", b"both.sh", b"keep.txt", b"new/file.txt", b"run.sh"]
    assert {c.status for c in changes} == {"added"}


def test_compare_accepts_a_workspace_like_object(store, pair):
    class Ws:
        objects = store

    assert compare(Ws(), *pair) == compare(store, *pair)


def test_missing_manifest_raises_a_clear_error(store, pair):
    _old, new = pair
    never = "ab" * 32
    with pytest.raises(MissingObjectError, match="abababababab.*not in the object store.*fsck --repair"):
        compare(store, never, new)


def test_compare_stored_says_which_side_is_missing_instead_of_failing(store, pair):
    old, new = pair
    never = "ab" * 32
    both = diff.compare_stored(store, old, new)
    assert (both.changes, both.new_missing, both.old_missing, both.error) == (compare(store, old, new), False, False, None)
    left_gone = diff.compare_stored(store, never, new)
    assert left_gone.old_missing and not left_gone.new_missing
    assert left_gone.changes == compare(store, None, new)  # the newer side's files listed as added
    right_gone = diff.compare_stored(store, old, never)
    assert right_gone.new_missing and not right_gone.old_missing and right_gone.changes == []
    damaged = store.manifest_path(new)
    damaged.write_bytes(b"not zlib")
    broken = diff.compare_stored(store, old, new)
    assert broken.changes == [] and "corrupt" in broken.error and "fsck --repair" in broken.error


def test_text_diff_has_numbered_lines(store, pair):
    change = next(c for c in compare(store, *pair) if c.path == b"SKILL.md")
    result = file_diff(store, change, context=1)
    assert not result.binary and result.note is None
    assert list(result.lines) == [
        DiffLine("@", "@@ -4,3 +4,3 @@", None, None),
        DiffLine(" ", "line 4", 4, 4),
        DiffLine("-", "line 5", 5, None),
        DiffLine("+", "line five", None, 5),
        DiffLine(" ", "line 6", 6, 6),
        DiffLine("@", "@@ -17,4 +17,4 @@", None, None),
        DiffLine(" ", "line 17", 17, 17),
        DiffLine("-", "line 18", 18, None),
        DiffLine(" ", "line 19", 19, 18),
        DiffLine(" ", "line 20", 20, 19),
        DiffLine("+", "line 21", None, 20),
    ]


def test_hunk_headers_match_difflib(store, pair):
    import difflib

    change = next(c for c in compare(store, *pair) if c.path == b"SKILL.md")
    ours = [l.text for l in file_diff(store, change).lines if l.kind == "@"]
    theirs = [l.strip() for l in difflib.unified_diff(OLD_TEXT.splitlines(True), NEW_TEXT.splitlines(True)) if l.startswith("@@")]
    assert ours == theirs


def test_added_and_removed_files_diff_against_nothing(store, pair):
    changes = {c.path: c for c in compare(store, *pair)}
    added = file_diff(store, changes[b"new/file.txt"])
    assert [(l.kind, l.text, l.old_lineno, l.new_lineno) for l in added.lines] == [
        ("@", "@@ -0,0 +1 @@", None, None),
        ("+", "hello", None, 1),
    ]
    removed = file_diff(store, changes[b"gone.txt"])
    assert [(l.kind, l.text) for l in removed.lines] == [("@", "@@ -1 +0,0 @@"), ("-", "bye")]


def test_mode_change_has_a_note_and_no_lines(store, pair):
    change = next(c for c in compare(store, *pair) if c.status == "mode_changed")
    result = file_diff(store, change)
    assert result.lines == ()
    assert "executable" in result.note


def test_binary_file_gets_a_note_with_sizes(tmp_path, store):
    old = stored(store, write_tree(tmp_path / "a", {"logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\1" * 100}))
    new = stored(store, write_tree(tmp_path / "b", {"logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\2" * 1900}))
    (change,) = compare(store, old, new)
    result = file_diff(store, change)
    assert result.binary and result.lines == ()
    assert "Binary" in result.note and "116 B" in result.note and "1.9 KB" in result.note


def test_invalid_utf8_without_nul_is_binary(tmp_path, store):
    old = stored(store, write_tree(tmp_path / "a", {"data.txt": "caf\u00e9\n"}))
    new = stored(store, write_tree(tmp_path / "b", {"data.txt": b"caf\xe9\n"}))  # latin-1 bytes
    (change,) = compare(store, old, new)
    assert file_diff(store, change).binary


def test_large_file_is_summarised_not_read(tmp_path, store, monkeypatch):
    big = b"x\n" * (diff.MAX_DIFF_BYTES // 2 + 1)
    old = stored(store, write_tree(tmp_path / "a", {"big.txt": big}))
    new = stored(store, write_tree(tmp_path / "b", {"big.txt": big + b"y\n"}))
    (change,) = compare(store, old, new)

    def no_reads(digest):
        raise AssertionError("a large file must not be read")

    monkeypatch.setattr(store, "read_bytes", no_reads)
    result = file_diff(store, change)
    assert result.lines == () and "Large file" in result.note


def test_symlinks_diff_their_targets(tmp_path, store):
    old = stored(store, write_tree(tmp_path / "a", {"x.md": "x\n", "y.md": "y\n"}, links={"current": "x.md"}))
    new = stored(store, write_tree(tmp_path / "b", {"x.md": "x\n", "y.md": "y\n"}, links={"current": "y.md"}))
    (change,) = compare(store, old, new)
    assert (change.path, change.status, change.old_kind, change.new_kind) == (b"current", "modified", "l", "l")
    result = file_diff(store, change)
    assert [(l.kind, l.text) for l in result.lines if l.kind in "+-"] == [("-", "x.md"), ("+", "y.md")]
    assert "link" in result.note


def test_non_utf8_path_is_compared_and_displayed(tmp_path, store):
    old = stored(store, write_tree(tmp_path / "a", {"a.txt": "a\n"}))
    new = stored(store, write_tree(tmp_path / "b", {"a.txt": "a\n", NON_UTF8: "latin\n"}))
    (change,) = compare(store, old, new)
    assert change.path == NON_UTF8 and change.status == "added"
    assert change.display_path == os.fsdecode(NON_UTF8)
    assert [l.text for l in file_diff(store, change).lines if l.kind == "+"] == ["latin"]


def test_line_ending_only_change_says_so(tmp_path, store):
    old = stored(store, write_tree(tmp_path / "a", {"a.txt": "one\ntwo\n"}))
    new = stored(store, write_tree(tmp_path / "b", {"a.txt": "one\r\ntwo\r\n"}))
    (change,) = compare(store, old, new)
    assert "line endings" in file_diff(store, change).note


def test_missing_blob_gives_a_note_not_an_error(store):
    change = FileChange(b"a.txt", "modified", "f", "f", "cd" * 32, "ef" * 32, 3, 4)
    result = file_diff(store, change)
    assert result.lines == () and "not in the object store" in result.note and "fsck --repair" in result.note


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("abcdef", "abcxyz", 3), ("abc", "abc", 3), ("abc", "xbc", 0), ("", "abc", 0), ("ab", "abcd", 2)],
)
def test_differing_prefix(a, b, expected):
    assert differing_prefix(a, b) == expected


@pytest.mark.parametrize("stream", [False, True])
def test_stat_counts_the_lines_of_a_text_too_large_for_a_line_diff(tmp_path, store, monkeypatch, stream):
    lines = [f"line {n}\n" for n in range(3000)]
    old = stored(store, write_tree(tmp_path / "old", {"big.txt": "".join(lines), "bin": b"\0" * 50}))
    lines[10] = "changed\n"
    lines[2000:2000] = ["new a\n", "new b\n"]
    del lines[2500]
    new = stored(store, write_tree(tmp_path / "new", {"big.txt": "".join(lines), "bin": b"\0" * 60}))
    monkeypatch.setattr(diff, "MAX_DIFF_BYTES", 100)  # both files count as large
    if stream:
        monkeypatch.setattr(diff, "MAX_STAT_BYTES", 1000)  # counted by streaming: as rewritten
    counts = {c.display_path: diff.stat_counts(store, c, file_diff(store, c)) for c in compare(store, old, new)}
    assert counts == {"big.txt": (3001, 3000) if stream else (3, 2), "bin": None}

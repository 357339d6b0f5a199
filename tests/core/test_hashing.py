"""Content hash v1 vectors. Expected values are computed here, from the definition in
DESIGN.md, with hashlib (or are literal hex computed by hand with printf | sha256sum),
never by calling the code under test."""
from __future__ import annotations

import hashlib
import os
import socket
import sys
from pathlib import Path

import pytest

from core.errors import HashingError, LineageError, UnsupportedEntryError
from core.content import ManifestEntry, TreeHash, content_hash_of, hash_file, hash_tree

needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="POSIX links")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expected(entries: list[tuple[bytes, str, bytes]]) -> str:
    """The definition: records `kind SP hexdigest SP path NUL`, sorted by path bytes."""
    out = hashlib.sha256()
    for path, kind, content in sorted(entries):
        out.update(kind.encode() + b" " + sha(content).encode() + b" " + path + b"\0")
    return out.hexdigest()


def write(root: Path, rel: str | bytes, data: bytes, mode: int | None = None) -> None:
    rel_b = rel if isinstance(rel, bytes) else os.fsencode(rel)
    path = os.path.join(os.fsencode(root), rel_b)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if mode is not None:
        os.chmod(path, mode)


# --- the worked example of docs/hashing.md, pinned as literal hex ------------------


@needs_symlinks
def test_docs_example_literal_vector(tmp_path: Path) -> None:
    # printf 'hello\n' > SKILL.md; printf '#!/bin/sh\necho hi\n' > bin/run; chmod 755 bin/run;
    # ln -s SKILL.md link   -- hashes computed with printf ... | sha256sum (docs/hashing.md)
    root = tmp_path / "demo"
    write(root, "SKILL.md", b"hello\n", 0o644)
    write(root, "bin/run", b"#!/bin/sh\necho hi\n", 0o755)
    os.symlink("SKILL.md", root / "link")

    tree = hash_tree(root)

    assert tree.content_hash == "0aa34a3bf0615aff4758c17274420e6de33ed48a9d609abfe78087b79dcb359a"
    assert tree.entries == (
        ManifestEntry(b"SKILL.md", "f", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", 6),
        ManifestEntry(b"bin/run", "x", "299001868fb8c02fd431c336c6d058f5558c5dff5b5af5e6fe04b870a6a9cbba", 18),
        ManifestEntry(b"link", "l", "0e95f5a3666031d6fac42bc6ca698b40b61648f4974c8ec355181ed4888c5c26", 8),
    )


def test_single_file_literal_vector(tmp_path: Path) -> None:
    # printf 'f %s SKILL.md\0' "$(printf 'hello\n' | sha256sum | cut -c1-64)" | sha256sum
    write(tmp_path, "SKILL.md", b"hello\n", 0o644)
    tree = hash_tree(tmp_path / "SKILL.md")
    assert tree.content_hash == "a1a2974e540e8471604c95bd0f467bbb8c6c77a0e7ce9732413fa84ea2e067a4"
    assert [e.path for e in tree.entries] == [b"SKILL.md"]


def test_empty_folder_is_hash_of_nothing(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)  # empty directories add nothing, as in git
    assert hash_tree(tmp_path).content_hash == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# --- vectors computed from the definition ----------------------------------------


def test_nested_folders(tmp_path: Path) -> None:
    files = {b"README.md": b"top\n", b"docs/guide.md": b"guide", b"docs/deep/er/x.txt": b"x" * 5000}
    for rel, data in files.items():
        write(tmp_path, rel, data, 0o644)
    tree = hash_tree(tmp_path)
    assert tree.content_hash == expected([(p, "f", d) for p, d in files.items()])
    assert [e.path for e in tree.entries] == sorted(files)
    assert [e.size for e in tree.entries] == [len(files[p]) for p in sorted(files)]


def test_empty_file(tmp_path: Path) -> None:
    write(tmp_path, "empty", b"", 0o644)
    tree = hash_tree(tmp_path)
    assert tree.content_hash == expected([(b"empty", "f", b"")])
    assert tree.entries[0].digest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tree.entries[0].size == 0


@pytest.mark.parametrize("mode", [0o755, 0o744, 0o654, 0o645])
def test_any_execute_bit_makes_kind_x(tmp_path: Path, mode: int) -> None:
    write(tmp_path, "run.sh", b"#!/bin/sh\n", mode)
    write(tmp_path, "plain", b"data", 0o644)
    tree = hash_tree(tmp_path)
    assert tree.content_hash == expected([(b"run.sh", "x", b"#!/bin/sh\n"), (b"plain", "f", b"data")])


def test_exec_bit_changes_hash(tmp_path: Path) -> None:
    write(tmp_path, "tool", b"same bytes", 0o644)
    before = hash_tree(tmp_path).content_hash
    os.chmod(tmp_path / "tool", 0o755)
    assert hash_tree(tmp_path).content_hash != before


@needs_symlinks
def test_symlinks_are_hashed_by_target_and_never_followed(tmp_path: Path) -> None:
    write(tmp_path / "art", "real.txt", b"content", 0o644)
    outside = tmp_path / "outside"
    write(outside, "secret", b"do not read", 0o644)
    os.symlink("real.txt", tmp_path / "art" / "to-file")
    os.symlink(str(outside), tmp_path / "art" / "to-dir")  # a link to a folder is one 'l' entry
    os.symlink("missing", tmp_path / "art" / "dangling")
    tree = hash_tree(tmp_path / "art")
    assert tree.content_hash == expected(
        [
            (b"real.txt", "f", b"content"),
            (b"to-file", "l", b"real.txt"),
            (b"to-dir", "l", os.fsencode(str(outside))),
            (b"dangling", "l", b"missing"),
        ]
    )
    link = {e.path: e for e in tree.entries}[b"to-file"]
    assert (link.kind, link.size) == ("l", len(b"real.txt"))


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="needs a filesystem that keeps raw bytes")
def test_non_utf8_name(tmp_path: Path) -> None:
    write(tmp_path, b"\xff.txt", b"latin", 0o644)
    write(tmp_path, b"sub/caf\xe9", b"cafe", 0o644)
    tree = hash_tree(tmp_path)
    assert tree.content_hash == expected([(b"\xff.txt", "f", b"latin"), (b"sub/caf\xe9", "f", b"cafe")])
    assert tree.entries[1].display_path == os.fsdecode(b"\xff.txt")


def test_spaces_and_unicode_names(tmp_path: Path) -> None:
    names = ["with space.md", "ünïcödé/日本語.txt", "emoji 🎉.md"]
    for n in names:
        write(tmp_path, n, n.encode("utf-8") * 2, 0o644)
    tree = hash_tree(tmp_path)
    assert tree.content_hash == expected([(n.encode("utf-8"), "f", n.encode("utf-8") * 2) for n in names])


def test_skipped_names_do_not_change_the_hash(tmp_path: Path) -> None:
    write(tmp_path, "SKILL.md", b"skill", 0o644)
    write(tmp_path, "lib/mod.py", b"print(1)", 0o644)
    before = hash_tree(tmp_path).content_hash
    assert before == expected([(b"SKILL.md", "f", b"skill"), (b"lib/mod.py", "f", b"print(1)")])
    write(tmp_path, ".git/HEAD", b"ref: refs/heads/main\n", 0o644)
    write(tmp_path, ".git/objects/ab/cdef", b"blob", 0o644)
    write(tmp_path, "lib/__pycache__/mod.cpython-311.pyc", b"\x00pyc", 0o644)
    write(tmp_path, "lib/.DS_Store", b"mac", 0o644)
    write(tmp_path, ".hg/store", b"hg", 0o644)
    write(tmp_path, ".svn/entries", b"svn", 0o644)
    write(tmp_path, "Thumbs.db", b"win", 0o644)
    tree = hash_tree(tmp_path)
    assert tree.content_hash == before
    assert [e.path for e in tree.entries] == [b"SKILL.md", b"lib/mod.py"]


def test_similar_names_are_not_skipped(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", b"*.pyc", 0o644)
    write(tmp_path, "git/x", b"x", 0o644)
    tree = hash_tree(tmp_path)
    assert tree.content_hash == expected([(b".gitignore", "f", b"*.pyc"), (b"git/x", "f", b"x")])


def test_ambiguity_case_differs(tmp_path: Path) -> None:
    write(tmp_path / "one", "a", b"bc", 0o644)
    write(tmp_path / "two", "ab", b"c", 0o644)
    # The naive scheme (update(path); update(bytes)) cannot tell them apart...
    assert sha(b"a" + b"bc") == sha(b"ab" + b"c")
    h1, h2 = hash_tree(tmp_path / "one").content_hash, hash_tree(tmp_path / "two").content_hash
    assert h1 != h2
    assert h1 == expected([(b"a", "f", b"bc")])
    assert h2 == expected([(b"ab", "f", b"c")])


def test_sort_order_is_by_path_bytes(tmp_path: Path) -> None:
    # "B" (0x42) < "a" (0x61); "a.b" < "a/b" because "." (0x2e) < "/" (0x2f): a walk that
    # sorts per directory or case-insensitively would order these differently.
    for rel in ["a/b", "a.b", "B", "a0", "a-"]:
        write(tmp_path, rel, rel.encode(), 0o644)
    tree = hash_tree(tmp_path)
    assert [e.path for e in tree.entries] == [b"B", b"a-", b"a.b", b"a/b", b"a0"]
    assert tree.content_hash == expected([(r.encode(), "f", r.encode()) for r in ["a/b", "a.b", "B", "a0", "a-"]])


def test_single_file_artifact(tmp_path: Path) -> None:
    write(tmp_path, "commands/review.md", b"# Review\n", 0o644)
    tree = hash_tree(tmp_path / "commands" / "review.md")
    assert tree.content_hash == expected([(b"review.md", "f", b"# Review\n")])
    assert tree.entries == (ManifestEntry(b"review.md", "f", sha(b"# Review\n"), 9),)
    # the same content under another name is another artifact content
    write(tmp_path, "other.md", b"# Review\n", 0o644)
    assert hash_tree(tmp_path / "other.md").content_hash != tree.content_hash


@needs_symlinks
def test_root_given_as_a_link_is_followed(tmp_path: Path) -> None:
    write(tmp_path / "real", "SKILL.md", b"skill", 0o644)
    os.symlink(tmp_path / "real", tmp_path / "via-link")
    os.symlink(tmp_path / "real" / "SKILL.md", tmp_path / "cmd.md")
    assert hash_tree(tmp_path / "via-link").content_hash == expected([(b"SKILL.md", "f", b"skill")])
    # a single-file root keeps the name it was given
    assert hash_tree(tmp_path / "cmd.md").content_hash == expected([(b"cmd.md", "f", b"skill")])


def test_large_file_streams_in_chunks(tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 12345)  # spans several read chunks
    write(tmp_path, "big.bin", data, 0o644)
    assert hash_tree(tmp_path).entries[0].digest == sha(data)
    assert hash_file(tmp_path / "big.bin") == sha(data)


def test_many_files_use_the_pool_and_keep_order(tmp_path: Path, monkeypatch) -> None:
    import core.content.readers as readers

    monkeypatch.setattr(readers, "_BIG_FILE", 4096)  # most files go to the pool helpers
    files = {f"d{i % 7}/f{i:03d}".encode(): os.urandom(i * 97 % 20000) for i in range(300)}
    for rel, data in files.items():
        write(tmp_path, rel, data, 0o644)
    tree = hash_tree(tmp_path)
    assert tree.content_hash == expected([(p, "f", d) for p, d in files.items()])
    assert [e.digest for e in tree.entries] == [sha(files[p]) for p in sorted(files)]


def test_content_hash_of_matches_and_sorts(tmp_path: Path) -> None:
    a = ManifestEntry(b"b", "f", sha(b"1"), 1)
    b = ManifestEntry(b"a", "x", sha(b"2"), 1)
    assert content_hash_of([a, b]) == expected([(b"b", "f", b"1"), (b"a", "x", b"2")])
    assert ManifestEntry(b"p", "l", "d" * 64, 3).record() == b"l " + b"d" * 64 + b" p\0"


def test_tree_hash_type(tmp_path: Path) -> None:
    write(tmp_path, "x", b"x", 0o644)
    tree = hash_tree(str(tmp_path))  # str and Path both work
    assert isinstance(tree, TreeHash) and isinstance(tree.entries, tuple)


# --- errors --------------------------------------------------------------------


def test_missing_root_raises_naming_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(HashingError) as info:
        hash_tree(missing)
    assert str(missing) in str(info.value)
    assert isinstance(info.value, LineageError)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fifo_inside_tree_raises_naming_entry(tmp_path: Path) -> None:
    write(tmp_path, "ok.txt", b"ok", 0o644)
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "sub" / "pipe")
    with pytest.raises(UnsupportedEntryError) as info:
        hash_tree(tmp_path)
    assert "sub/pipe" in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fifo_as_root_raises(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UnsupportedEntryError, match="pipe"):
        hash_tree(tmp_path / "pipe")


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="POSIX sockets")
def test_socket_raises(tmp_path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = tmp_path / "s.sock"
    if len(os.fsencode(path)) > 100:
        pytest.skip("socket path too long")
    try:
        sock.bind(str(path))
        with pytest.raises(UnsupportedEntryError, match="s.sock"):
            hash_tree(tmp_path)
    finally:
        sock.close()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_raises_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "locked.txt", b"x", 0o000)
    try:
        with pytest.raises(HashingError, match="locked.txt"):
            hash_tree(tmp_path)
    finally:
        os.chmod(tmp_path / "locked.txt", 0o644)


def test_unreadable_file_in_pool_raises_naming_it(tmp_path: Path, monkeypatch) -> None:
    # Simulated for root too: make one read fail while the pool is reading many files.
    import core.content.readers as readers

    monkeypatch.setattr(readers, "_BIG_FILE", 4096)  # most files go to the pool helpers

    for i in range(50):
        write(tmp_path, f"f{i:02d}", os.urandom(10000), 0o644)
    real = readers._digest_path

    def failing(path: bytes, size: int, *rest) -> str:
        if path.endswith(b"f17"):
            raise PermissionError(13, "Permission denied")
        return real(path, size)

    monkeypatch.setattr(readers, "_digest_path", failing)
    with pytest.raises(HashingError, match="f17") as info:
        hash_tree(tmp_path)
    assert "permission denied" in str(info.value).lower()


def test_error_during_walk_stops_helpers(tmp_path: Path, monkeypatch) -> None:
    # Many files queued for the pool, then a FIFO: the walk's error wins and no helper
    # is left reading after hash_tree returns.
    if not hasattr(os, "mkfifo"):
        pytest.skip("POSIX FIFOs")
    import core.content.readers as readers

    monkeypatch.setattr(readers, "_BIG_FILE", 4096)  # most files go to the pool helpers
    for i in range(40):
        write(tmp_path, f"a{i:02d}", os.urandom(20000), 0o644)
    os.mkfifo(tmp_path / "zz-pipe")
    with pytest.raises(UnsupportedEntryError, match="zz-pipe"):
        hash_tree(tmp_path)
    write(tmp_path / "next", "x", b"x", 0o644)
    assert hash_tree(tmp_path / "next").content_hash == expected([(b"x", "f", b"x")])


def test_hash_file_missing_raises(tmp_path: Path) -> None:
    with pytest.raises(HashingError, match="gone"):
        hash_file(tmp_path / "gone")



def test_file_that_grows_after_stat_is_hashed_whole(tmp_path: Path) -> None:
    # A small file read in one go: if it holds more than stat said, the rest is streamed.
    import core.content.readers as readers

    write(tmp_path, "f", b"x" * 100_000, 0o644)
    assert readers._digest_path(os.fsencode(tmp_path / "f"), 10) == sha(b"x" * 100_000)
    assert readers._digest_path(os.fsencode(tmp_path / "f"), 200_000) == sha(b"x" * 100_000)


@pytest.mark.parametrize("spread", [False, True])
def test_hash_trees_matches_hash_tree_in_order(tmp_path: Path, spread: bool) -> None:
    from core.content import hash_trees
    from core.content import StatCache

    roots = []
    for a in range(12):
        root = tmp_path / f"art{a:02d}"
        for f in range(a % 4 + 1):
            write(root, f"d{f % 2}/f{f}", os.urandom(100 + 3000 * f + a), 0o755 if f == 2 else 0o644)
        roots.append(root)
    write(tmp_path, "single.md", b"one file\n", 0o644)
    roots.append(tmp_path / "single.md")
    expected_trees = [hash_tree(r) for r in roots]
    assert hash_trees(roots, spread=spread) == expected_trees
    cache = StatCache(None)
    assert hash_trees(roots, cache=cache, spread=spread) == expected_trees
    assert hash_trees(roots, cache=cache, spread=spread) == expected_trees  # warm
    assert hash_trees([], spread=spread) == []


@pytest.mark.parametrize("spread", [False, True])
def test_hash_trees_first_error_names_its_root(tmp_path: Path, spread: bool) -> None:
    from core.content import hash_trees

    good = tmp_path / "good"
    write(good, "a", b"a", 0o644)
    missing = tmp_path / "missing-artifact"
    also_missing = tmp_path / "also-missing"
    with pytest.raises(HashingError, match="missing-artifact"):
        hash_trees([good, missing, good, also_missing], spread=spread)

    results = hash_trees([good, missing, good, also_missing], return_exceptions=True, spread=spread)
    assert results[0] == results[2] == hash_tree(good)
    assert isinstance(results[1], HashingError) and "missing-artifact" in str(results[1])
    assert isinstance(results[3], HashingError) and "also-missing" in str(results[3])

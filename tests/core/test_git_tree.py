"""core.upstreams.git_tree: parsing `ls-tree -r -z` and writing blobs exactly (no git needed here)."""
from __future__ import annotations

import io
import os

import pytest

from core.errors import UpstreamError
from core.upstreams.git_tree import TreeEntry, parse_ls_tree, wanted_blobs, write_tree


def test_modes_are_read_as_git_checks_them_out():
    entries = parse_ls_tree(b"100664 blob a1\told\x00100775 blob b2\tx\x00120000 blob c3\tl\x00160000 commit d4\tsub\x00",
                            "w")
    assert [e.mode for e in entries] == ["100644", "100755", "120000", "160000"]
    assert [e.path for e in wanted_blobs(entries)] == [b"old", b"x", b"l"]


@pytest.mark.parametrize("path", [b"../x", b"a/../b", b"./a", b"a//b", b".git/config", b"x/.Git/hooks"])
def test_paths_git_refuses_are_refused(path):
    with pytest.raises(UpstreamError, match="refuses to check out"):
        parse_ls_tree(b"100644 blob a1\t" + path + b"\x00", "the commit")


def _batch(*blobs: tuple[str, bytes]) -> io.BytesIO:
    return io.BytesIO(b"".join(f"{oid} blob {len(data)}\n".encode() + data + b"\n" for oid, data in blobs))


def test_blobs_are_written_byte_for_byte_with_modes_links_and_nested_folders(tmp_path):
    crlf = b"line\r\nno newline at end \x00\xff"
    entries = [TreeEntry("100644", "a1", b"a/b/c.txt"), TreeEntry("100755", "b2", b"a/run.sh"),
               TreeEntry("120000", "c3", b"a/link"), TreeEntry("160000", "d4", b"mod"),
               TreeEntry("100644", "e5", b"top.md")]
    batch = _batch(("a1", crlf), ("b2", b"#!/bin/sh\n"), ("c3", b"b/c.txt"), ("e5", b""))
    write_tree(entries, batch, tmp_path, "w", lambda: None)
    assert (tmp_path / "a/b/c.txt").read_bytes() == crlf
    assert os.stat(tmp_path / "a/run.sh").st_mode & 0o100 and not os.stat(tmp_path / "top.md").st_mode & 0o100
    assert os.readlink(tmp_path / "a/link") == "b/c.txt"
    assert (tmp_path / "mod").is_dir() and not os.listdir(tmp_path / "mod")


def test_a_path_below_a_link_or_twice_is_refused_and_nothing_is_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    entries = [TreeEntry("120000", "c3", b"a"), TreeEntry("100644", "a1", b"a/evil")]
    with pytest.raises(UpstreamError, match="below a link"):
        write_tree(entries, _batch(("c3", str(outside).encode()), ("a1", b"x")), dest, "w", lambda: None)
    assert not os.listdir(outside)
    dest2 = tmp_path / "dest2"
    dest2.mkdir()
    twice = [TreeEntry("100644", "a1", b"f"), TreeEntry("100644", "a1", b"f")]
    with pytest.raises(UpstreamError, match="twice"):
        write_tree(twice, _batch(("a1", b"x"), ("a1", b"x")), dest2, "w", lambda: None)


def test_a_short_stream_is_an_error_not_a_short_file(tmp_path):
    batch = io.BytesIO(b"a1 blob 10\nshort")
    with pytest.raises(UpstreamError, match="stopped"):
        write_tree([TreeEntry("100644", "a1", b"f")], batch, tmp_path, "w", lambda: None)

"""Lexical checks for untrusted entry names and symlink targets."""
from __future__ import annotations

import pytest

from core.errors import LineageError, UnsafeEntryError
from core.content import check_link_target, check_name


@pytest.mark.parametrize(
    "link, target",
    [
        (b"a/b", b"../c"),
        (b"a/b", b".."),
        (b"a/b", b"c"),
        (b"a/b", b"./c/d"),
        (b"x", b"."),
        (b"x", b"y"),
        (b"x", b"sub/dir/file"),
        (b"a/b/c", b"../../d"),
        (b"a/b/c", b"../x/y"),
        (b"a/l", b"..//./"),
        (b"\xff\xfe/link", b"../\xfa\xfb"),
    ],
)
def test_links_inside_the_root_are_accepted(link, target):
    check_link_target(link, target)  # no exception


@pytest.mark.parametrize(
    "link, target",
    [
        (b"a/b", b"../../x"),
        (b"x", b".."),
        (b"x", b"../x"),
        (b"x", b"/etc/passwd"),
        (b"a/b", b"/"),
        (b"a/b/c", b"../../../d"),
        (b"x", b""),
        (b"x", b"a\0b"),
        # Lexically inside, but `d` might be a link: `..` after a name is refused.
        (b"x", b"d/../y"),
        (b"a/b", b"../c/../../x"),
        # Out of the root and back in is still out.
        (b"a/b", b"../../a/c"),
    ],
)
def test_links_leaving_the_root_are_refused(link, target):
    with pytest.raises(UnsafeEntryError):
        check_link_target(link, target)


def test_refusal_names_the_link_and_its_target():
    with pytest.raises(UnsafeEntryError) as info:
        check_link_target(b"skills/notes", b"../../.ssh/id_rsa")
    message = str(info.value)
    assert "skills/notes" in message
    assert "../../.ssh/id_rsa" in message
    assert isinstance(info.value, LineageError)


def test_refusal_of_an_absolute_target_names_it():
    with pytest.raises(UnsafeEntryError, match="/home/someone/.ssh/id_rsa"):
        check_link_target(b"key", b"/home/someone/.ssh/id_rsa")


def test_link_chain_escape_is_refused():
    # `d/l -> ..` (the root) is harmless alone; `m -> d/l/..` would then resolve
    # to the root's parent, so the second link must be refused.
    check_link_target(b"d/l", b"..")
    with pytest.raises(UnsafeEntryError):
        check_link_target(b"m", b"d/l/..")


@pytest.mark.parametrize(
    "name",
    [b"a", b"a/b/c", b"with space", b"caf\xc3\xa9.md", b"\xff\xfe", b"..hidden", b"a/.b", b"a..b", b"..."],
)
def test_plain_names_are_accepted(name):
    check_name(name)


@pytest.mark.parametrize(
    "name",
    [b"", b"/abs", b"/", b"..", b".", b"a/../b", b"a/./b", b"../a", b"a/..", b"a//b", b"a/", b"a\0b"],
)
def test_unsafe_names_are_refused(name):
    with pytest.raises(UnsafeEntryError):
        check_name(name)


def test_name_refusal_shows_the_name():
    with pytest.raises(UnsafeEntryError, match=r"\.\./secret"):
        check_name(b"../secret")


def test_str_arguments_are_a_programming_error():
    with pytest.raises(TypeError):
        check_name("a")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check_link_target(b"a", "b")  # type: ignore[arg-type]

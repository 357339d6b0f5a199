"""core.merge.text and core.merge.markers: line-level three-way merge of one file.

Expected outputs follow `git merge-file -p --diff3 -L local -L base -L upstream`
(checked by hand here; tests/core/test_merge_git.py compares against git itself).
"""
from __future__ import annotations

import pytest

from core.merge import (
    Clean, Conflict, MarkerLabels, conflict_marker_lines, has_markers, is_binary, merge_bytes, render_markers,
    split_lines,
)
from core.merge.text import BOTH, LOCAL, OTHER, UNCHANGED


def text(*lines: str, end: str = "\n") -> bytes:
    return "".join(line + end for line in lines).encode()


BASE = text("title", "", "one", "two", "three", "four", "five")


def test_one_side_changed_takes_that_side():
    local = text("title", "", "one", "TWO", "three", "four", "five")
    assert merge_bytes(BASE, local, BASE).result() == local
    assert merge_bytes(BASE, BASE, local).result() == local
    merged = merge_bytes(BASE, BASE, BASE)
    assert merged.result() == BASE
    assert [h.source for h in merged.hunks] == [UNCHANGED]


def test_sources_say_where_each_line_comes_from():
    local = text("title", "", "one", "TWO", "three", "four", "five")
    sources = [(h.source, h.lines) for h in merge_bytes(BASE, local, BASE).hunks]
    assert sources == [(UNCHANGED, (b"title\n", b"\n", b"one\n")), (LOCAL, (b"TWO\n",)),
                       (UNCHANGED, (b"three\n", b"four\n", b"five\n"))]
    assert [h.source for h in merge_bytes(BASE, BASE, local).hunks] == [UNCHANGED, OTHER, UNCHANGED]
    assert [h.source for h in merge_bytes(BASE, local, local).hunks] == [UNCHANGED, BOTH, UNCHANGED]


def test_changes_separated_by_an_unchanged_line_merge_cleanly():
    local = text("title", "", "ONE", "two", "three", "four", "five")
    other = text("title", "", "one", "two", "THREE", "four", "five")
    merged = merge_bytes(BASE, local, other)
    assert merged.clean
    assert merged.result() == text("title", "", "ONE", "two", "THREE", "four", "five")
    sources = [(h.source, h.lines) for h in merged.hunks if h.source != UNCHANGED]
    assert sources == [(LOCAL, (b"ONE\n",)), (OTHER, (b"THREE\n",))]


def test_adjacent_changes_conflict_as_in_git():
    local = text("title", "", "one", "TWO", "three", "four", "five")
    other = text("title", "", "one", "two", "THREE", "four", "five")
    merged = merge_bytes(BASE, local, other)
    assert not merged.clean
    (conflict,) = merged.conflicts
    assert conflict == Conflict(
        base=(b"two\n", b"three\n"), local=(b"TWO\n", b"three\n"), other=(b"two\n", b"THREE\n"),
        base_start=3, local_start=3, other_start=3,
    )
    assert render_markers(merged) == text(
        "title", "", "one",
        "<<<<<<< local", "TWO", "three", "||||||| base", "two", "three", "=======", "two", "THREE",
        ">>>>>>> upstream", "four", "five",
    )


def test_overlapping_changes_conflict_over_their_union():
    local = text("title", "", "one", "TWO", "THREE", "four", "five")
    other = text("title", "", "one", "two", "3", "4", "five")
    (conflict,) = merge_bytes(BASE, local, other).conflicts
    assert conflict.base == (b"two\n", b"three\n", b"four\n")
    assert conflict.local == (b"TWO\n", b"THREE\n", b"four\n")
    assert conflict.other == (b"two\n", b"3\n", b"4\n")


def test_the_same_change_on_both_sides_is_clean():
    changed = text("title", "", "one", "2", "three", "four", "five")
    merged = merge_bytes(BASE, changed, changed)
    assert merged.result() == changed
    # and next to a one-sided change
    local = text("title", "", "ONE", "two", "three", "4", "five")
    other = text("TITLE", "", "one", "two", "three", "4", "five")
    merged = merge_bytes(BASE, local, other)
    assert merged.result() == text("TITLE", "", "ONE", "two", "three", "4", "five")
    assert (BOTH, (b"4\n",)) in [(h.source, h.lines) for h in merged.hunks]


def test_insertions_at_the_same_place_conflict_with_an_empty_base():
    local = text("title", "", "one", "local line", "two", "three", "four", "five")
    other = text("title", "", "one", "other line", "two", "three", "four", "five")
    (conflict,) = merge_bytes(BASE, local, other).conflicts
    assert (conflict.base, conflict.local, conflict.other) == ((), (b"local line\n",), (b"other line\n",))


def test_insert_at_start_and_at_end():
    local = text("first") + BASE
    other = BASE + text("last")
    assert merge_bytes(BASE, local, other).result() == text("first") + BASE + text("last")
    # both insert at the start: a conflict with an empty base before line 1
    (conflict,) = merge_bytes(BASE, text("X") + BASE, text("Y") + BASE).conflicts
    assert (conflict.base_start, conflict.local, conflict.other) == (0, (b"X\n",), (b"Y\n",))


def test_delete_all():
    assert merge_bytes(BASE, b"", BASE).result() == b""
    assert merge_bytes(BASE, b"", b"").result() == b""
    # deleted everything vs an edit: one conflict, the base is the whole file
    other = text("title", "", "one", "two", "three", "four", "FIVE")
    (conflict,) = merge_bytes(BASE, b"", other).conflicts
    assert (b"".join(conflict.base), conflict.local, b"".join(conflict.other)) == (BASE, (), other)


def test_empty_files():
    assert merge_bytes(b"", b"", b"").hunks == ()
    assert merge_bytes(b"", b"", b"new\n").result() == b"new\n"
    assert merge_bytes(b"", b"x\n", b"x\n").result() == b"x\n"
    (conflict,) = merge_bytes(b"", b"x\n", b"y\n").conflicts
    assert (conflict.base, conflict.local, conflict.other) == ((), (b"x\n",), (b"y\n",))


def test_last_line_without_newline():
    base = b"a\nb\nc"
    # the final line changes only by gaining a newline + a line: that is a change of line "c"
    assert merge_bytes(base, b"a\nb\nc\nd", b"A\nb\nc").result() == b"A\nb\nc\nd"
    assert merge_bytes(base, b"a\nb\nc\n", base).result() == b"a\nb\nc\n"
    # a conflict on the last line: the markers still start on their own line (git adds the newline)
    merged = merge_bytes(base, b"a\nb\nL", b"a\nb\nO")
    (conflict,) = merged.conflicts
    assert conflict.local == (b"L",)
    assert render_markers(merged) == (
        b"a\nb\n<<<<<<< local\nL\n||||||| base\nc\n=======\nO\n>>>>>>> upstream\n"
    )
    # appending after a last line that had no newline touches that line (git: conflict)
    assert not merge_bytes(b"a\nb", b"a\nb\nc", b"A\nb").clean


def test_crlf_lines_are_kept_and_markers_follow_them():
    base = b"one\r\ntwo\r\nthree\r\n"
    merged = merge_bytes(base, b"one\r\nTWO\r\nthree\r\n", b"one\r\ntwo\r\nthree\r\nfour\r\n")
    assert merged.result() == b"one\r\nTWO\r\nthree\r\nfour\r\n"
    merged = merge_bytes(base, b"one\r\nL\r\nthree\r\n", b"one\r\nO\r\nthree\r\n")
    assert merged.conflicts[0].crlf
    assert render_markers(merged) == (
        b"one\r\n<<<<<<< local\r\nL\r\n||||||| base\r\ntwo\r\n=======\r\nO\r\n>>>>>>> upstream\r\nthree\r\n"
    )
    # a lone CR is part of its line, not a line break
    assert split_lines(b"a\rb\nc") == [b"a\rb\n", b"c"]


def test_labels_are_configurable():
    merged = merge_bytes(b"x\n", b"L\n", b"O\n")
    out = render_markers(merged, MarkerLabels(local="project", base="v3", other="collection"))
    assert out == b"<<<<<<< project\nL\n||||||| v3\nx\n=======\nO\n>>>>>>> collection\n"
    assert render_markers(merged, MarkerLabels("", "", "")) == b"<<<<<<<\nL\n|||||||\nx\n=======\nO\n>>>>>>>\n"


@pytest.mark.parametrize(
    "choice, expected",
    [
        ("local", b"a\nL1\nL2\nc\n"),
        ("other", b"a\nO\nc\n"),
        ("both", b"a\nL1\nL2\nO\nc\n"),
        ("base", b"a\nb\nc\n"),
        (b"edited\n", b"a\nedited\nc\n"),
    ],
)
def test_resolve_each_way(choice, expected):
    merged = merge_bytes(b"a\nb\nc\n", b"a\nL1\nL2\nc\n", b"a\nO\nc\n")
    assert merged.resolve([choice]) == expected


def test_resolve_both_keeps_lines_apart_at_the_end_of_the_file():
    merged = merge_bytes(b"a\nb", b"a\nL", b"a\nO")
    assert merged.resolve(["both"]) == b"a\nL\nO"
    crlf = merge_bytes(b"a\r\nb", b"a\r\nL", b"a\r\nO")
    assert crlf.resolve(["both"]) == b"a\r\nL\r\nO"


def test_resolve_and_result_refuse_what_does_not_fit():
    merged = merge_bytes(b"a\n", b"b\n", b"c\n")
    with pytest.raises(ValueError, match="conflicting"):
        merged.result()
    with pytest.raises(ValueError, match="2 choice"):
        merged.resolve(["local", "other"])
    with pytest.raises(ValueError, match="unknown choice"):
        merged.resolve(["mine"])


def test_hunks_cover_the_file_in_order():
    local = text("TITLE", "", "one", "two", "three", "four", "five", "six")
    other = text("title", "", "one", "2", "three", "four", "five")
    merged = merge_bytes(BASE, local, other)
    assert all(isinstance(h, Clean) for h in merged.hunks)
    assert b"".join(line for h in merged.hunks for line in h.lines) == merged.result()
    assert merged.result() == text("TITLE", "", "one", "2", "three", "four", "five", "six")


def test_markers_are_found_and_gone_after_resolving():
    merged = merge_bytes(BASE, text("title", "", "one", "L", "three", "four", "five"),
                         text("title", "", "one", "O", "three", "four", "five"))
    rendered = render_markers(merged)
    assert has_markers(rendered)
    assert conflict_marker_lines(rendered) == [4, 6, 8, 10]
    assert has_markers(rendered, MarkerLabels())
    assert not has_markers(rendered, MarkerLabels("mine", "v1", "theirs"))
    assert not has_markers(merged.resolve(["local"]))


def test_markdown_underlines_and_partial_markers():
    heading = b"Title\n=======\n\nText\n"
    assert not has_markers(heading)  # a setext heading, not a conflict
    assert conflict_marker_lines(b"a\n<<<<<<< local\nb\n") == [2]  # an opener left behind
    assert conflict_marker_lines(b"a\n>>>>>>> upstream") == [2]
    assert not has_markers(b"<<<<<<<< eight\n<<<<<<<x\n")  # not a 7-character marker
    assert has_markers(b"x\r\n<<<<<<< local\r\n")
    # a document quoting git's markers is not taken for ours when the labels are known
    doc = b"```\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> branch\n```\n"
    assert has_markers(doc)
    assert not has_markers(doc, MarkerLabels())


def test_binary_detection_uses_gits_window():
    assert is_binary(b"abc\0def")
    assert is_binary(b"x" * 7999 + b"\0")
    assert not is_binary(b"x" * 8000 + b"\0")
    assert not is_binary("caf\u00e9 na\u00efve \u2713\n".encode())
    assert not is_binary(b"latin-1 caf\xe9\n")  # not UTF-8, but text to a line merge

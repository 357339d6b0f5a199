"""Which lines of one text are equal, by the diff, to lines of another: what blame passes on.

A line is the bytes up to its newline (a last line without one never equals the same text
with one, as in git). Both texts are split in C (`bytes.split`); runs of equal lines are
followed with slice comparisons that double in length (C loops, not Python ones), so the
cost grows with the number of changes, not with the file:

1. a greedy O(ND) Myers search on the line lists finds where the texts differ;
2. a lone insertion or deletion that cannot slide (its edge lines differ from their
   neighbours) has one place only and is kept; every other place (with CONTEXT lines
   either side, places closer than that joined) is diffed again with the line diff the merge uses (core.merge.line_diff: git's Myers with
   its pre-pass and slides), so ambiguous pairings (blank lines, repeated lines) come out as
   git's do. More than MAX_SPARSE_EDITS changes: the whole middle goes to that diff at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from core.merge import line_diff

__all__ = ["EqualBlock", "equal_blocks", "equal_line_blocks", "line_count", "split_lines"]

CONTEXT = 24  # lines kept around each change when it is diffed again git's way
MAX_SPARSE_EDITS = 400  # beyond this many inserted + deleted lines, one git-style diff of it all

Change = tuple[int, int, int, int]  # (start in old, lines in old, start in new, lines in new)


@dataclass(frozen=True)
class EqualBlock:
    """`length` lines equal in both texts: from line `new_start` of the newer one and
    `old_start` of the older one (0-based)."""

    new_start: int
    old_start: int
    length: int


def split_lines(data: bytes) -> list[bytes]:
    """The lines of `data` without their newlines; only b"\\n" ends a line (a lone CR does
    not). A last line without a newline gets a NUL appended, so it never equals the same
    text with one (git: "foo" and "foo\\n" differ); no text line holds a NUL."""
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    else:
        parts[-1] += b"\0"
    return parts


def line_count(data: bytes) -> int:
    """Lines in `data` (a last line without a newline counts)."""
    return data.count(b"\n") + (1 if data and data[-1] != 10 else 0)


def _run(a: Sequence[bytes], b: Sequence[bytes], x: int, y: int, lim: int) -> int:
    """How many lines are equal from a[x] and b[y] on (at most `lim`): doubling slices, then halving."""
    lo, step = 0, 4
    while lo + step <= lim and a[x + lo:x + lo + step] == b[y + lo:y + lo + step]:
        lo += step
        step *= 2
    while step > 1:
        step //= 2
        if lo + step <= lim and a[x + lo:x + lo + step] == b[y + lo:y + lo + step]:
            lo += step
    return lo


def _sparse_changes(a: Sequence[bytes], b: Sequence[bytes], max_d: int) -> list[Change] | None:
    """Myers' greedy forward search (a shortest edit script) from `a` to `b`, following equal
    runs with `_run`; None when it needs more than `max_d` inserted + deleted lines."""
    n, m = len(a), len(b)
    off = max_d + 1
    v = [0] * (2 * max_d + 3)
    trace: list[list[int]] = []
    for d in range(max_d + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[off + k - 1] < v[off + k + 1]):
                x = v[off + k + 1]
            else:
                x = v[off + k - 1] + 1
            y = x - k
            if x < n and y < m and a[x] == b[y]:  # most diagonals stop at once: no slices then
                x += _run(a, b, x, y, min(n - x, m - y))
            v[off + k] = x
            if x >= n and x - k >= m:
                trace.append(v[:off + d + 2])
                return _backtrack(trace, n, m, off)
        trace.append(v[:off + d + 2])  # the diagonals reached so far (k <= d) are all backtracking reads
    return None


def _backtrack(trace: list[list[int]], n: int, m: int, off: int) -> list[Change]:
    """The changes along the path the search found, in order."""
    blocks: list[tuple[int, int, int]] = []  # equal runs: (x, y, length), last first
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        v = trace[d - 1]
        k = x - y
        down = k == -d or (k != d and v[off + k - 1] < v[off + k + 1])
        prev_k = k + 1 if down else k - 1
        prev_x = v[off + prev_k]
        mid_x = prev_x if down else prev_x + 1
        if x > mid_x:
            blocks.append((mid_x, mid_x - k, x - mid_x))
        x, y = prev_x, prev_x - prev_k
    if x > 0:
        blocks.append((0, 0, x))
    changes: list[Change] = []
    at_a = at_b = 0
    for bx, by, length in reversed(blocks):
        if bx > at_a or by > at_b:
            changes.append((at_a, bx - at_a, at_b, by - at_b))
        at_a, at_b = bx + length, by + length
    if at_a < n or at_b < m:
        changes.append((at_a, n - at_a, at_b, m - at_b))
    return changes


def _git_changes(a: Sequence[bytes], b: Sequence[bytes], a0: int, a1: int, b0: int, b1: int) -> list[Change]:
    """core.merge.line_diff on a[a0:a1] and b[b0:b1], in whole-text line numbers."""
    ids: dict[bytes, int] = {}
    ia = [ids.setdefault(line, len(ids)) for line in a[a0:a1]]
    ib = [ids.setdefault(line, len(ids)) for line in b[b0:b1]]
    return [(a0 + s, ln, b0 + t, lm) for s, ln, t, lm in line_diff(ia, ib)]


def _fixed(old: Sequence[bytes], new: Sequence[bytes], change: Change) -> bool:
    """Whether a change only inserts (or only deletes) lines that cannot slide up or down
    (the line before the group differs from its last line, the line after from its first)."""
    a0, an, b0, bn = change
    if an and bn:
        return False
    lines, s, e = (new, b0, b0 + bn) if bn else (old, a0, a0 + an)
    return (s == 0 or lines[s - 1] != lines[e - 1]) and (e == len(lines) or lines[s] != lines[e])


def _changes(old: Sequence[bytes], new: Sequence[bytes]) -> list[Change]:
    n, m = len(old), len(new)
    sparse = _sparse_changes(old, new, MAX_SPARSE_EDITS)
    if sparse is None:
        return _git_changes(old, new, 0, n, 0, m)
    out: list[Change] = []
    i = 0
    while i < len(sparse):
        # one window: this change and those within 2 * CONTEXT equal lines of it
        j = i
        while j + 1 < len(sparse) and sparse[j + 1][0] - (sparse[j][0] + sparse[j][1]) <= 2 * CONTEXT:
            j += 1
        first, last = sparse[i], sparse[j]
        if i == j and _fixed(old, new, first):
            out.append(first)  # one insertion or deletion that cannot slide: git places it the same
            i += 1
            continue
        before_a = first[0] - (sparse[i - 1][0] + sparse[i - 1][1] if i else 0)
        after_a = (sparse[j + 1][0] if j + 1 < len(sparse) else n) - (last[0] + last[1])
        pre, post = min(CONTEXT, before_a), min(CONTEXT, after_a)
        out += _git_changes(old, new, first[0] - pre, last[0] + last[1] + post,
                            first[2] - pre, last[2] + last[3] + post)
        i = j + 1
    return out


def equal_line_blocks(new: Sequence[bytes], old: Sequence[bytes]) -> list[EqualBlock]:
    """The lines of `new` that the diff from `old` to `new` leaves unchanged, as blocks in order
    (lines as `split_lines` gives them)."""
    blocks: list[EqualBlock] = []
    at_old = at_new = 0
    for old_start, old_len, new_start, new_len in _changes(old, new):
        if new_start > at_new:
            blocks.append(EqualBlock(at_new, at_old, new_start - at_new))
        at_old, at_new = old_start + old_len, new_start + new_len
    if at_new < len(new):
        blocks.append(EqualBlock(at_new, at_old, len(new) - at_new))
    return blocks


def equal_blocks(new: bytes, old: bytes) -> list[EqualBlock]:
    """`equal_line_blocks` of two texts."""
    return equal_line_blocks(split_lines(new), split_lines(old))

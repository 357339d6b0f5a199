"""Which lines of one text are equal, by the diff, to lines of another: what blame passes on.

A line is the bytes up to and including its newline (the last one may have none), as
git counts them. The common head and tail are found on the bytes themselves (a few
memcmp calls, no split), so two 20,000-line versions that differ in a handful of lines
cost about as much as those lines; only the middle is split and handed to the line diff
the merge uses (core.merge.line_diff: git's Myers diff), so blame pairs lines as git does.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.merge import line_diff

__all__ = ["EqualBlock", "equal_blocks", "line_count", "split_lines"]

_NL = 10  # b"\n"[0]


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
    return data.count(b"\n") + (1 if data and data[-1] != _NL else 0)


def _common_prefix(a: bytes, b: bytes) -> int:
    """Bytes equal at the start of both (gallop, then halve: memcmp does the work)."""
    lim = min(len(a), len(b))
    view = memoryview(b)
    lo, step = 0, 4096
    while lo + step <= lim and a.startswith(view[lo:lo + step], lo):
        lo += step
        step *= 2
    hi = min(lo + step, lim)  # a[:lo] == b[:lo]; the first difference is before hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a.startswith(view[lo:mid], lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: bytes, b: bytes, lim: int) -> int:
    """Bytes equal at the end of both, at most `lim`."""
    na, nb = len(a), len(b)
    view = memoryview(b)
    lo, step = 0, 4096
    while lo + step <= lim and a.endswith(view[nb - lo - step:nb - lo], 0, na - lo):
        lo += step
        step *= 2
    hi = min(lo + step, lim)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a.endswith(view[nb - mid:nb - lo], 0, na - lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


def equal_blocks(new: bytes, old: bytes) -> list[EqualBlock]:
    """The lines of `new` that the diff from `old` to `new` leaves unchanged, as blocks in order."""
    if new == old:
        n = line_count(new)
        return [EqualBlock(0, 0, n)] if n else []
    head = _common_prefix(new, old)
    if head < min(len(new), len(old)) or len(new) != len(old):
        head = new.rfind(b"\n", 0, head) + 1  # whole lines only: back to the last line start
    tail = _common_suffix(new, old, min(len(new), len(old)) - head)
    # The tail must start at a line start in both texts.
    start_new = len(new) - tail
    while start_new < len(new):
        start_old = len(old) - (len(new) - start_new)
        if (start_new == 0 or new[start_new - 1] == _NL) and (start_old == 0 or old[start_old - 1] == _NL):
            break
        found = new.find(b"\n", start_new)
        start_new = len(new) if found < 0 else found + 1
    tail_bytes = len(new) - start_new
    head_lines = new.count(b"\n", 0, head)
    mid_new = split_lines(new[head:len(new) - tail_bytes])
    mid_old = split_lines(old[head:len(old) - tail_bytes])
    blocks = [EqualBlock(0, 0, head_lines)] if head_lines else []
    if mid_new and mid_old:
        ids: dict[bytes, int] = {}
        ids_new = [ids.setdefault(line, len(ids)) for line in mid_new]
        ids_old = [ids.setdefault(line, len(ids)) for line in mid_old]
        at_old = at_new = 0
        for old_start, old_len, new_start, new_len in line_diff(ids_old, ids_new):
            if new_start > at_new:
                blocks.append(EqualBlock(head_lines + at_new, head_lines + at_old, new_start - at_new))
            at_old, at_new = old_start + old_len, new_start + new_len
        if at_new < len(mid_new):
            blocks.append(EqualBlock(head_lines + at_new, head_lines + at_old, len(mid_new) - at_new))
    tail_lines = line_count(new[len(new) - tail_bytes:]) if tail_bytes else 0
    if tail_lines:
        new_at = head_lines + len(mid_new)
        old_at = head_lines + len(mid_old)
        if blocks and blocks[-1].new_start + blocks[-1].length == new_at \
                and blocks[-1].old_start + blocks[-1].length == old_at:
            last = blocks.pop()
            blocks.append(EqualBlock(last.new_start, last.old_start, last.length + tail_lines))
        else:
            blocks.append(EqualBlock(new_at, old_at, tail_lines))
    return blocks

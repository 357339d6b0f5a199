"""The line diff `git merge-file` uses, so that our merges conflict where git's do.

Where equal lines could be paired in more than one way (blank lines, code fences,
repeated list items), the pairing decides which edits touch and therefore what
conflicts. So this module does what git's default (Myers) diff does, step by
step; it is written from the algorithm's description (Myers 1986, "An O(ND)
Difference Algorithm and its Variations") and checked against `git diff` and
`git merge-file` output by the tests, not translated from git's sources:

1. the common head and tail are set aside;
2. a line that never occurs in the other file is changed outright, and a line
   that occurs very often there is left out of the search when it sits among
   such lines (it could only pair by accident);
3. Myers' middle-snake divide and conquer runs on the remaining lines, with
   git's cut-offs for expensive boxes (so a huge diff stays near-linear rather
   than optimal);
4. each group of changed lines slides down as far as equal lines allow, or
   back up to line up with a change in the other file.

Lines are compared as interned integers (equal ids = byte-equal lines).
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

__all__ = ["Change", "diff"]

# (start in a, lines in a, start in b, lines in b); 0-based, in order.
Change = tuple[int, int, int, int]

_MAX_EQ_LIMIT = 1024  # "occurs very often": at least min(~sqrt(len), this) times
_SCAN_WINDOW = 100  # how far step 2 looks either side of a frequent line
_KEEP_RUN = 4  # a frequent line is dropped when lines without a match outnumber frequent ones 3:1
_MIN_COST = 256  # edit cost before the search settles for a good-enough split
_SNAKE = 20  # a diagonal run this long counts as a good split point
_K_HEUR = 4
_FAR = 1 << 62  # stands for "unreached" in the backward search


def diff(a: Sequence[int], b: Sequence[int]) -> list[Change]:
    """The changes that turn line ids `a` into `b`, as git's Myers diff finds them."""
    n, m = len(a), len(b)
    # changed flags with a sentinel either side: line k is at index k + 1
    chg_a = bytearray(n + 2)
    chg_b = bytearray(m + 2)

    head = _common_head(a, b)
    tail = _common_tail(a, b, min(n, m) - head)
    ids_a, at_a = _searchable(a, head, n - tail, Counter(b), _frequent_limit(n), chg_a)
    ids_b, at_b = _searchable(b, head, m - tail, Counter(a), _frequent_limit(m), chg_b)
    _search(ids_a, at_a, chg_a, ids_b, at_b, chg_b)

    _slide(a, chg_a, chg_b)
    _slide(b, chg_b, chg_a)
    return _changes(chg_a, n, chg_b, m)


def _common_head(a: Sequence[int], b: Sequence[int]) -> int:
    lim = min(len(a), len(b))
    lo, step = 0, 64
    # gallop with C-speed slice comparisons, then settle line by line
    while lo + step <= lim and a[lo:lo + step] == b[lo:lo + step]:
        lo += step
        step *= 2
    while lo < lim and a[lo] == b[lo]:
        lo += 1
    return lo


def _common_tail(a: Sequence[int], b: Sequence[int], lim: int) -> int:
    n, m = len(a), len(b)
    k, step = 0, 64
    while k + step <= lim and a[n - k - step:n - k] == b[m - k - step:m - k]:
        k += step
        step *= 2
    while k < lim and a[n - 1 - k] == b[m - 1 - k]:
        k += 1
    return k


def _frequent_limit(n: int) -> int:
    """A power of two between sqrt(n) and 2 * sqrt(n), capped."""
    limit = 1
    while n > 0:
        n >>= 2
        limit <<= 1
    return min(limit, _MAX_EQ_LIMIT)


def _searchable(
    x: Sequence[int], start: int, end: int, other: Counter, limit: int, chg: bytearray
) -> tuple[list[int], list[int]]:
    """Step 2: the ids left for the search and where they sit in `x`; the lines
    left out are marked changed in `chg`."""
    get = other.get
    # 0: no match in the other file, 1: some, 2: very many
    marks = [0 if c == 0 else 2 if c >= limit else 1 for c in [get(v, 0) for v in x[start:end]]]
    ids: list[int] = []
    where: list[int] = []
    last = len(marks) - 1
    for k, mark in enumerate(marks):
        if mark == 1 or (mark == 2 and not _among_unmatched(marks, k, last)):
            ids.append(x[start + k])
            where.append(start + k)
        else:
            chg[start + k + 1] = 1
    return ids, where


def _among_unmatched(marks: list[int], i: int, last: int) -> bool:
    """Whether the frequent line at `i` sits in a run made mostly of lines without a match."""
    lo = max(0, i - _SCAN_WINDOW)
    hi = min(last, i + _SCAN_WINDOW)
    before_none, frequent = 0, 1
    r = i - 1
    while r >= lo:
        mark = marks[r]
        if mark == 0:
            before_none += 1
        elif mark == 2:
            frequent += 1
        else:
            break
        r -= 1
    if before_none == 0:
        return False
    after_none = 0
    frequent += 1  # the line itself counts on both sides, as in git
    r = i + 1
    while r <= hi:
        mark = marks[r]
        if mark == 0:
            after_none += 1
        elif mark == 2:
            frequent += 1
        else:
            break
        r += 1
    if after_none == 0:
        return False
    return frequent * _KEEP_RUN < frequent + before_none + after_none


def _search(
    ha1: list[int], at1: list[int], chg1: bytearray, ha2: list[int], at2: list[int], chg2: bytearray
) -> None:
    """Step 3: Myers divide and conquer over the searchable lines, marking changes."""
    n1, n2 = len(ha1), len(ha2)
    ndiags = n1 + n2 + 3
    shift = n2 + 1  # diagonal d lives at index d + shift
    kvdf = [0] * ndiags
    kvdb = [0] * ndiags
    max_cost = max(_frequent_limit(ndiags), _MIN_COST)
    boxes = [(0, n1, 0, n2, False)]
    while boxes:
        off1, lim1, off2, lim2, need_min = boxes.pop()
        while off1 < lim1 and off2 < lim2 and ha1[off1] == ha2[off2]:
            off1 += 1
            off2 += 1
        while off1 < lim1 and off2 < lim2 and ha1[lim1 - 1] == ha2[lim2 - 1]:
            lim1 -= 1
            lim2 -= 1
        if off1 == lim1:
            for k in range(off2, lim2):
                chg2[at2[k] + 1] = 1
        elif off2 == lim2:
            for k in range(off1, lim1):
                chg1[at1[k] + 1] = 1
        else:
            i1, i2, min_lo, min_hi = _split(
                ha1, off1, lim1, ha2, off2, lim2, kvdf, kvdb, shift, need_min, max_cost
            )
            boxes.append((i1, lim1, i2, lim2, min_hi))
            boxes.append((off1, i1, off2, i2, min_lo))


def _split(
    ha1: list[int], off1: int, lim1: int, ha2: list[int], off2: int, lim2: int,
    kvdf: list[int], kvdb: list[int], shift: int, need_min: bool, max_cost: int,
) -> tuple[int, int, bool, bool]:
    """A point on an optimal (or, past the cut-offs, a good) path through the box,
    found by searching forward from its top-left and backward from its bottom-right
    at once; and whether each half must then be searched without cut-offs."""
    dmin, dmax = off1 - lim2, lim1 - off2
    fmid, bmid = off1 - off2, lim1 - lim2
    odd = (fmid - bmid) & 1
    fmin = fmax = fmid
    bmin = bmax = bmid
    kvdf[fmid + shift] = off1
    kvdb[bmid + shift] = lim1
    cost = 0
    while True:
        cost += 1
        got_snake = False

        # forward: widen the band of diagonals by one (or narrow it at the box edge)
        if fmin > dmin:
            fmin -= 1
            kvdf[fmin - 1 + shift] = -1
        else:
            fmin += 1
        if fmax < dmax:
            fmax += 1
            kvdf[fmax + 1 + shift] = -1
        else:
            fmax -= 1
        for d in range(fmax, fmin - 1, -2):
            lo, hi = kvdf[d - 1 + shift], kvdf[d + 1 + shift]
            i1 = lo + 1 if lo >= hi else hi
            start = i1
            i2 = i1 - d
            while i1 < lim1 and i2 < lim2 and ha1[i1] == ha2[i2]:
                i1 += 1
                i2 += 1
            if i1 - start > _SNAKE:
                got_snake = True
            kvdf[d + shift] = i1
            if odd and bmin <= d <= bmax and kvdb[d + shift] <= i1:
                return i1, i2, True, True

        # backward
        if bmin > dmin:
            bmin -= 1
            kvdb[bmin - 1 + shift] = _FAR
        else:
            bmin += 1
        if bmax < dmax:
            bmax += 1
            kvdb[bmax + 1 + shift] = _FAR
        else:
            bmax -= 1
        for d in range(bmax, bmin - 1, -2):
            lo, hi = kvdb[d - 1 + shift], kvdb[d + 1 + shift]
            i1 = lo if lo < hi else hi - 1
            start = i1
            i2 = i1 - d
            while i1 > off1 and i2 > off2 and ha1[i1 - 1] == ha2[i2 - 1]:
                i1 -= 1
                i2 -= 1
            if start - i1 > _SNAKE:
                got_snake = True
            kvdb[d + shift] = i1
            if not odd and fmin <= d <= fmax and i1 <= kvdf[d + shift]:
                return i1, i2, True, True

        if need_min:
            continue

        if got_snake and cost > _MIN_COST:
            # a diagonal that got far along a long run of equal lines is a good split
            best = 0
            found = None
            for d in range(fmax, fmin - 1, -2):
                i1 = kvdf[d + shift]
                i2 = i1 - d
                v = (i1 - off1) + (i2 - off2) - abs(d - fmid)
                if (v > _K_HEUR * cost and v > best
                        and off1 + _SNAKE <= i1 < lim1 and off2 + _SNAKE <= i2 < lim2
                        and ha1[i1 - _SNAKE:i1] == ha2[i2 - _SNAKE:i2]):
                    best, found = v, (i1, i2)
            if found is not None:
                return found[0], found[1], True, False
            for d in range(bmax, bmin - 1, -2):
                i1 = kvdb[d + shift]
                i2 = i1 - d
                v = (lim1 - i1) + (lim2 - i2) - abs(d - bmid)
                if (v > _K_HEUR * cost and v > best
                        and off1 < i1 <= lim1 - _SNAKE and off2 < i2 <= lim2 - _SNAKE
                        and ha1[i1:i1 + _SNAKE] == ha2[i2:i2 + _SNAKE]):
                    best, found = v, (i1, i2)
            if found is not None:
                return found[0], found[1], False, True

        if cost >= max_cost:
            # too expensive: take whichever search got furthest
            fbest = fbest1 = -1
            for d in range(fmax, fmin - 1, -2):
                i1 = min(kvdf[d + shift], lim1)
                i2 = i1 - d
                if lim2 < i2:
                    i1, i2 = lim2 + d, lim2
                if fbest < i1 + i2:
                    fbest, fbest1 = i1 + i2, i1
            bbest = bbest1 = _FAR
            for d in range(bmax, bmin - 1, -2):
                i1 = max(off1, kvdb[d + shift])
                i2 = i1 - d
                if i2 < off2:
                    i1, i2 = off2 + d, off2
                if i1 + i2 < bbest:
                    bbest, bbest1 = i1 + i2, i1
            if (lim1 + lim2) - bbest < fbest - (off1 + off2):
                return fbest1, fbest - fbest1, True, False
            return bbest1, bbest - bbest1, False, True


def _slide(x: Sequence[int], chg: bytearray, other: bytearray) -> None:
    """Step 4 for one file: slide each group of changed lines (merging groups it
    bumps into) down as far as it goes, then back up to the last position where it
    faces a change in the other file, if there was one. `other` is only walked in
    step, to know which positions face a change."""
    n = len(chg) - 2
    n_other = len(other) - 2
    gs = ge = 0  # group [gs, ge) in this file; chg index = line + 1
    while chg[ge + 1]:
        ge += 1
    os_ = oe = 0  # the corresponding group in the other file
    while other[oe + 1]:
        oe += 1

    while True:
        if ge != gs:
            while True:
                size = ge - gs
                facing_end = -1
                while gs > 0 and x[gs - 1] == x[ge - 1]:  # slide up
                    gs -= 1
                    chg[gs + 1] = 1
                    ge -= 1
                    chg[ge + 1] = 0
                    while chg[gs]:
                        gs -= 1
                    oe = os_ - 1
                    os_ = oe
                    while other[os_]:
                        os_ -= 1
                earliest_end = ge
                if oe > os_:
                    facing_end = ge
                while ge < n and x[gs] == x[ge]:  # slide down
                    chg[gs + 1] = 0
                    gs += 1
                    chg[ge + 1] = 1
                    ge += 1
                    while chg[ge + 1]:
                        ge += 1
                    os_ = oe + 1
                    oe = os_
                    while other[oe + 1]:
                        oe += 1
                    if oe > os_:
                        facing_end = ge
                if size == ge - gs:
                    break
            if ge != earliest_end and facing_end != -1:
                while oe == os_:  # back up until it faces a change again
                    gs -= 1
                    chg[gs + 1] = 1
                    ge -= 1
                    chg[ge + 1] = 0
                    while chg[gs]:
                        gs -= 1
                    oe = os_ - 1
                    os_ = oe
                    while other[os_]:
                        os_ -= 1
        if ge == n:
            break
        gs = ge + 1
        ge = gs
        while chg[ge + 1]:
            ge += 1
        if oe == n_other:  # cannot happen: both files have as many unchanged lines
            break
        os_ = oe + 1
        oe = os_
        while other[oe + 1]:
            oe += 1


def _changes(chg_a: bytearray, n: int, chg_b: bytearray, m: int) -> list[Change]:
    """Pair the unchanged lines in order; what lies between two pairs is one change."""
    out: list[Change] = []
    i = j = 0
    while i < n or j < m:
        if chg_a[i + 1] or chg_b[j + 1]:
            si, sj = i, j
            while chg_a[i + 1]:
                i += 1
            while chg_b[j + 1]:
                j += 1
            out.append((si, i - si, sj, j - sj))
        else:
            i += 1
            j += 1
    return out

"""Three-way merge of one text file, line by line, with `git merge-file --diff3`'s rules.

`merge_bytes(base, local, other)` diffs base against each side (core.merge.linediff)
and walks both change lists together:

- a change on one side only is taken;
- the same change on both sides (same base lines replaced by the same lines) is taken once;
- changes that overlap, or merely touch (no unchanged base line between them),
  are one conflict covering all of them, as in git (its "eager" level, the one
  its diff3 output uses).

The result is a `TextMerge`: the file as a list of hunks, each `Clean` (lines
settled) or `Conflict` (base, local and other lines of one region), so a window
can resolve it hunk by hunk, and `core.merge.markers` can write it with git-style
conflict markers. Lines keep their bytes exactly: CRLF endings stay, and the last
line may lack a newline.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

from core.merge.linediff import diff

__all__ = [
    "BINARY_SNIFF_BYTES",
    "BOTH",
    "CHOICES",
    "LOCAL",
    "OTHER",
    "TAKE_BASE",
    "TAKE_BOTH",
    "TAKE_LOCAL",
    "TAKE_OTHER",
    "UNCHANGED",
    "Choice",
    "Clean",
    "Conflict",
    "Hunk",
    "TextMerge",
    "is_binary",
    "join_lines",
    "merge_bytes",
    "merge_lines",
    "split_lines",
]

# git's rule (buffer_is_binary): a NUL byte in the first 8,000 bytes means binary.
BINARY_SNIFF_BYTES = 8000

# Where a clean hunk's lines come from.
UNCHANGED = "unchanged"  # neither side changed them
LOCAL = "local"  # changed on the local side only
OTHER = "other"  # changed on the other side only
BOTH = "both"  # the same change on both sides


def is_binary(data: bytes) -> bool:
    """True when `data` has a NUL byte in its first 8,000 bytes, as git decides."""
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def split_lines(data: bytes) -> list[bytes]:
    """Lines with their endings, split on b'\\n' only (a CR stays part of its line);
    the last line has no newline when the data does not end with one."""
    if not data:
        return []
    parts = data.split(b"\n")
    last = parts.pop()
    lines = [part + b"\n" for part in parts]
    if last:
        lines.append(last)
    return lines


def join_lines(lines: Sequence[bytes]) -> bytes:
    return b"".join(lines)


@dataclass(frozen=True, slots=True)
class Clean:
    """Settled lines of the result."""

    lines: tuple[bytes, ...]
    source: str = UNCHANGED  # UNCHANGED, LOCAL, OTHER or BOTH


@dataclass(frozen=True, slots=True)
class Conflict:
    """One region both sides changed differently: the base lines and each side's lines.

    The starts are 0-based line indexes into the base, local and other files.
    `crlf` says whether conflict markers for this region end in CRLF (git's rule:
    the sides' preceding lines and the base's first line all end in CRLF).
    """

    base: tuple[bytes, ...]
    local: tuple[bytes, ...]
    other: tuple[bytes, ...]
    base_start: int
    local_start: int
    other_start: int
    crlf: bool = False

    @property
    def newline(self) -> bytes:
        return b"\r\n" if self.crlf else b"\n"


Hunk = Union[Clean, Conflict]

# How a conflict is resolved: one of these names, or the edited bytes of the region.
TAKE_LOCAL = "local"
TAKE_OTHER = "other"
TAKE_BOTH = "both"  # local's lines, then other's
TAKE_BASE = "base"
CHOICES = (TAKE_LOCAL, TAKE_OTHER, TAKE_BOTH, TAKE_BASE)
Choice = Union[str, bytes]


@dataclass(frozen=True)
class TextMerge:
    """A merged text file as hunks in file order."""

    hunks: tuple[Hunk, ...]

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return tuple(h for h in self.hunks if isinstance(h, Conflict))

    @property
    def clean(self) -> bool:
        return not any(isinstance(h, Conflict) for h in self.hunks)

    def result(self) -> bytes:
        """The merged bytes of a clean merge. Raises ValueError when conflicts remain
        (use `resolve`, or core.merge.markers.render_markers to show them)."""
        if not self.clean:
            raise ValueError(f"{len(self.conflicts)} conflicting hunk(s) remain; resolve them first")
        return b"".join(line for h in self.hunks for line in h.lines)  # type: ignore[union-attr]

    def resolve(self, choices: Sequence[Choice]) -> bytes:
        """The file with conflict i resolved by choices[i]: "local", "other", "both"
        (local's lines then other's), "base", or the edited bytes of that region."""
        conflicts = self.conflicts
        if len(choices) != len(conflicts):
            raise ValueError(f"{len(choices)} choice(s) for {len(conflicts)} conflicting hunk(s)")
        out: list[bytes] = []
        k = 0
        for i, h in enumerate(self.hunks):
            if isinstance(h, Clean):
                out.extend(h.lines)
                continue
            choice = choices[k]
            if isinstance(choice, (bytes, bytearray, memoryview)):
                last = not any(isinstance(later, Conflict) or later.lines for later in self.hunks[i + 1:])
                choice = fit_edit(h, bytes(choice), last=last)
            out.append(_resolved(h, choice))
            k += 1
        return b"".join(out)


def fit_edit(c: Conflict, data: bytes, *, last: bool) -> bytes:
    """A region's edited text made to end where the region ended, whatever the editor held:
    a region followed by more of the file ends with a newline (so its last line never joins
    the next one); the file's last region ends with one only when the file did. In a CRLF
    region every line ends in CRLF (an editor hands back bare newlines). Empty stays empty:
    the region was deleted."""
    if not data:
        return data
    newline = _line_ending(c)
    if newline == b"\r\n":
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    ends = data.endswith(b"\n")
    if not last:
        return data if ends else data + newline
    sides = c.local or c.other or c.base
    file_ends_with_newline = not sides or sides[-1].endswith(b"\n")
    if file_ends_with_newline:
        return data if ends else data + newline
    return data[: -len(newline)] if data.endswith(newline) else data


def _line_ending(c: Conflict) -> bytes:
    """The region's own line ending: that of its first ended line (local first), else the markers'."""
    for line in (*c.local, *c.other, *c.base):
        if line.endswith(b"\n"):
            return b"\r\n" if line.endswith(b"\r\n") else b"\n"
    return c.newline


def _resolved(c: Conflict, choice: Choice) -> bytes:
    if isinstance(choice, (bytes, bytearray, memoryview)):
        return bytes(choice)
    if choice == TAKE_LOCAL:
        return b"".join(c.local)
    if choice == TAKE_OTHER:
        return b"".join(c.other)
    if choice == TAKE_BASE:
        return b"".join(c.base)
    if choice == TAKE_BOTH:
        local = b"".join(c.local)
        if local and c.other and not local.endswith(b"\n"):
            local += c.newline  # local ended the file without a newline: keep the lines apart
        return local + b"".join(c.other)
    raise ValueError(f"unknown choice {choice!r}; use one of {', '.join(CHOICES)} or the edited bytes")


def merge_bytes(base: bytes, local: bytes, other: bytes) -> TextMerge:
    """Three-way merge of three texts (bytes). Does not check for binary data:
    callers decide that first (`is_binary`), as git refuses binary files."""
    if base == local == other:
        return TextMerge((Clean(tuple(split_lines(base))),) if base else ())
    return merge_lines(split_lines(base), split_lines(local), split_lines(other))


def merge_lines(base: Sequence[bytes], local: Sequence[bytes], other: Sequence[bytes]) -> TextMerge:
    """Three-way merge of three files given as lines (see split_lines)."""
    table: dict[bytes, int] = {}
    intern = table.setdefault
    ib = [intern(line, len(table)) for line in base]
    il = [intern(line, len(table)) for line in local]
    io = [intern(line, len(table)) for line in other]
    ours = diff(ib, il)
    theirs = ours if io == il else diff(ib, io)
    # One side without changes needs no special case: the walk then takes the other
    # side's changes one by one, which gives that side's bytes, as git's shortcut does.
    chunks, same = _chunks(ours, theirs, il, io, len(base), len(local), len(other))
    return TextMerge(tuple(_hunks(chunks, same, base, local, other)))


# A chunk: [mode, base start, base count, local start, local count, other start, other count];
# mode 0 = conflict, 1 = local's change, 2 = other's change.
_CONFLICT, _LOCAL, _OTHER = 0, 1, 2


def _chunks(
    ours: list, theirs: list, il: list[int], io: list[int], nb: int, nl: int, no: int
) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """Walk both change lists in base order. Returns the chunks and the local ranges
    (start, count) of changes both sides made identically."""
    chunks: list[list[int]] = []
    same: list[tuple[int, int]] = []

    def add(mode: int, i0: int, c0: int, i1: int, c1: int, i2: int, c2: int) -> None:
        if chunks:
            last = chunks[-1]
            # touching or overlapping the previous chunk on either side: one chunk
            if i1 <= last[3] + last[4] or i2 <= last[5] + last[6]:
                if mode != last[0]:
                    last[0] = _CONFLICT
                last[2] = i0 + c0 - last[1]
                last[4] = i1 + c1 - last[3]
                last[6] = i2 + c2 - last[5]
                return
        chunks.append([mode, i0, c0, i1, c1, i2, c2])

    p = q = 0
    while p < len(ours) and q < len(theirs):
        b1, n1, s1, m1 = ours[p]  # base start, base count, local start, local count
        b2, n2, s2, m2 = theirs[q]  # base start, base count, other start, other count
        if b1 + n1 < b2:
            add(_LOCAL, b1, n1, s1, m1, s2 - b2 + b1, n1)
            p += 1
            continue
        if b2 + n2 < b1:
            add(_OTHER, b2, n2, s1 - b1 + b2, n2, s2, m2)
            q += 1
            continue
        if b1 == b2 and n1 == n2 and m1 == m2 and il[s1:s1 + m1] == io[s2:s2 + m2]:
            same.append((s1, m1))
        else:
            # the union of both changes, in base, local and other coordinates
            off = b1 - b2
            i0, i1, i2 = b1, s1, s2
            if off > 0:
                i0 -= off
                i1 -= off
            else:
                i2 += off
            c0 = b1 + n1 - i0
            c1 = s1 + m1 - i1
            c2 = s2 + m2 - i2
            ffo = off + n1 - n2
            if ffo < 0:
                c0 -= ffo
                c1 -= ffo
            else:
                c2 += ffo
            add(_CONFLICT, i0, c0, i1, c1, i2, c2)
        end1, end2 = b1 + n1, b2 + n2
        if end1 >= end2:
            q += 1
        if end2 >= end1:
            p += 1
    for b1, n1, s1, m1 in ours[p:]:
        add(_LOCAL, b1, n1, s1, m1, b1 + no - nb, n1)
    for b2, n2, s2, m2 in theirs[q:]:
        add(_OTHER, b2, n2, b2 + nl - nb, n2, s2, m2)
    return chunks, same


def _hunks(
    chunks: list[list[int]], same: list[tuple[int, int]],
    base: Sequence[bytes], local: Sequence[bytes], other: Sequence[bytes],
):
    """Hunks in file order. Lines outside chunks come from local (there both sides
    agree), as in git's output."""
    same_iter = iter(same)
    pending = next(same_iter, None)
    i = 0  # next local line not yet emitted

    def settled(upto: int):
        nonlocal pending, i
        while i < upto:
            while pending is not None and pending[0] < i:
                pending = next(same_iter, None)
            if pending is None or pending[0] + pending[1] > upto:
                yield Clean(tuple(local[i:upto]))
                i = upto
                return
            start, count = pending
            if start > i:
                yield Clean(tuple(local[i:start]))
            if count:
                yield Clean(tuple(local[start:start + count]), BOTH)
            i = start + count
            pending = next(same_iter, None)

    for mode, i0, c0, i1, c1, i2, c2 in chunks:
        yield from settled(i1)
        if mode == _CONFLICT:
            yield Conflict(
                tuple(base[i0:i0 + c0]), tuple(local[i1:i1 + c1]), tuple(other[i2:i2 + c2]),
                i0, i1, i2, _markers_crlf(base, local, other, i1, i2),
            )
        elif mode == _LOCAL:
            if c1:
                yield Clean(tuple(local[i1:i1 + c1]), LOCAL)
        elif c2:
            yield Clean(tuple(other[i2:i2 + c2]), OTHER)
        i = i1 + c1
    yield from settled(len(local))


def _eol_crlf(lines: Sequence[bytes], i: int) -> int:
    """1 if line i ends in CRLF, 0 if in LF only, -1 if unknown (git's is_eol_crlf):
    a last line without a newline is judged by the line before it."""
    n = len(lines)
    if i < n - 1:
        return int(lines[i].endswith(b"\r\n"))
    if n == 0:
        return -1
    line = lines[i]
    if line.endswith(b"\n"):
        return int(line.endswith(b"\r\n"))
    if i == 0:
        return -1
    return int(lines[i - 1].endswith(b"\r\n"))


def _markers_crlf(
    base: Sequence[bytes], local: Sequence[bytes], other: Sequence[bytes], i1: int, i2: int
) -> bool:
    needs = _eol_crlf(local, i1 - 1 if i1 else 0)
    if needs:
        needs = _eol_crlf(other, i2 - 1 if i2 else 0)
    if needs:
        needs = _eol_crlf(base, 0)
    return needs == 1

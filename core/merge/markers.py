"""Git-style conflict markers: write a TextMerge with them, and find them in a text.

The written form is byte for byte what `git merge-file -p --diff3 -L local -L base
-L upstream` prints for the same merge:

    <<<<<<< local
    (local's lines)
    ||||||| base
    (base lines)
    =======
    (other's lines)
    >>>>>>> upstream

Marker lines end in CRLF where the file's lines do (Conflict.crlf), and a side
whose last line has no newline gets one before the next marker, as in git.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from core.merge.text import Clean, TextMerge, split_lines

__all__ = ["MARKER_SIZE", "MarkerLabels", "conflict_marker_lines", "has_markers", "render_markers"]

MARKER_SIZE = 7


@dataclass(frozen=True)
class MarkerLabels:
    """The names written after the markers; an empty name writes the bare marker."""

    local: str = "local"
    base: str = "base"
    other: str = "upstream"


def _marker(char: bytes, label: str) -> bytes:
    bare = char * MARKER_SIZE
    return bare + b" " + label.encode("utf-8", "surrogateescape") if label else bare


def render_markers(merge: TextMerge, labels: MarkerLabels = MarkerLabels()) -> bytes:
    """The merged file with each conflict written between git-style diff3 markers."""
    opener, base_marker, closer = _marker(b"<", labels.local), _marker(b"|", labels.base), _marker(b">", labels.other)
    out: list[bytes] = []
    for hunk in merge.hunks:
        if isinstance(hunk, Clean):
            out.extend(hunk.lines)
            continue
        nl = hunk.newline
        out.append(opener + nl)
        _side(out, hunk.local, nl)
        out.append(base_marker + nl)
        _side(out, hunk.base, nl)
        out.append(b"=" * MARKER_SIZE + nl)
        _side(out, hunk.other, nl)
        out.append(closer + nl)
    return b"".join(out)


def _side(out: list[bytes], lines: Sequence[bytes], nl: bytes) -> None:
    out.extend(lines)
    if lines and not lines[-1].endswith(b"\n"):
        out.append(nl)  # the file's last line had no newline; the marker needs its own line


def conflict_marker_lines(text: bytes, labels: MarkerLabels | None = None) -> list[int]:
    """1-based numbers of the lines in `text` that are conflict markers left behind.

    `<<<<<<<` and `>>>>>>>` lines count anywhere; `|||||||` and `=======` only
    between an opener and its closer, since a lone `=======` is a Markdown heading
    underline. With `labels`, only markers carrying those names count (so a text
    that discusses git's markers, e.g. `<<<<<<< HEAD`, is not mistaken for ours).
    """
    if labels is None:
        opener = base_marker = closer = None
    else:
        opener, base_marker, closer = (
            _marker(b"<", labels.local), _marker(b"|", labels.base), _marker(b">", labels.other)
        )
    found: list[int] = []
    inside = False
    for number, line in enumerate(split_lines(text), 1):
        body = line.rstrip(b"\n").removesuffix(b"\r")
        if _is_marker(body, b"<", opener):
            found.append(number)
            inside = True
        elif _is_marker(body, b">", closer):
            found.append(number)
            inside = False
        elif inside and (_is_marker(body, b"|", base_marker) or body == b"=" * MARKER_SIZE):
            found.append(number)
    return found


def has_markers(text: bytes, labels: MarkerLabels | None = None) -> bool:
    """Whether conflict markers remain in `text` (see conflict_marker_lines)."""
    return bool(conflict_marker_lines(text, labels))


def _is_marker(body: bytes, char: bytes, exact: bytes | None) -> bool:
    if exact is not None:
        return body == exact
    bare = char * MARKER_SIZE
    return body == bare or (body.startswith(bare + b" "))

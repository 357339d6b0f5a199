"""Text from outside (file names, artifact names, messages) made safe to show.

A file may be named `evil\\n  removed  SKILL.md \\x1b[31m`: printed raw, the newline
forges a line of a table or diff and the escape sequence reprograms the terminal.
`printable` shows every control character visibly instead, so one name stays one
line and nothing reaches the terminal as a command. It is the one escaping function:
the command line uses it (as core.cli.output.printable) and the window uses it for
names and paths it displays.
"""
from __future__ import annotations

import re

__all__ = ["printable"]

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 controls, DEL, C1 controls, zero-width and direction marks (U+200B–U+200F), bidi
# embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they make a
# name read as another ("Trojan source") or hide characters. And surrogates (a name
# that is not UTF-8 decodes with surrogateescape: byte 0xff becomes U+DCFF).
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}\ud800-\udfff]")
_UNSAFE_BUT_TAB = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f{_INVISIBLE}\ud800-\udfff]")


def _escape(match: "re.Match[str]") -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte: show the byte itself
        return f"\\x{code - 0xDC00:02x}"
    if code > 0xFF:
        return f"\\u{code:04x}"
    return f"\\x{code:02x}"


def printable(text: str, *, keep_tabs: bool = False) -> str:
    """`text` with control characters (C0, DEL, C1), bidi and zero-width characters and lone
    surrogates escaped visibly: newline → `\\n`, tab → `\\t`, ESC → `\\x1b`, U+202E →
    `\\u202e`, an undecodable byte 0xff → `\\xff`.
    `keep_tabs` leaves tabs alone (lines of a file's text, where a tab is layout).
    Text without them comes back unchanged."""
    pattern = _UNSAFE_BUT_TAB if keep_tabs else _UNSAFE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)

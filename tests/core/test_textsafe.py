"""printable: the one escaping function for text from outside."""
from __future__ import annotations

import os

import pytest

from core.cli.output import printable as cli_printable
from core.textsafe import printable


@pytest.mark.parametrize("raw, shown", [
    ("plain name", "plain name"),
    ("résumé ✓", "résumé ✓"),
    ("a\nb", "a\\nb"),
    ("a\tb\rc", "a\\tb\\rc"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("\x00\x07\x7f", "\\x00\\x07\\x7f"),
    ("\x85\x9b", "\\x85\\x9b"),  # C1: NEL and the 8-bit CSI
    (os.fsdecode(b"caf\xe9"), "caf\\xe9"),  # an undecodable byte shows as that byte
    ("\ud800", "\\ud800"),  # a lone surrogate that is no escaped byte
])
def test_control_characters_and_undecodable_bytes_are_shown_escaped(raw, shown):
    assert printable(raw) == shown
    assert printable(raw).isprintable() or " " in shown


def test_tabs_may_be_kept_for_file_text():
    assert printable("a\tb\x1b", keep_tabs=True) == "a\tb\\x1b"


def test_the_command_line_uses_the_same_function():
    assert cli_printable is printable


def test_os_errors_are_described_by_errno_not_blamed_on_permissions():
    import errno

    from core.errors import describe_os_error

    too_long = describe_os_error(OSError(errno.ENAMETOOLONG, "File name too long"), "check its permissions")
    assert "too long" in too_long and "permission" not in too_long
    assert describe_os_error(OSError(errno.EACCES, "Permission denied"), "x").startswith("permission denied;")
    assert describe_os_error(OSError(errno.EXDEV, "Invalid cross-device link"), "try again") == \
        "Invalid cross-device link; try again"


@pytest.mark.parametrize("code", [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
def test_bidi_overrides_and_zero_width_characters_are_escaped(code):
    assert printable(f"a{chr(code)}b") == f"a\\u{code:04x}b"
    assert printable(f"a{chr(code)}\tb", keep_tabs=True) == f"a\\u{code:04x}\tb"


def test_other_unicode_text_stays_as_it_is():
    assert printable("naïve 日本語 emoji 👍 \u00a0 \u2010") == "naïve 日本語 emoji 👍 \u00a0 \u2010"

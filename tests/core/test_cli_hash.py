"""`main.py hash PATH [--manifest]` and `--help`, in process (fast)."""
from __future__ import annotations

import hashlib
import os
import sys

import pytest

import main as entry
from core import cli
from core.cli.commands import COMMANDS


def run(capsysbinary, *argv: str) -> tuple[int, bytes, bytes]:
    code = cli.main(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out, err


def _record(kind: str, data: bytes, path: bytes) -> bytes:
    return kind.encode() + b" " + hashlib.sha256(data).hexdigest().encode() + b" " + path + b"\0"


def test_hash_prints_the_content_hash_v1(tmp_path, capsysbinary):
    root = tmp_path / "art"
    (root / "sub").mkdir(parents=True)
    (root / "b.txt").write_bytes(b"bee\n")
    (root / "sub" / "a.txt").write_bytes(b"a\n")
    # computed by hand from DESIGN.md: records sorted by path bytes
    expected = hashlib.sha256(_record("f", b"bee\n", b"b.txt") + _record("f", b"a\n", b"sub/a.txt")).hexdigest()
    code, out, err = run(capsysbinary, "hash", str(root))
    assert (code, out, err) == (0, expected.encode() + b"\n", b"")


def test_hash_manifest_lines_in_hash_order(tmp_path, capsysbinary):
    root = tmp_path / "art"
    root.mkdir()
    (root / "z.sh").write_bytes(b"run\n")
    os.chmod(root / "z.sh", 0o755)
    (root / "a b.md").write_bytes(b"")
    code, out, _ = run(capsysbinary, "hash", "--manifest", str(root))
    assert code == 0
    assert out.splitlines() == [
        b"f " + hashlib.sha256(b"").hexdigest().encode() + b" a b.md",
        b"x " + hashlib.sha256(b"run\n").hexdigest().encode() + b" z.sh",
    ]


def test_hash_manifest_null_terminated_keeps_newlines_in_names(tmp_path, capsysbinary):
    root = tmp_path / "art"
    root.mkdir()
    (root / "two\nlines.md").write_bytes(b"n\n")
    (root / "plain.md").write_bytes(b"p\n")
    code, out, _ = run(capsysbinary, "hash", "--manifest", "-z", str(root))
    assert code == 0
    assert out.split(b"\0") == [
        b"f " + hashlib.sha256(b"p\n").hexdigest().encode() + b" plain.md",
        b"f " + hashlib.sha256(b"n\n").hexdigest().encode() + b" two\nlines.md",
        b"",
    ]


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs byte file names")
def test_hash_manifest_escapes_undecodable_bytes_and_z_keeps_them(tmp_path, capsysbinary):
    root = tmp_path / "art"
    root.mkdir()
    with open(os.path.join(os.fsencode(root), b"\xff\xfe.txt"), "wb") as fh:
        fh.write(b"x")
    code, out, _ = run(capsysbinary, "hash", "--manifest", str(root))
    assert code == 0 and out.endswith(b" \\xff\\xfe.txt\n")
    code, out, _ = run(capsysbinary, "hash", "--manifest", "-z", str(root))
    assert code == 0 and out.endswith(b" \xff\xfe.txt\0")


def test_hash_manifest_escapes_a_newline_in_a_name(tmp_path, capsysbinary):
    root = tmp_path / "art"
    root.mkdir()
    (root / "two\nlines \x1b[31m.md").write_bytes(b"n\n")
    code, out, _ = run(capsysbinary, "hash", "--manifest", str(root))
    assert code == 0 and out.splitlines()[0].endswith(b" two\\nlines \\x1b[31m.md")
    assert len(out.splitlines()) == 1


def test_hash_of_a_single_file_names_the_file(tmp_path, capsysbinary):
    f = tmp_path / "review.md"
    f.write_bytes(b"hi\n")
    code, out, _ = run(capsysbinary, "hash", str(f))
    assert out.strip().decode() == hashlib.sha256(_record("f", b"hi\n", b"review.md")).hexdigest()


def test_hash_of_a_missing_path_is_one_line_exit_2(tmp_path, capsysbinary):
    code, out, err = run(capsysbinary, "hash", str(tmp_path / "missing"))
    assert code == 2 and out == b""
    assert len(err.strip().splitlines()) == 1 and b"missing" in err and b"Traceback" not in err


def test_help_lists_commands_and_exits_0(capsysbinary):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsysbinary.readouterr().out.decode()
    for command in ("add", "sync", "status", "log", "diff", "hash", "--install-desktop-entry", "--home", "--db"):
        assert command in out


def test_unexpected_error_is_one_sentence_and_debug_shows_traceback(tmp_path, capsysbinary, monkeypatch):
    def boom(args):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(COMMANDS, "hash", boom)
    code, _, err = run(capsysbinary, "hash", str(tmp_path))
    assert code == 1 and b"Traceback" not in err
    assert err.strip().splitlines() == [b"error: unexpected RuntimeError: kaboom; run with --debug for details."]
    code, _, err = run(capsysbinary, "--debug", "hash", str(tmp_path))
    assert code == 1 and b"Traceback" in err


def test_no_command_opens_the_window_through_main(monkeypatch):
    seen = {}
    monkeypatch.setattr(entry, "_open_window", lambda args: seen.setdefault("home", args.home) and 0)
    assert entry.main(["--home", "/tmp/somewhere"]) == 0
    assert seen["home"] == "/tmp/somewhere"


def test_install_desktop_entry_flag_delegates(monkeypatch, tmp_path, capsysbinary):
    import core.desktop

    monkeypatch.setattr(core.desktop, "install_desktop_entry", lambda: tmp_path / "x.desktop")
    code, out, _ = run(capsysbinary, "--install-desktop-entry")
    assert code == 0 and b"x.desktop" in out

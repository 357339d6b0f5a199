"""The desktop launcher: written under XDG_DATA_HOME with absolute, existing paths."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import desktop


def _parse(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _exec_argv(value: str) -> list[str]:
    """Split an Exec value the way the Desktop Entry spec reads it (written here, not shared with core)."""
    value = value.replace("\\\\", "\\")  # the value is a desktop "string": a doubled backslash means one
    args, current, quoted, i, started = [], "", False, 0, False
    while i < len(value):
        ch = value[i]
        if quoted and ch == "\\":
            current += value[i + 1]
            i += 2
            continue
        if ch == '"':
            quoted, started = not quoted, True
        elif ch == " " and not quoted:
            if started or current:
                args.append(current)
            current, started = "", False
        else:
            current += ch
        i += 1
    if started or current:
        args.append(current)
    return [a.replace("%%", "%") for a in args]


def test_install_writes_valid_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    reports: list[str] = []
    path = desktop.install_desktop_entry(report=reports.append)
    assert path == tmp_path / "share" / "applications" / "artifact-lineage.desktop"
    entry = _parse(path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Artifact Lineage"
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Development;"
    argv = _exec_argv(entry["Exec"])
    assert len(argv) == 2
    python, main = map(Path, argv)
    assert python.is_absolute() and python.exists() and os.access(python, os.X_OK)
    assert main.is_absolute() and main.name == "main.py" and main.exists()
    icon = Path(entry["Icon"])
    assert icon.is_absolute() and icon.exists() and icon.suffix == ".png"
    assert reports, "the validator outcome is reported either way"
    validator = shutil.which("desktop-file-validate")
    if validator:
        done = subprocess.run([validator, str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_exec_quoting_survives_spaces_and_specials(tmp_path):
    odd = tmp_path / "my env $HOME" / "bin" / "python 3"
    text = desktop.render_entry(python=str(odd), main=tmp_path / "a b%c" / "main.py")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(text)
    argv = _exec_argv(parser["Desktop Entry"]["Exec"])
    assert argv == [str(odd), str(tmp_path / "a b%c" / "main.py")]


def test_installed_twice_replaces_entry(tmp_path):
    first = desktop.install_desktop_entry(tmp_path, report=lambda _t: None)
    second = desktop.install_desktop_entry(tmp_path, report=lambda _t: None)
    assert first == second
    # update-desktop-database (where installed) adds its mimeinfo.cache beside the entry
    assert [p for p in tmp_path.iterdir() if p.name != "mimeinfo.cache"] == [first]
    assert sys.executable in first.read_text(encoding="utf-8") or os.path.abspath(sys.executable) in first.read_text()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_shipped_template_passes_desktop_file_validate():
    done = subprocess.run(
        ["desktop-file-validate", str(desktop.TEMPLATE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr

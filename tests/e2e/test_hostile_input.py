"""Hostile input end to end (issue 7, items 4-6): `main.py` on temp folders with upstreams,
names, git configs and databases built to break it."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli, one_error_line


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "home")


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


# --------------------------------------------------------------------------- 4. git bytes


def test_git_upstream_copies_the_committed_bytes_whatever_attributes_and_config_say(cli, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    files = {
        "SKILL.md": b"hello from the skill\n",
        "notes.txt": b"line one\nline two\n",
        "id.c": b"/* $Id$ */\n",
        "wide.txt": b"plain ascii\n",
        "tool.sh": b"#!/bin/sh\necho hello\n",
    }
    for name, data in files.items():
        (repo / name).write_bytes(data)
    os.chmod(repo / "tool.sh", 0o755)
    os.symlink("SKILL.md", repo / "link.md")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "content")
    # The attributes arrive after the content, so committing never ran them.
    (repo / ".gitattributes").write_bytes(
        b"* text eol=crlf\n*.md filter=evil\nid.c ident\nwide.txt working-tree-encoding=UTF-16\n"
    )
    _git(repo, "add", ".gitattributes")
    _git(repo, "commit", "-qm", "hostile attributes")

    hostile_attributes = tmp_path / "user-attributes"
    hostile_attributes.write_text("* text eol=crlf filter=evil\n")
    hostile = tmp_path / "hostile-gitconfig"
    hostile.write_text(
        "[filter \"evil\"]\n\tsmudge = sed s/hello/EVIL/\n\trequired = true\n"
        f"[core]\n\tautocrlf = true\n\teol = crlf\n\tattributesFile = {hostile_attributes}\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(hostile))
    # The hostile config really changes a checkout made by git itself.
    plain = tmp_path / "plain-clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(plain)], check=True, capture_output=True)
    assert (plain / "SKILL.md").read_bytes() != files["SKILL.md"]

    cli("add", "hostile", "--source", f"file://{repo}", "--type", "skill")
    cli("sync")
    copy = cli.home / "collection" / "skills" / "hostile"
    for name, data in files.items():
        assert (copy / name).read_bytes() == data, name
    assert (copy / ".gitattributes").read_bytes() == _git(repo, "cat-file", "blob", "HEAD:.gitattributes")
    assert os.readlink(copy / "link.md") == "SKILL.md"
    assert os.stat(copy / "tool.sh").st_mode & 0o111 and not os.stat(copy / "SKILL.md").st_mode & 0o111
    # The recorded content is the commit's, byte for byte: the repository's own work tree
    # holds the committed bytes (written before the attributes existed; .git is skipped).
    want = cli("hash", str(repo)).stdout.strip().decode()
    (head,) = cli.json("log", "hostile")["versions"]
    assert head["content_hash"] == want

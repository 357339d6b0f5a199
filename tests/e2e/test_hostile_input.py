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


# --------------------------------------------------------------------------- 5. names and text


FORGED = "evil\n  removed  SKILL.md \x1b[31mred"


def test_a_hostile_file_name_cannot_forge_a_diff_line_or_reach_the_terminal(cli, tmp_path):
    up = tmp_path / "up" / "pdf"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# pdf\n")
    cli("add", "pdf", "--source", str(up))
    cli("sync")
    (up / FORGED).write_text("\x1b]0;owned\x07 text with an escape\n")
    with open(os.path.join(os.fsencode(up), b"caf\xe9.md"), "wb") as fh:
        fh.write(b"latin-1 name\n")
    sync = cli("sync")
    diff = cli("diff", "pdf")
    log = cli("log", "pdf")
    status = cli("status")
    for proc in (sync, diff, log, status):
        for stream in (proc.stdout, proc.stderr):
            assert b"\x1b" not in stream and b"\x07" not in stream
            stream.decode("utf-8")  # valid UTF-8 whatever the names hold
    lines = diff.stdout.decode().splitlines()
    assert not any(line.startswith("  removed  SKILL.md") for line in lines)
    assert any(line.strip().startswith("added") and "evil\\n  removed  SKILL.md \\x1b[31mred" in line
               for line in lines)
    assert "+++ b/caf\\xe9.md" in lines
    assert "+\\x1b]0;owned\\x07 text with an escape" in lines
    # JSON keeps its own escaping: it parses, and the undecodable name comes back as surrogateescape.
    paths = {f["path"] for f in cli.json("diff", "pdf")["files"]}
    assert FORGED in paths and os.fsencode(next(p for p in paths if p.startswith("caf"))) == b"caf\xe9.md"


@pytest.mark.parametrize("name, words", [
    ("x" * 10_000, "too long"),
    ("two\nlines", "control characters"),
    ("esc\x1b[31m", "control characters"),
    ("..", "not allowed"),
    (os.fsdecode(b"caf\xe9"), "not valid UTF-8"),
])  # every rule, one by one: tests/core/test_collection.py
def test_add_refuses_a_bad_name_with_exit_2_and_one_sentence(cli, tmp_path, name, words):
    up = tmp_path / "up"
    up.mkdir()
    (up / "SKILL.md").write_text("# up\n")
    proc = cli("add", os.fsencode(name), "--source", str(up), expect=2)
    line = one_error_line(proc)
    assert line.startswith("error: The artifact name") and words in line and "unexpected" not in line
    assert len(line) < 400 and "\x1b" not in line
    assert not (cli.home / "collection" / "skills").exists()


def test_the_longest_name_that_fits_is_accepted_and_syncs(cli, tmp_path):
    up = tmp_path / "up"
    up.mkdir()
    (up / "SKILL.md").write_text("# up\n")
    name = "z" * (255 - 25)
    cli("add", name, "--source", str(up))
    cli("sync")
    assert (cli.home / "collection" / "skills" / name / "SKILL.md").is_file()
    one_error_line(cli("add", name + "z", "--source", str(up), expect=2))


# --------------------------------------------------------------------------- 6. errors that said "unexpected"

DEPTH = 1_100  # deeper than Python's recursion limit; 1-char folders keep the path within PATH_MAX


def _deep_tree(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_text("# deep\n")
    folder = root
    for _ in range(DEPTH):
        folder = folder / "d"
        if not folder.exists():
            folder.mkdir()  # one level at a time: os.makedirs itself recurses
    (folder / "f.txt").write_text(text)
    return folder / "f.txt"


def _run_with_few_descriptors(cli: Cli, *args: str) -> subprocess.CompletedProcess:
    """`main.py` allowed 256 open files: a walk holding one per level (2 x 1,100) would fail."""
    import resource
    import sys

    from tests.e2e.test_cli import ROOT

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--home", str(cli.home), *args], cwd=ROOT, capture_output=True,
        timeout=300, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)),
    )
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc


@pytest.fixture
def deep_tmp(tmp_path):
    """tmp_path, removed afterwards without recursion (pytest's own clean-up would hit the limit)."""
    from core.fsio import remove_path

    yield tmp_path
    remove_path(tmp_path)
    tmp_path.mkdir()


def test_a_1100_level_deep_upstream_syncs_replaces_and_diffs(deep_tmp):
    tmp_path = deep_tmp
    cli = Cli(tmp_path / "home")
    deep_file = _deep_tree(tmp_path / "up" / "deep", "v1\n")
    repo = tmp_path / "repo"
    _deep_tree(repo, "v1\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "deep")
    cli("add", "deep", "--source", str(deep_file.parents[DEPTH]))
    cli("add", "deepgit", "--source", f"file://{repo}", "--type", "skill")
    out = _run_with_few_descriptors(cli, "sync").stdout.decode()
    assert "RecursionError" not in out and "2 added" in out
    deep_file.write_text("v2\n")
    out = _run_with_few_descriptors(cli, "sync").stdout.decode()
    assert "1 updated" in out
    copy = cli.home / "collection" / "skills" / "deep"
    assert (copy / Path(*["d"] * DEPTH) / "f.txt").read_text() == "v2\n"
    assert sorted(p.name for p in copy.parent.iterdir()) == ["deep", "deepgit"]  # the replaced copy is gone
    diff = cli("diff", "deep").stdout.decode()
    assert "+v2" in diff and "-v1" in diff


@pytest.mark.parametrize("url, words", [
    ("postgresql://u@h:notaport/db", "port is not a number"),
    ("postgresql://u@[::1/db", "'[' without closing it"),
    ("postgresql://u:secret@h:99999/db", "outside 1-65535"),
])
def test_a_database_url_with_a_bad_port_or_host_is_bad_input_exit_2(cli, url, words):
    line = one_error_line(cli("--db", url, "status", expect=2))
    assert line.startswith("error: The database URL") and words in line
    assert "unexpected" not in line and "secret" not in line


@pytest.mark.parametrize("table, column, value, words", [
    ("artifact_versions", "metadata", "{bad json", "the metadata of artifact_versions row"),
    ("artifact_versions", "metadata", "[1, 2]", "the metadata of artifact_versions row"),
    ("artifact_versions", "created_at", "not a date", "the created_at of artifact_versions row"),
    ("artifacts", "created_at", "2026-13-45 99:00:00", "the created_at of artifacts row"),
])
def test_a_malformed_database_row_is_one_sentence_naming_the_row(cli, tmp_path, table, column, value, words):
    import sqlite3

    up = tmp_path / "up"
    up.mkdir()
    (up / "SKILL.md").write_text("# up\n")
    cli("add", "pdf", "--source", str(up))
    cli("sync")
    with sqlite3.connect(cli.home / "lineage.sqlite3") as conn:
        (row_id,) = conn.execute(f"SELECT max(id) FROM {table}").fetchone()
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (value, row_id))
    for command in (("log", "pdf"), ("status",)):
        line = one_error_line(cli(*command, expect=1))
        assert f"{words} {row_id} cannot be read" in line and "unexpected" not in line


def _beyond_path_max(root: Path) -> None:
    """Folders of 200-byte names, 25 deep: every file below is more than 4,096 bytes from /."""
    root.mkdir(parents=True)
    (root / "SKILL.md").write_text("# long\n")
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(25):
            os.mkdir("n" * 200, dir_fd=fd)
            child = os.open("n" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        out = os.open("f.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b"deep\n")
        os.close(out)
    finally:
        os.close(fd)


def test_a_path_too_long_says_so_instead_of_blaming_permissions(deep_tmp):
    cli = Cli(deep_tmp / "home")
    line = one_error_line(cli("hash", str(deep_tmp / ("x" * 300)), expect=2))
    assert "too long" in line and "permission" not in line
    up = deep_tmp / "up" / "long"
    _beyond_path_max(up)
    cli("add", "long", "--source", str(up))
    proc = cli("sync", expect=1)
    (line,) = [ln for ln in proc.stderr.decode().splitlines() if ln.startswith("error: long")]
    assert "too long" in line and "permission" not in line and "unexpected" not in line.lower()

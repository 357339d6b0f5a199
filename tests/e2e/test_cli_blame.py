"""`main.py blame` and `main.py log --where` end to end, on a git upstream and a project."""
from __future__ import annotations

import pytest

from tests.e2e.test_cli import Cli, one_error_line
from tests.e2e.test_cli_projects import commit, git


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("blame")


@pytest.fixture(scope="module")
def cli(tmp):
    return Cli(tmp / "home")


@pytest.fixture(scope="module")
def history(cli, tmp):
    """pdf from a git upstream, deployed into web, edited there and pushed back (built once: only read)."""
    tmp_path = tmp
    repo = tmp_path / "repo"
    (repo / "skills" / "pdf").mkdir(parents=True)
    skill = repo / "skills" / "pdf" / "SKILL.md"
    skill.write_text("# pdf\nstep one\n")
    (repo / "skills" / "pdf" / "run.sh").write_text("echo 1\n")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "First steps")
    cli("add", "pdf", "--source", f"file://{repo}", "--subdir", "skills/pdf")
    cli("sync")
    web = tmp_path / "web"
    web.mkdir()
    cli("project", "add", "web", str(web))
    cli("deploy", "pdf", "--project", "web")
    (web / ".claude" / "skills" / "pdf" / "SKILL.md").write_text("# pdf\nstep one\nwritten in web\n")
    cli("push", "pdf", "--project", "web")
    return repo


def test_blame_names_the_version_origin_line_and_subject_of_each_line(cli, history):
    rows = cli.json("blame", "pdf")
    assert [r["text"] for r in rows] == ["# pdf", "step one", "written in web"]
    assert set(rows[0]) == {"line_no", "text", "version", "change_origin", "line", "created_at"}
    assert [(r["version"], r["change_origin"], r["line"]) for r in rows] == [
        ("v1", "sync", "collection"), ("v1", "sync", "collection"), ("v3", "local_modification", "web")]
    text = cli("blame", "pdf", "--no-pager").stdout.decode().splitlines()
    assert "First steps" in text[0] and text[0].endswith("1) # pdf")
    assert "local modification" in text[2] and "web" in text[2] and "First steps" not in text[2]
    # an older version, and another file
    assert [r["text"] for r in cli.json("blame", "pdf", "--version", "v1")] == ["# pdf", "step one"]
    assert [r["text"] for r in cli.json("blame", "pdf", "run.sh")] == ["echo 1"]


def test_blame_refuses_what_it_cannot_read_in_one_sentence(cli, history):
    assert "has no file 'nope.md'" in one_error_line(cli("blame", "pdf", "nope.md", expect=2))
    assert "has no version v9" in one_error_line(cli("blame", "pdf", "--version", "v9", expect=2))


def test_log_where_keeps_the_versions_the_query_matches(cli, history):
    doc = cli.json("log", "pdf", "--where", "origin:local line:web")
    assert [(v["number"], v["change_origin"]) for v in doc["versions"]] == [(3, "local_modification")]
    assert [v["number"] for v in cli.json("log", "pdf", "--where", '"first steps"')["versions"]] == [1]
    assert [v["number"] for v in cli.json("log", "pdf", "--where", 'text:"written in web" line:collection')["versions"]] == [4]
    assert "No version of pdf matches" in cli("log", "pdf", "--where", "nothing-here").stdout.decode()
    assert "colour: is not a search key" in one_error_line(cli("log", "pdf", "--where", "colour:red", expect=2))

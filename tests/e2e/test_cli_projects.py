"""Projects and deployments end to end: `main.py` on temp projects and a local git upstream."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli, one_error_line


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "home")


@pytest.fixture
def repo(tmp_path):
    """A git upstream holding skills/pdf, committed once."""
    root = tmp_path / "repo"
    (root / "skills" / "pdf").mkdir(parents=True)
    (root / "skills" / "pdf" / "SKILL.md").write_text("# pdf v1\n")
    (root / "skills" / "pdf" / "run.sh").write_text("echo 1\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=t", "-c", "user.email=t@e", "add", "-A")
    commit(root, "v1")
    return root


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", message)


def test_the_whole_cycle(cli, repo, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    cli("sync")
    cli("project", "add", "web", str(web))
    assert cli.json("project", "list") == {"projects": [{"name": "web", "path": str(web.resolve())}]}

    cli("deploy", "pdf", "--project", "web")
    copy = web / ".claude" / "skills" / "pdf"
    assert (copy / "run.sh").read_text() == "echo 1\n"
    (dep,) = cli.json("status")["deployments"]
    assert set(dep) == {"artifact", "type", "project", "state", "deployed", "project_copy", "collection", "error"}
    assert (dep["state"], dep["project"], dep["type"]) == ("in_sync", "web", "skill")
    assert dep["deployed"] == dep["project_copy"] == dep["collection"]
    assert "-> web" in cli("status").stdout.decode()

    # An edit in the project: status shows it and writes nothing; sync records it.
    (copy / "run.sh").write_text("echo project edit\n")
    before = len(cli.json("log", "pdf")["versions"])
    (dep,) = cli.json("status")["deployments"]
    assert dep["state"] == "modified"
    assert len(cli.json("log", "pdf")["versions"]) == before
    checks = cli.json("sync")["deployments"]
    assert [(c["project"], c["state"], c["action"]) for c in checks] == [("web", "modified", "recorded")]
    web_line = cli.json("log", "pdf", "--line", "web")["versions"]
    assert [v["change_origin"] for v in web_line] == ["local_modification", "deployment"]
    assert web_line[0]["parents"] == [web_line[1]["id"]]
    assert "web" in cli("log", "pdf").stdout.decode()

    # Push it back: a `sync` version on the collection line with the project version as second parent.
    pushed = cli.json("push", "pdf", "--project", "web")
    assert pushed["action"] == "pushed"
    head = cli.json("log", "pdf", "--line", "collection")["versions"][0]
    assert head["id"] == pushed["version_id"] and head["parents"][1] == web_line[0]["id"]
    assert (cli.home / "collection" / "skills" / "pdf" / "run.sh").read_text() == "echo project edit\n"

    # The upstream moves on: the pushed edit is a local change, so the artifact diverged.
    (repo / "skills" / "pdf" / "SKILL.md").write_text("# pdf v2\n")
    commit(repo, "v2")
    (art,) = cli.json("status")["artifacts"]
    assert art["state"] == "diverged"
    cli("sync", expect=1)  # kept local: a conflict, reported
    assert (cli.home / "collection" / "skills" / "pdf" / "run.sh").read_text() == "echo project edit\n"
    cli("sync", "--strategy", "take-upstream")
    (dep,) = cli.json("status")["deployments"]
    assert dep["state"] == "outdated"
    checks = cli.json("sync", "--deploy")["deployments"]
    assert [(c["state"], c["action"]) for c in checks] == [("outdated", "updated")]
    assert (copy / "SKILL.md").read_text() == "# pdf v2\n"

    # Restore v1 into the collection: a rollback version naming v1.
    restored = cli.json("restore", "pdf", "v1")
    rollback = cli.json("log", "pdf")["versions"][0]
    assert (rollback["id"], rollback["change_origin"], rollback["line"]) == (
        restored["version_id"], "rollback", "collection")
    assert rollback["metadata"]["restored_number"] == 1
    assert (cli.home / "collection" / "skills" / "pdf" / "run.sh").read_text() == "echo 1\n"

    cli("project", "remove", "web")
    assert cli.json("status")["deployments"] == []
    assert (copy / "SKILL.md").exists()


def test_deploy_refuses_unrecorded_edits_then_overwrite_records_them(cli, repo, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    cli("sync")
    cli("project", "add", "web", str(web))
    cli("deploy", "pdf", "--project", "web")
    copy = web / ".claude" / "skills" / "pdf" / "run.sh"
    copy.write_text("mine\n")
    line = one_error_line(cli("deploy", "pdf", "--project", "web", "--version", "v1", expect=1))
    assert "run.sh (modified)" in line and "--strategy overwrite" in line
    assert copy.read_text() == "mine\n"
    out = cli.json("deploy", "pdf", "--project", "web", "--strategy", "overwrite")
    assert out["edits_version_id"] is not None
    assert copy.read_text() == "echo 1\n"
    origins = [v["change_origin"] for v in cli.json("log", "pdf", "--line", "web")["versions"]]
    assert origins == ["deployment", "local_modification", "deployment"]


def test_push_refuses_a_conflict_with_exit_1(cli, repo, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    cli("sync")
    cli("project", "add", "web", str(web))
    cli("deploy", "pdf", "--project", "web")
    (web / ".claude" / "skills" / "pdf" / "run.sh").write_text("project\n")
    (repo / "skills" / "pdf" / "SKILL.md").write_text("# pdf v2\n")
    commit(repo, "v2")
    cli("sync", expect=1)  # the deployment is now a conflict: reported, exit 1
    assert "conflict" in one_error_line(cli("push", "pdf", "--project", "web", expect=1))
    assert cli.json("push", "pdf", "--project", "web", "--strategy", "take-project")["action"] == "pushed"


BAD_INPUT = [
    (("project", "add", "x", "/no/such/folder"), "does not exist"),
    (("project", "add", "collection", "."), "line"),
    (("project", "add", "upstream", "."), "line"),
    (("project", "add", "web", "."), "already registered"),
    (("project", "remove", "nobody"), "No project"),
    (("deploy", "pdf", "--project", "nobody"), "No project"),
    (("deploy", "nothing", "--project", "web"), "No artifact"),
    (("deploy", "pdf", "--project", "web", "--version", "v99"), "v99"),
    (("restore", "pdf", "v99"), "v99"),
    (("push", "pdf", "--project", "web"), "not deployed"),
]


def test_bad_input_exits_2_with_one_sentence_and_changes_nothing(cli, repo, tmp_path):
    (tmp_path / "web").mkdir()
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    cli("sync")
    cli("project", "add", "web", str(tmp_path / "web"))
    for args, needle in BAD_INPUT:
        line = one_error_line(cli(*args, expect=2))
        assert needle in line, (args, line)
    assert [p["name"] for p in cli.json("project", "list")["projects"]] == ["web"]
    assert len(cli.json("log", "pdf")["versions"]) == 1
    assert not (tmp_path / "web" / ".claude").exists()


def test_deploy_refuses_a_link_out_of_the_project(cli, repo, tmp_path):
    web, outside = tmp_path / "web", tmp_path / "outside"
    web.mkdir()
    outside.mkdir()
    os.symlink(outside, web / ".claude")
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    cli("sync")
    cli("project", "add", "web", str(web))
    assert "outside the project" in one_error_line(cli("deploy", "pdf", "--project", "web", expect=1))
    assert list(outside.iterdir()) == []

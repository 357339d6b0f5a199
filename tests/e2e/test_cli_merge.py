"""The merge flow end to end: `sync --strategy merge`, `merge NAME`, `--continue`, `--abort`,
`diff --upstream`, kept-local exit codes — with a folder upstream and a git upstream."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli, make_skill, one_error_line

TEXT = "# pdf\n\nintro\n\n## use\nrun it\n\n## more\nend\n"


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "home")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@x", "HOME": str(repo), "PATH": "/usr/bin:/bin"})


def folder_upstream(tmp_path: Path):
    up = make_skill(tmp_path / "up" / "pdf", TEXT)

    def change(text: str) -> None:
        (up / "SKILL.md").write_text(text)

    return str(up), [], change


def git_upstream(tmp_path: Path):
    repo = tmp_path / "repo"
    make_skill(repo / "skills" / "pdf", TEXT)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")

    def change(text: str) -> None:
        (repo / "skills" / "pdf" / "SKILL.md").write_text(text)
        git(repo, "commit", "-qam", "two")

    return str(repo), ["--ref", "main", "--subdir", "skills/pdf"], change


@pytest.fixture(params=["folder", "git"])
def upstream(request, tmp_path):
    return (folder_upstream if request.param == "folder" else git_upstream)(tmp_path)


def start(cli: Cli, upstream, local: str, theirs: str) -> Path:
    source, extra, change = upstream
    cli("add", "pdf", "--source", source, *extra)
    cli("sync")
    copy = cli.home / "collection" / "skills" / "pdf" / "SKILL.md"
    copy.write_text(local)
    change(theirs)
    return copy


def test_merge_conflict_resolved_in_the_work_folder(cli, upstream):
    copy = start(cli, upstream, TEXT.replace("run it", "run it locally"), TEXT.replace("run it", "run it upstream"))
    diff = cli("diff", "pdf", "--upstream", expect=2)  # nothing kept aside before a sync sees it
    assert "no upstream state kept aside" in one_error_line(diff)

    result = cli.json("sync", "pdf", "--strategy", "merge", expect=1)["results"][0]
    assert (result["state"], result["action"], result["conflicts"]) == ("diverged", "conflict", ["SKILL.md"])
    assert copy.read_text() == TEXT.replace("run it", "run it locally")  # nothing live changed
    assert cli.json("status")["artifacts"][0]["state"] == "conflict"
    assert "run it upstream" in cli("diff", "pdf", "--upstream").stdout.decode()
    assert "run it upstream" in cli("diff", "pdf", "base", "upstream").stdout.decode()
    cli("sync", expect=1)  # a waiting merge fails every sync until resolved: cron sees it

    out = cli("merge", "pdf").stdout.decode()
    work = Path(out.splitlines()[0])
    marked = (work / "SKILL.md").read_text()
    assert "<<<<<<< local\nrun it locally\n||||||| base\nrun it\n=======\nrun it upstream\n>>>>>>> upstream\n" in marked
    assert "--continue" in out
    refused = cli("merge", "pdf", "--continue", expect=1)
    assert "Conflict markers remain in SKILL.md:6" in one_error_line(refused)

    (work / "SKILL.md").write_text(TEXT.replace("run it", "run it both ways"))
    assert cli("merge", "pdf").stdout.decode().startswith(str(work))  # edits are never overwritten
    assert (work / "SKILL.md").read_text() == TEXT.replace("run it", "run it both ways")
    done = cli.json("merge", "pdf", "--continue")
    assert done["action"] == "merged" and done["version_recorded"]
    assert copy.read_text() == TEXT.replace("run it", "run it both ways")
    assert not work.exists()
    versions = cli.json("log", "pdf")["versions"]
    merged, upstream_state = versions[0], next(v for v in versions if v["line"] == "upstream")
    assert merged["change_origin"] == "merge" and merged["parents"][1] == upstream_state["id"]
    assert merged["metadata"]["resolved"] == "work folder"
    assert cli.json("status")["artifacts"][0]["state"] == "locally_modified"
    assert cli.json("sync")["results"][0]["action"] == "kept-local"


def test_clean_merge_and_abort(cli, tmp_path):
    upstream = folder_upstream(tmp_path)
    copy = start(cli, upstream, TEXT.replace("intro", "local intro"), TEXT.replace("end", "upstream end"))
    result = cli.json("sync", "--strategy", "merge")["results"][0]
    assert (result["action"], result["conflict"]) == ("merged", False)
    assert copy.read_text() == TEXT.replace("intro", "local intro").replace("end", "upstream end")
    assert "merge" in cli("log", "pdf").stdout.decode()

    _, _, change = upstream
    copy.write_text("mine\n")
    change("theirs\n")
    cli("sync", "--strategy", "merge", expect=1)
    assert "Dropped the merge" in cli("merge", "pdf", "--abort").stdout.decode()
    assert "No merge is waiting" in one_error_line(cli("merge", "pdf", "--abort", expect=1))
    assert copy.read_text() == "mine\n"
    assert cli.json("status")["artifacts"][0]["state"] == "diverged"


def test_keep_local_exits_1_once_then_0_until_upstream_changes(cli, tmp_path):
    up = make_skill(tmp_path / "up" / "pdf", TEXT)
    copy = start(cli, (str(up), [], lambda t: (up / "SKILL.md").write_text(t)), "mine\n", "theirs\n")
    first = cli("sync", expect=1).stdout.decode()
    assert "kept the local copy" in first
    again = cli("sync", expect=0).stdout.decode()
    assert "kept_local" in again and "1 diverged (kept local)" in again
    assert cli.json("status")["artifacts"][0]["state"] == "kept_local"
    assert "theirs" in cli("diff", "pdf", "--upstream").stdout.decode()
    (up / "SKILL.md").write_text("theirs, again\n")
    cli("sync", expect=1)
    assert copy.read_text() == "mine\n"

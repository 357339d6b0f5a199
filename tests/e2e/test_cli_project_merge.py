"""push/deploy --strategy merge end to end: `main.py` on a temp project, a local git upstream."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import Cli
from tests.e2e.test_cli_projects import commit, git

LINES = "".join(f"line {i}\n" for i in range(1, 11))


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "home")


@pytest.fixture
def setup(cli, tmp_path):
    """pdf deployed into project web; returns (repo, project copy folder)."""
    repo = tmp_path / "repo"
    (repo / "skills" / "pdf").mkdir(parents=True)
    (repo / "skills" / "pdf" / "SKILL.md").write_text("# pdf v1\n")
    (repo / "skills" / "pdf" / "notes.md").write_text(LINES)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "v1")
    web = tmp_path / "web"
    web.mkdir()
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    cli("sync")
    cli("project", "add", "web", str(web))
    cli("deploy", "pdf", "--project", "web")
    return repo, web / ".claude" / "skills" / "pdf"


def upstream_edit(cli: Cli, repo: Path, name: str, text: str) -> None:
    """The collection moves on: an upstream commit, synced (exit 1: the deployment is in conflict)."""
    (repo / "skills" / "pdf" / name).write_text(text)
    commit(repo, "v2")
    cli("sync", expect=None)


def collection_copy(cli: Cli) -> Path:
    (found,) = [p for p in (cli.home / "collection").rglob("pdf") if p.is_dir()]
    return found


def versions(cli: Cli, line: str) -> list[dict]:
    return cli.json("log", "pdf", "--line", line)["versions"]


def test_push_merge_of_different_files_records_a_merge_with_both_parents(cli, setup):
    repo, copy = setup
    (copy / "SKILL.md").write_text("# pdf, edited in the project\n")
    upstream_edit(cli, repo, "notes.md", LINES.replace("line 5\n", "line 5 upstream\n"))
    collection_before = versions(cli, "collection")[0]

    out = cli.json("push", "pdf", "--project", "web", "--strategy", "merge")
    assert out["action"] == "merged" and out["line"] == "collection"
    head = versions(cli, "collection")[0]
    project_head = versions(cli, "web")[0]
    assert head["id"] == out["version_id"] and head["change_origin"] == "merge"
    assert head["parents"] == [collection_before["id"], project_head["id"]]
    assert project_head["change_origin"] == "local_modification"
    merged = collection_copy(cli)
    assert (merged / "SKILL.md").read_text() == "# pdf, edited in the project\n"
    assert "line 5 upstream\n" in (merged / "notes.md").read_text()
    # The project copy is untouched; the deployment now agrees on it, so it is outdated.
    assert "line 5 upstream" not in (copy / "notes.md").read_text()
    (dep,) = cli.json("status")["deployments"]
    assert dep["state"] == "outdated"


def test_push_merge_of_the_same_file_on_distant_lines_is_clean(cli, setup):
    repo, copy = setup
    (copy / "notes.md").write_text(LINES.replace("line 1\n", "line 1 project\n"))
    upstream_edit(cli, repo, "notes.md", LINES.replace("line 9\n", "line 9 upstream\n"))
    out = cli.json("push", "pdf", "--project", "web", "--strategy", "merge")
    assert out["action"] == "merged"
    text = (collection_copy(cli) / "notes.md").read_text()
    assert "line 1 project\n" in text and "line 9 upstream\n" in text


def test_push_merge_with_overlapping_edits_changes_nothing_and_waits(cli, setup):
    repo, copy = setup
    (copy / "notes.md").write_text(LINES.replace("line 5\n", "line 5 project\n"))
    upstream_edit(cli, repo, "notes.md", LINES.replace("line 5\n", "line 5 upstream\n"))
    collection_text = (collection_copy(cli) / "notes.md").read_text()
    heads = (versions(cli, "collection")[0]["id"])

    proc = cli("push", "pdf", "--project", "web", "--strategy", "merge", expect=1)
    assert b"notes.md" in proc.stdout and b"merge pdf --project web" in proc.stdout
    assert (collection_copy(cli) / "notes.md").read_text() == collection_text
    assert (copy / "notes.md").read_text() == LINES.replace("line 5\n", "line 5 project\n")
    assert versions(cli, "collection")[0]["id"] == heads
    assert not any(v["change_origin"] == "merge" for v in cli.json("log", "pdf")["versions"])
    assert list((cli.home / "merges").glob("*-web/pending.json"))
    # A second merge is refused while this one waits.
    assert b"waiting" in cli("push", "pdf", "--project", "web", "--strategy", "merge", expect=1).stderr

    # Resolve on the command line: write the work folder, edit it, continue.
    work = Path(cli.json("merge", "pdf", "--project", "web")["path"])
    assert b"<<<<<<< collection" in (work / "notes.md").read_bytes()
    cli("merge", "pdf", "--project", "web", "--continue", expect=1)  # markers remain
    (work / "notes.md").write_text(LINES.replace("line 5\n", "line 5 both\n"))
    done = cli.json("merge", "pdf", "--project", "web", "--continue")
    assert done["version_recorded"]
    head = versions(cli, "collection")[0]
    assert head["change_origin"] == "merge" and head["parents"][0] == heads
    assert head["parents"][1] == versions(cli, "web")[0]["id"]
    assert "line 5 both\n" in (collection_copy(cli) / "notes.md").read_text()
    assert not list((cli.home / "merges").glob("*-web/pending.json"))


def test_merge_abort_with_project_drops_it(cli, setup):
    repo, copy = setup
    (copy / "notes.md").write_text(LINES.replace("line 5\n", "line 5 project\n"))
    upstream_edit(cli, repo, "notes.md", LINES.replace("line 5\n", "line 5 upstream\n"))
    cli("deploy", "pdf", "--project", "web", "--strategy", "merge", expect=1)
    assert (copy / "notes.md").read_text() == LINES.replace("line 5\n", "line 5 project\n")
    cli("merge", "pdf", "--abort", expect=1)  # the collection's merge: none waits
    cli("merge", "pdf", "--project", "web", "--abort")
    assert not list((cli.home / "merges").glob("*-web/pending.json"))
    cli("merge", "pdf", "--project", "web", "--abort", expect=1)


def test_deploy_merge_merges_the_collection_into_the_project_copy(cli, setup):
    repo, copy = setup
    (copy / "SKILL.md").write_text("# pdf, edited in the project\n")
    upstream_edit(cli, repo, "notes.md", LINES.replace("line 5\n", "line 5 upstream\n"))
    collection_head = versions(cli, "collection")[0]

    out = cli.json("deploy", "pdf", "--project", "web", "--strategy", "merge")
    assert out["action"] == "merged" and out["line"] == "web"
    web = versions(cli, "web")
    assert web[0]["change_origin"] == "merge" and web[1]["change_origin"] == "local_modification"
    assert web[0]["parents"] == [web[1]["id"], collection_head["id"]]
    assert (copy / "SKILL.md").read_text() == "# pdf, edited in the project\n"
    assert "line 5 upstream\n" in (copy / "notes.md").read_text()
    assert "edited" not in (collection_copy(cli) / "SKILL.md").read_text()
    # The project now holds the collection head plus its own edit: modified, ready to push.
    (dep,) = cli.json("status")["deployments"]
    assert dep["state"] == "modified"
    assert cli.json("push", "pdf", "--project", "web")["action"] == "pushed"

"""Managing a collection from the command line (issue 9), end to end on a local git repository:
add --all, the refusal of a whole repository, one git cache per repository, edit, remove,
and the git-like diff, log and status."""
from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli import ROOT, Cli, one_error_line

SKILLS = ("docx", "pdf", "xlsx")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path) -> Path:
    """Shaped like anthropics/skills: skills/<name>/SKILL.md + scripts, plus commands/ and agents/."""
    root = tmp_path / "skills-repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for name in SKILLS:
        (root / "skills" / name / "ooxml").mkdir(parents=True)
        (root / "skills" / name / "SKILL.md").write_text(f"# {name}\n")
        (root / "skills" / name / "ooxml" / "pack.py").write_text("".join(f"line {i}\n" for i in range(40)))
    (root / "commands").mkdir()
    (root / "commands" / "review.md").write_text("# review\n")
    (root / "agents").mkdir()
    (root / "agents" / "helper.md").write_text("# helper\n")
    (root / "README.md").write_text("readme\n")
    commit(root, "First skills")
    return root


class InProcessCli(Cli):
    """`main.py` without starting an interpreter each time: core.cli.main(argv) with stdout and
    stderr captured as bytes (neither is a terminal). The subprocess Cli covers the real start."""

    def __call__(self, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess:
        from core.cli import main

        out, err = io.TextIOWrapper(io.BytesIO()), io.TextIOWrapper(io.BytesIO())
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            code = main(["--home", str(self.home), *args])
        finally:
            sys.stdout, sys.stderr = saved
        out.flush()
        err.flush()
        proc = subprocess.CompletedProcess(args, code, out.buffer.getvalue(), err.buffer.getvalue())
        if expect is not None:
            assert code == expect, (code, proc.stdout, proc.stderr)
        assert b"Traceback" not in proc.stderr
        return proc


@pytest.fixture
def cli(tmp_path) -> Cli:
    return InProcessCli(tmp_path / "home")


@pytest.fixture
def real_cli(tmp_path) -> Cli:
    return Cli(tmp_path / "home")


def test_add_all_adds_every_artifact_once_and_a_second_run_skips_them(real_cli, repo):
    cli = real_cli
    out = cli("add", "--all", "--source", str(repo), "--ref", "main").stdout.decode()
    assert "Added 5 artifacts" in out
    for line in ("skill    pdf", "command  review", "agent    helper"):
        assert line in out
    status = {a["name"]: a for a in cli.json("status", "-v")["artifacts"]}
    assert sorted(status) == sorted([*SKILLS, "review", "helper"])
    assert status["pdf"]["source"] == {"kind": "git", "location": str(repo), "ref": "main", "subdir": "skills/pdf"}
    assert status["review"]["type"] == "command" and status["helper"]["type"] == "agent"
    again = cli("add", "--all", "--source", str(repo), "--ref", "main").stdout.decode()
    assert "Skipped 5" in again and "already tracked" in again and "nothing to add" in again
    cli("sync")
    assert (cli.home / "collection" / "skills" / "pdf" / "ooxml" / "pack.py").is_file()
    assert (cli.home / "collection" / "commands" / "review.md").read_text() == "# review\n"


def test_add_all_at_a_sub_folder_and_with_nothing_there(cli, repo):
    out = cli("add", "--all", "--source", str(repo), "--subdir", "skills").stdout.decode()
    assert "Added 3 artifacts" in out  # the folder holds skill folders directly
    assert "review" not in out
    assert "Found no artifacts" in one_error_line(cli("add", "--all", "--source", str(repo / "commands"), expect=2))
    assert "itself one skill" in one_error_line(cli("add", "--all", "--source", str(repo / "skills" / "pdf"),
                                                    expect=2))
    assert "not both" in one_error_line(cli("add", "x", "--all", "--source", str(repo), expect=2))


def test_add_name_on_a_repository_of_several_artifacts_is_refused_with_the_list(cli, repo):
    err = one_error_line(cli("add", "pdf", "--source", str(repo), expect=2))
    assert "holds 5 artifacts" in err and "skill/pdf" in err and "command/review" in err
    assert "--subdir skills/pdf" in err and "--all" in err
    assert cli.json("status")["artifacts"] == []  # nothing was added
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    cli("add", "whole", "--source", str(repo), "--type", "other")  # said explicitly: tracked whole


def test_one_git_cache_for_a_path_and_a_file_url(cli, repo):
    cli("add", "pdf", "--source", str(repo), "--ref", "main", "--subdir", "skills/pdf")
    cli("add", "docx", "--source", f"file://{repo}/", "--subdir", "skills/docx")
    cli("sync")
    assert len(list((cli.home / "cache" / "git").iterdir())) == 1


def test_edit_validates_first_and_the_next_sync_names_both_upstreams(cli, repo):
    first = commit_pdf(cli, repo)
    (repo / "skills" / "pdf" / "SKILL.md").write_text("# pdf\nnewer\n")
    newer = commit(repo, "Newer pdf")
    git(repo, "tag", "v2")
    before = cli.json("status", "-v")
    # a ref or folder that does not exist: exit 2, nothing changed
    assert "'nope' does not exist" in one_error_line(cli("edit", "pdf", "--ref", "nope", expect=2))
    assert "does not exist" in one_error_line(cli("edit", "pdf", "--subdir", "skills/gone", expect=2))
    assert "is a file" in one_error_line(cli("edit", "pdf", "--subdir", "commands/review.md", expect=2))
    assert "needs at least one" in one_error_line(cli("edit", "pdf", expect=2))
    assert cli.json("status", "-v") == before
    out = cli("edit", "pdf", "--ref", "v2").stdout.decode()
    assert "now follows git" in out and "at v2" in out and f"at {first}" in out
    (result,) = cli.json("sync")["results"]
    assert result["action"] == "replaced"
    newest = cli.json("log", "pdf")["versions"][0]
    assert newest["change_origin"] == "sync"
    meta = newest["metadata"]
    assert meta["resolved_commit"] == newer and meta["commit_subject"] == "Newer pdf"
    assert meta["previous_upstream"]["ref"] == first and meta["upstream"]["ref"] == "v2"
    log = cli("log", "pdf").stdout.decode()
    assert "v2 " in log and "'Newer pdf'" in log and f"upstream was git {repo} at {first}" in log
    assert "nothing changed" in cli("edit", "pdf", "--ref", "v2").stdout.decode()  # the same again


def commit_pdf(cli: Cli, repo: Path) -> str:
    """pdf pinned to the repository's current commit, synced."""
    head = git(repo, "rev-parse", "HEAD")
    cli("add", "pdf", "--source", str(repo), "--ref", head, "--subdir", "skills/pdf")
    cli("sync")
    return head


def test_remove_keeps_history_records_edits_first_and_add_revives(cli, repo):
    commit_pdf(cli, repo)
    copy = cli.home / "collection" / "skills" / "pdf"
    (copy / "SKILL.md").write_text("# pdf\nmy edit\n")  # never recorded
    err = one_error_line(cli("remove", "pdf", expect=2))  # no terminal, no --yes
    assert "--yes" in err and copy.exists()
    assert "did you mean 'pdf'" in one_error_line(cli("remove", "pfd", "--yes", expect=2))
    out = cli("remove", "pdf", "--yes").stdout.decode()
    assert "Recorded the collection copy's edits" in out and not copy.exists()
    log = cli.json("log", "pdf")
    assert log["removed_at"] is not None
    assert log["versions"][0]["change_origin"] == "local_modification"
    assert "was removed" in cli("log", "pdf").stdout.decode()
    # status and sync skip it; naming it says it was removed
    assert cli.json("status")["artifacts"] == []
    assert "was removed" in one_error_line(cli("sync", "pdf", expect=2))
    assert "was removed" in one_error_line(cli("remove", "pdf", "--yes", expect=2))
    # the recorded edit can still be compared
    assert "+my edit" in cli("diff", "pdf").stdout.decode()
    # adding it again revives it: the history goes on from the recorded edit
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    (result,) = cli.json("sync")["results"]
    assert result["action"] == "copied"
    versions = cli.json("log", "pdf")["versions"]
    assert len(versions) == 3 and versions[0]["parent_hash"] == versions[1]["content_hash"]


def test_purge_deletes_history_but_never_unrecorded_content(cli, repo):
    commit_pdf(cli, repo)
    copy = cli.home / "collection" / "skills" / "pdf"
    (copy / "SKILL.md").write_text("# pdf\nunrecorded\n")
    err = one_error_line(cli("remove", "pdf", "--purge", "--yes", expect=1))
    assert "no version records" in err and (copy / "SKILL.md").read_text() == "# pdf\nunrecorded\n"
    cli("blame", "pdf")  # fills the blame cache, which a removed artifact keeps (its history is shown)
    cli("remove", "pdf", "--yes")
    blamed = [p for p in (cli.home / "cache" / "blame").iterdir()]
    assert blamed and all(any(p.iterdir()) for p in blamed)
    cli("remove", "pdf", "--purge", "--yes")
    assert not any(p.exists() for p in blamed)  # the purged history's blame entries went with it
    assert "No artifact named 'pdf'" in one_error_line(cli("log", "pdf", expect=2))
    cli("add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")  # a fresh start
    cli("sync")
    assert len(cli.json("log", "pdf")["versions"]) == 1


def test_diff_like_git_stat_names_paths_renames_and_the_newline_marker(cli, repo):
    commit_pdf(cli, repo)
    skill = repo / "skills" / "pdf"
    (skill / "SKILL.md").write_text("# pdf")  # loses its final newline
    (skill / "scripts" / "office").mkdir(parents=True)
    old = (skill / "ooxml" / "pack.py").read_text()
    (skill / "scripts" / "office" / "pack.py").write_text(old.replace("line 3\n", "line three\n"))
    (skill / "ooxml" / "pack.py").unlink()
    (skill / "ooxml").rmdir()
    head = commit(repo, "Move ooxml to scripts/office")
    cli("edit", "pdf", "--ref", head)
    cli("sync")
    text = cli("diff", "pdf").stdout.decode()
    assert "\\ No newline at end of file" in text
    assert "rename from ooxml/pack.py" in text and "rename to scripts/office/pack.py" in text
    assert "-line 3" in text and "+line three" in text and "-line 4" not in text
    assert "\x1b[" not in text  # no colour in a pipe
    doc = cli.json("diff", "pdf")
    renamed = [f for f in doc["files"] if f["status"] == "renamed"]
    assert renamed == [dict(renamed[0], path="scripts/office/pack.py", old_path="ooxml/pack.py")]
    assert cli("diff", "pdf", "--name-only").stdout.decode().splitlines() == ["SKILL.md", "scripts/office/pack.py"]
    stat = cli("diff", "pdf", "--stat").stdout.decode().splitlines()
    assert stat[-1] == " 2 files changed, 2 insertions(+), 2 deletions(-)"
    assert stat[1].startswith(" ooxml/pack.py => scripts/office/pack.py | 2 +-")
    only = cli("diff", "pdf", "v1", "v2", "--", "SKILL.md").stdout.decode()
    assert "SKILL.md" in only and "pack.py" not in only
    folder = cli("diff", "pdf", "--name-only", "--", "scripts").stdout.decode()
    assert folder == "scripts/office/pack.py\n"


def run_on_terminal(cli: Cli, *args: str, env: dict[str, str]) -> bytes:
    """main.py with stdout on a pseudo-terminal; returns what reached the terminal."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--home", str(cli.home), *args],
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE,
                            env={**os.environ, **env})
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the program is done
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else b""
    return b"".join(chunks)


def test_diff_on_a_terminal_is_coloured_and_paged(cli, real_cli, repo, tmp_path):
    commit_pdf(cli, repo)
    (repo / "skills" / "pdf" / "SKILL.md").write_text("# pdf\nadded line\n")
    cli("edit", "pdf", "--ref", commit(repo, "More"))
    cli("sync")
    paged = tmp_path / "paged.txt"
    shown = run_on_terminal(real_cli, "diff", "pdf", env={"PAGER": f"cat > {paged}", "TERM": "xterm"})
    assert shown == b""  # everything went to the pager
    text = paged.read_bytes()
    assert b"\x1b[32m+added line\x1b[m" in text
    direct = run_on_terminal(real_cli, "diff", "pdf", "--no-pager", "--color", "never", env={"TERM": "xterm"})
    assert b"+added line" in direct and b"\x1b[" not in direct


def test_status_and_sync_print_each_error_once_and_no_routine_notes(cli, repo, tmp_path):
    commit_pdf(cli, repo)
    local = tmp_path / "gone"
    local.mkdir()
    (local / "SKILL.md").write_text("# gone\n")
    cli("add", "gone", "--source", str(local))
    (local / "SKILL.md").unlink()
    local.rmdir()
    (cli.home / "collection" / "skills" / "pdf" / "SKILL.md").write_text("# pdf\nlocal\n")
    proc = cli("status", expect=1)
    assert proc.stdout.decode().count(str(local)) == 0
    assert proc.stderr.decode().count(str(local)) == 1
    cli("sync", expect=1)
    again = cli("sync", "pdf")  # locally modified and already recorded: a normal run
    assert b"version not recorded" not in again.stdout and again.stderr == b""


def test_status_verbose_names_a_file_upstream_a_file(cli, repo):
    cli("add", "review", "--source", str(repo / "commands" / "review.md"))
    out = cli("status", "-v").stdout.decode()
    assert f"from file {repo / 'commands' / 'review.md'}" in out


def test_hash_without_a_data_folder_creates_none(tmp_path):
    home = tmp_path / "never-made"
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "a").write_text("a")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--home", str(home), "hash", str(tree)],
                          cwd=ROOT, capture_output=True, timeout=60)
    assert proc.returncode == 0 and len(proc.stdout.strip()) == 64
    assert not home.exists()

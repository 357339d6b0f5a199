"""Issue 14 §4 and §6 end to end: shapes, overlaps, bad paths and text, driving `main.py`.

Set-up S of the issue is built in-process (fast); only the commands under test run as
`main.py`: upstream `U` with skill `pdf` and command `U/cmds/review.md`, both synced,
project `web` at `P` with both deployed.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from core import projects, sync
from core.workspace import Workspace
from tests.e2e.test_cli import Cli, one_error_line

INVISIBLE = ("\u200b", "\u200d", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069")


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "home")


@pytest.fixture
def s(cli, tmp_path):
    """Set-up S; returns the project folder P."""
    up = tmp_path / "U"
    (up / "pdf" / "scripts").mkdir(parents=True)
    (up / "pdf" / "SKILL.md").write_text("# pdf\n")
    (up / "pdf" / "scripts" / "a.py").write_text("a = 1\n")
    (up / "pdf" / "scripts" / "b.py").write_text("b = 1\n")
    (up / "cmds").mkdir()
    (up / "cmds" / "review.md").write_text("# review\n")
    P = tmp_path / "P"
    P.mkdir()
    with Workspace.open(cli.home) as ws:
        pdf = sync.add_artifact(ws, "pdf", str(up / "pdf"))
        review = sync.add_artifact(ws, "review", str(up / "cmds" / "review.md"), type="command")
        sync.sync_all(ws)
        web = projects.add_project(ws, "web", P)
        projects.deploy(ws, pdf, web)
        projects.deploy(ws, review, web)
    return P


# --- §4: status after remove ---------------------------------------------------------


def test_status_after_removing_a_deployed_artifact_drops_its_deployments(cli, s):
    out = cli("remove", "review", "--yes").stdout.decode()
    assert "web" in out and "no longer tracked" in out
    doc = cli.json("status")
    assert [(d["artifact"], d["project"]) for d in doc["deployments"]] == [("pdf", "web")]
    assert "review" not in cli("status").stdout.decode()
    assert (s / ".claude" / "commands" / "review.md").read_text() == "# review\n"  # the copy stays
    cli("sync")


# --- §4: wrong shapes ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["pdf", "review"])
def test_a_project_copy_of_the_wrong_shape_is_refused_by_push_and_an_error_in_status(cli, s, name):
    copy = s / ".claude" / ("skills/pdf" if name == "pdf" else "commands/review.md")
    if name == "pdf":
        shutil.rmtree(copy)
        copy.write_text("a file where the skill folder belongs\n")
    else:
        copy.unlink()
        copy.mkdir()
        (copy / "review.md").write_text("# review\n")
    line = one_error_line(cli("push", name, "--project", "web", expect=1))
    assert "belongs" in line and "nothing was changed" in line
    one_error_line(cli("push", name, "--project", "web", "--strategy", "merge", expect=1))
    collection = cli.home / "collection" / ("skills/pdf" if name == "pdf" else "commands/review.md")
    assert collection.is_dir() == (name == "pdf")
    (dep,) = [d for d in cli.json("status", expect=1)["deployments"] if d["artifact"] == name]
    assert dep["state"] == "error" and "belongs" in dep["error"]
    # Overwrite records the wrong-shaped copy on the project's line, then puts the right shape back.
    cli("deploy", name, "--project", "web", "--strategy", "overwrite")
    assert copy.is_dir() == (name == "pdf")
    (dep,) = [d for d in cli.json("status")["deployments"] if d["artifact"] == name]
    assert dep["state"] == "in_sync"


# --- §4: overlapping projects and bad paths ------------------------------------------


def test_overlapping_projects_are_refused_with_exit_2(cli, s, tmp_path):
    (cli.home / "objects" / "inside").mkdir(parents=True)
    deep = tmp_path / "Q" / ".claude" / "x"
    deep.mkdir(parents=True)
    cli("project", "add", "deep", str(deep))
    cases = {
        "same": s,  # the same folder twice
        "nested": s / ".claude" / "skills" / "pdf",  # inside another's .claude/: deploys would nest
        "holder": tmp_path / "Q",  # holding another project in its .claude/
        "data": cli.home,  # the data folder itself
        "store": cli.home / "objects" / "inside",  # inside the object store
        "coll": cli.home / "collection" / "skills",  # inside the collection
    }
    for name, path in cases.items():
        line = one_error_line(cli("project", "add", name, str(path), expect=2))
        assert "project" in line or "data folder" in line or "collection" in line, line
    # A folder whose .claude/ holds the data folder.
    other = Cli(tmp_path / "h" / ".claude" / "home")
    other("status")
    one_error_line(other("project", "add", "top", str(tmp_path / "h"), expect=2))
    assert [p["name"] for p in cli.json("project", "list")["projects"]] == ["deep", "web"]


def test_a_project_inside_another_outside_its_claude_folder_is_allowed(cli, s, tmp_path):
    """~ is a project (the user's ~/.claude) and holds every other: only .claude/ trees must not overlap."""
    (s / "sub").mkdir()
    cli("project", "add", "sub", str(s / "sub"))
    sibling = tmp_path / (s.name + "2")
    sibling.mkdir()
    cli("project", "add", "web2", str(sibling))
    cli("deploy", "pdf", "--project", "sub")
    assert [d["state"] for d in cli.json("status")["deployments"]] == ["in_sync"] * 3


@pytest.mark.parametrize("path", ["", "/"])
def test_a_project_path_that_is_empty_or_the_root_is_refused(cli, s, path):
    line = one_error_line(cli("project", "add", "bad", path, expect=2))
    assert "bad" not in [p["name"] for p in cli.json("project", "list")["projects"]]
    assert line.startswith("error: ")


@pytest.mark.parametrize("stored", ["", "/", "relative/folder"])
def test_a_project_row_holding_a_bad_path_writes_nowhere(cli, s, tmp_path, stored):
    import sqlite3

    db = sqlite3.connect(cli.home / "lineage.sqlite3")
    db.execute("UPDATE projects SET path = ? WHERE name = 'web'", (stored,))
    db.commit()
    db.close()
    shutil.rmtree(s / ".claude")
    # Where an empty path (the working directory: the repository) or `/` would have written.
    places = [Path("/") / ".claude" / "skills" / "pdf", Path(__file__).resolve().parents[2] / ".claude"]
    before = [os.path.lexists(p) and os.lstat(p).st_mtime_ns for p in places]
    for args in (("deploy", "pdf", "--project", "web"), ("restore", "pdf", "v1", "--project", "web"),
                 ("push", "pdf", "--project", "web")):
        line = one_error_line(cli(*args, expect=2))
        assert "web" in line and "project remove web" in line
    (dep, _) = cli.json("status", expect=1)["deployments"]
    assert dep["state"] == "error"
    assert [os.path.lexists(p) and os.lstat(p).st_mtime_ns for p in places] == before


def test_a_project_path_that_is_not_utf8_is_one_sentence_exit_2(cli, s, tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9"
    try:
        os.mkdir(raw)
    except OSError:
        pytest.skip("the file system refuses names that are not UTF-8")
    import subprocess
    import sys

    from tests.e2e.test_cli import ROOT

    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--home", str(cli.home), "project", "add",
                           "cafe", raw], capture_output=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.decode().strip()
    assert "\n" not in line and "UTF-8" in line and "unexpected" not in line
    # Every argument kept as text says the same, not "unexpected UnicodeEncodeError".
    for args in ([b"add", b"cafe", b"--source", raw], [b"deploy", b"pdf", b"--project", b"w\xe9"],
                 [b"--home", raw, b"status"], [b"log", b"pdf", b"--line", b"w\xe9"]):
        line = one_error_line(cli(*args, expect=2))
        assert "not valid UTF-8" in line and "unexpected" not in line, line
    assert cli("hash", raw).stdout  # a path that is only read may be any bytes


def test_a_project_name_used_again_after_removal_starts_a_new_line(cli, s, tmp_path):
    cli("project", "remove", "web")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    cli("project", "add", "web", str(fresh))
    out = cli.json("deploy", "pdf", "--project", "web")
    assert out["recorded"] is True
    # The new project's first deployment: its only parent is the collection version copied.
    (deployed,) = cli.json("log", "pdf", "--line", "web")["versions"]
    assert deployed["id"] == out["version_id"] and deployed["parents"] == [out["source_version_id"]]
    old = cli.json("log", "pdf", "--line", "web/removed-1")["versions"]
    assert [v["change_origin"] for v in old] == ["deployment"]  # the old project's versions stay
    (dep,) = [d for d in cli.json("status")["deployments"] if d["artifact"] == "pdf"]
    assert dep["state"] == "in_sync"


# --- §6: text ------------------------------------------------------------------------


def test_bidi_and_zero_width_characters_never_reach_the_terminal(cli, s, tmp_path):
    up = tmp_path / "U" / "pdf"
    (up / "a\u202etxt.md").write_text("x = '\u202e\u2066'\u200b\n")
    weird = tmp_path / "proj\u2067ect"
    weird.mkdir()
    outputs = [
        cli("sync"),
        cli("project", "add", "w\u200bide", str(weird)),
        cli("deploy", "pdf", "--project", "w\u200bide"),
        cli("project", "list"),
        cli("status"),
        cli("diff", "pdf", "--no-pager"),
        cli("diff", "pdf", "--stat", "--no-pager"),
        cli("diff", "pdf", "--name-only", "--no-pager"),
        cli("log", "pdf"),
    ]
    shutil.rmtree(weird)
    outputs.append(cli("status", expect=1))  # the project folder is gone: an error naming its path
    for proc in outputs:
        text = (proc.stdout + proc.stderr).decode("utf-8", "surrogateescape")
        assert not [ch for ch in INVISIBLE + ("\u2067",) if ch in text], text
    assert "\\u202e" in outputs[5].stdout.decode()
    assert "\\u2067" in outputs[3].stdout.decode()
    assert "\\u2067" in outputs[-1].stderr.decode() + outputs[-1].stdout.decode()


def test_diff_stat_counts_the_lines_of_a_large_changed_text(cli, s, tmp_path):
    up = tmp_path / "U" / "pdf"
    lines = [f"line {i} of a long text\n" for i in range(180_000)]  # 4.3 MB
    (up / "big.txt").write_text("".join(lines))
    cli("sync")
    lines[100] = "changed\n"
    lines[90_000:90_000] = ["new a\n", "new b\n"]
    del lines[150_000]
    (up / "big.txt").write_text("".join(lines))
    cli("sync")
    out = cli("diff", "pdf", "--stat", "--no-pager").stdout.decode()
    assert " big.txt | 5 +++--" in out, out
    assert "3 insertions(+), 2 deletions(-)" in out


def test_rebuilding_a_missing_copy_says_so(cli, s):
    shutil.rmtree(s / ".claude" / "skills" / "pdf")
    out = cli("deploy", "pdf", "--project", "web").stdout.decode()
    assert "already held" not in out and "missing copy" in out
    assert (s / ".claude" / "skills" / "pdf" / "SKILL.md").exists()
    assert cli.json("deploy", "pdf", "--project", "web")["was_missing"] is False


# Read as digits, ٢ would name #2 (pdf's first version: review was synced first) and ١ / １ v1.
@pytest.mark.parametrize("token", ["\u0662", "#\u0662", "v\u0661", "v\uff11"])
def test_version_tokens_take_only_ascii_digits(cli, s, token):
    for args in (("restore", "pdf", token), ("diff", "pdf", token, "--no-pager"),
                 ("deploy", "pdf", "--project", "web", "--version", token)):
        line = one_error_line(cli(*args, expect=2))
        assert "version" in line or "hash prefix" in line, line
    cli("restore", "pdf", "v1")


# --- §2: a waiting merge's advice and a damaged pending.json ---------------------------


def test_a_damaged_pending_merge_can_always_be_aborted_and_advice_says_what_abort_deletes(cli, s, tmp_path):
    (tmp_path / "U" / "pdf" / "SKILL.md").write_text("# pdf\nupstream\n")
    (cli.home / "collection" / "skills" / "pdf" / "SKILL.md").write_text("# pdf\nlocal\n")
    out = cli("sync", "pdf", "--strategy", "merge", expect=1).stdout.decode()
    assert "--abort` drops it (with the work folder and any edits in it)" in out
    out = cli("merge", "pdf").stdout.decode()
    assert "deletes this folder and your edits in it" in out
    (record,) = (cli.home / "merges").glob("*/pending.json")
    for damage in ('{"format": 1, "labels": 3', "[[[[", "\xff"):
        record.parent.mkdir(exist_ok=True)
        record.write_text(damage, encoding="latin-1")
        line = one_error_line(cli("push", "pdf", "--project", "web", "--strategy", "take-project", expect=1))
        assert "waiting" in line and "--abort" in line
        assert "deleted its work folder" in cli("merge", "pdf", "--abort").stdout.decode()
        assert not record.exists()
    one_error_line(cli("merge", "pdf", "--abort", expect=1))  # none waits now: says so

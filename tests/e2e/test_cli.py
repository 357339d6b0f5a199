"""The CLI end to end: `python main.py --home TMP ...` in subprocesses (forked by
tests/main_server.py after its imports; LINEAGE_TEST_EXEC=1 starts each one afresh)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.main_server import run_main

ROOT = Path(__file__).resolve().parents[2]


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = home

    def __call__(self, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess:
        proc = run_main(["--home", str(self.home), *args])  # a fresh process (tests/main_server.py)
        if expect is not None:
            assert proc.returncode == expect, (proc.returncode, proc.stdout, proc.stderr)
        assert b"Traceback" not in proc.stderr
        return proc

    def json(self, *args: str, expect: int = 0):
        return json.loads(self(*args, "--json", expect=expect).stdout)


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "home")


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def make_skill(root: Path, text: str = "# pdf\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_text(text)
    return root


def test_help_lists_the_sub_commands(cli):
    out = cli("--help").stdout.decode()
    for command in ("add", "sync", "status", "log", "diff", "hash", "fsck"):
        assert command in out
    assert cli("--version").stdout.decode().startswith("artifact-lineage ")


def test_add_sync_status_log_diff(cli, tmp_path):
    up = make_skill(tmp_path / "up" / "pdf")
    cli("add", "pdf", "--source", str(up))
    status = cli.json("status")
    upstream_hash = status["artifacts"][0]["upstream"]
    assert len(upstream_hash) == 64
    assert status == {"artifacts": [
        {"name": "pdf", "type": "skill", "state": "new", "head": None, "local": None,
         "upstream": upstream_hash, "error": None, "plugin": None, "merge_line": None}
    ], "deployments": []}
    first = cli.json("sync")["results"][0]
    assert (first["action"], first["version_recorded"]) == ("copied", True)
    assert (cli.home / "collection" / "skills" / "pdf" / "SKILL.md").read_text() == "# pdf\n"

    (up / "SKILL.md").write_text("# pdf\nmore\n")
    (up / "tool.bin").write_bytes(b"\0\1\2")
    (status,) = cli.json("status")["artifacts"]
    assert status["state"] == "upstream_changed" and status["local"] == first["new_hash"]
    second = cli.json("sync")["results"][0]
    assert second["action"] == "replaced" and second["old_hash"] == first["new_hash"]

    log = cli.json("log", "pdf")
    assert (log["artifact"], log["removed_at"]) == ("pdf", None)
    newest, oldest = log["versions"]
    assert set(newest) == {
        "id", "number", "line", "parents", "content_hash", "parent_hash", "change_origin", "created_at",
        "lineage", "metadata"
    }
    assert (newest["line"], newest["parents"], oldest["parents"]) == ("collection", [oldest["id"]], [])
    assert (oldest["number"], newest["number"]) == (1, 2)  # the artifact's own v1, v2, as the window shows
    assert newest["parent_hash"] == oldest["content_hash"] == first["new_hash"]
    assert newest["lineage"] == [first["new_hash"], second["new_hash"]]
    assert oldest["parent_hash"] is None and oldest["lineage"] == [first["new_hash"]]

    d = cli.json("diff", "pdf")
    assert (d["old"], d["new"]) == (first["new_hash"], second["new_hash"])
    assert [(f["path"], f["status"]) for f in d["files"]] == [("SKILL.md", "modified"), ("tool.bin", "added")]
    assert d["files"][1]["size"] == 3
    # the same by version ids and by hash prefixes, and reversed
    assert cli.json("diff", "pdf", str(oldest["id"]), f"#{newest['id']}") == d
    assert cli.json("diff", "pdf", "v1", "v2") == d
    assert "has no version v3 (it has v1 to v2)" in one_error_line(cli("diff", "pdf", "v3", expect=2))
    back = cli.json("diff", "pdf", second["new_hash"][:8], first["new_hash"][:8])
    assert [(f["path"], f["status"]) for f in back["files"]] == [("SKILL.md", "modified"), ("tool.bin", "removed")]

    text = cli("diff", "pdf").stdout.decode()
    assert "+more" in text and "SKILL.md" in text and "tool.bin" in text
    assert "Binary" in text and "\x00" not in text
    log_lines = cli("log", "pdf").stdout.decode().splitlines()
    assert log_lines[0].split()[:2] == ["VERSION", "ID"]
    assert [line.split()[0] for line in log_lines[1:]] == ["v2", "v1"]
    assert "up_to_date" in cli("status").stdout.decode()

    # --limit: the newest N, numbered and with lineages as in the full log; piped JSON is one compact line
    raw = cli("log", "pdf", "--limit", "1", "--json").stdout
    assert raw.count(b"\n") == 1 and b": " not in raw
    assert json.loads(raw) == {"artifact": "pdf", "removed_at": None, "versions": [newest]}
    limited = cli("log", "pdf", "--limit", "1").stdout.decode().splitlines()
    assert [line.split()[0] for line in limited] == ["VERSION", "v2"]
    assert "--limit" in one_error_line(cli("log", "pdf", "--limit", "0", expect=2))


def test_hash_and_manifest(cli, tmp_path):
    up = make_skill(tmp_path / "s")
    digest = cli("hash", str(up)).stdout.decode().strip()
    assert len(digest) == 64 and int(digest, 16) >= 0
    line = cli("hash", "--manifest", str(up)).stdout.decode().strip()
    kind, file_digest, path = line.split(" ", 2)
    assert (kind, path) == ("f", "SKILL.md")


def test_conflict_exits_1_and_take_upstream_resolves(cli, tmp_path):
    up = make_skill(tmp_path / "up" / "pdf")
    cli("add", "pdf", "--source", str(up))
    cli("sync")
    (cli.home / "collection" / "skills" / "pdf" / "SKILL.md").write_text("# mine\n")
    (up / "SKILL.md").write_text("# theirs\n")
    result = cli.json("sync", expect=1)["results"][0]
    assert (result["state"], result["action"], result["conflict"]) == ("diverged", "kept-local", True)
    result = cli.json("sync", "pdf", "--strategy", "take-upstream")["results"][0]
    assert result["action"] == "replaced"
    versions = cli.json("log", "pdf")["versions"]
    assert [(v["line"], v["change_origin"]) for v in versions] == [
        ("collection", "sync"), ("upstream", "sync"), ("collection", "local_modification"), ("collection", "sync")]
    assert versions[0]["parents"] == [versions[2]["id"], versions[1]["id"]]


def test_failed_artifact_exits_1_others_still_sync(cli, tmp_path):
    good = make_skill(tmp_path / "up" / "good")
    bad = make_skill(tmp_path / "up" / "bad")
    cli("add", "good", "--source", str(good))
    cli("add", "bad", "--source", str(bad))
    (bad / "SKILL.md").unlink()
    bad.rmdir()
    results = {r["name"]: r for r in cli.json("sync", expect=1)["results"]}
    assert results["good"]["action"] == "copied"
    assert results["bad"]["action"] == "failed" and str(bad) in results["bad"]["error"]
    proc = cli("sync", expect=1)
    assert b"failed" in proc.stdout and b"Traceback" not in proc.stdout
    # every failure is printed once: on stderr, one line per failed artifact, naming it
    assert str(bad).encode() not in proc.stdout
    err_lines = proc.stderr.decode().splitlines()
    assert len(err_lines) == 1 and err_lines[0].startswith("error: bad (skill): ")
    assert str(bad) in err_lines[0]
    status = cli("status", "--json", expect=1)
    assert [line.split(":")[1].strip() for line in status.stderr.decode().splitlines()] == ["bad (skill)"]


@pytest.mark.parametrize(
    "args",
    [
        ("log", "nope"),
        ("diff", "nope"),
        ("sync", "nope"),
        ("hash", "/definitely/not/here"),
        ("add", "x", "--source", "/definitely/not/here"),
        ("add", "../x", "--source", "."),
    ],
)
def test_bad_input_exits_2_with_one_line(cli, args):
    proc = cli(*args, expect=2)
    line = one_error_line(proc)
    assert line.startswith("error: ") and line.endswith((".", ")"))
    assert proc.stdout == b""


def test_usage_errors_exit_2_with_one_line(cli):
    for args in (("bogus",), ("add", "x"), ("sync", "--strategy", "theirs")):
        proc = cli(*args, expect=2)
        assert "see --help" in one_error_line(proc)


def test_duplicate_add_and_unknown_version_exit_2(cli, tmp_path):
    up = make_skill(tmp_path / "up" / "pdf")
    cli("add", "pdf", "--source", str(up))
    assert "already exists" in one_error_line(cli("add", "pdf", "--source", str(up), expect=2))
    assert "no versions" in one_error_line(cli("diff", "pdf", expect=2))
    cli("sync")
    assert "#99" in one_error_line(cli("diff", "pdf", "#99", expect=2))
    assert "ffff" in one_error_line(cli("diff", "pdf", "ffff", expect=2))


def test_unreadable_database_is_one_line_exit_1(cli, tmp_path):
    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    proc = cli("--db", f"sqlite:///{bad}", "status", expect=1)
    assert one_error_line(proc).startswith("error: ")


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs byte file names")
def test_hash_manifest_escapes_undecodable_names_and_z_keeps_their_bytes(cli, tmp_path):
    root = tmp_path / "odd"
    root.mkdir()
    with open(os.path.join(os.fsencode(root), b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"x")
    out = cli("hash", "--manifest", str(root)).stdout
    assert out.endswith(b" caf\\xe9.txt\n")
    assert cli("hash", "--manifest", "-z", str(root)).stdout.endswith(b" caf\xe9.txt\0")


def test_git_upstream_with_ref(cli, tmp_path):
    repo = tmp_path / "repo"
    make_skill(repo / "skills" / "pdf", "# v1\n")

    def git(*a: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "v1")
    git("tag", "v1")
    cli("add", "pdf", "--source", str(repo), "--ref", "v1", "--subdir", "skills/pdf")
    cli("sync")
    (newest,) = cli.json("log", "pdf")["versions"]
    assert newest["metadata"]["resolved_commit"] == git("rev-parse", "HEAD")
    bad = cli("add", "other", "--source", str(repo), "--ref", "no-such-branch", expect=2)
    assert "no-such-branch" in one_error_line(bad)


def test_same_name_in_two_types_is_reached_as_type_slash_name(cli, tmp_path):
    cmd = tmp_path / "up" / "commands" / "review.md"
    agent = tmp_path / "up" / "agents" / "review.md"
    for path, text in ((cmd, "# review command\n"), (agent, "# review agent\n")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    cli("add", "review", "--source", str(cmd), "--type", "command")
    cli("add", "review", "--source", str(agent), "--type", "agent")
    message = one_error_line(cli("log", "review", expect=2))
    assert "Several artifacts are named 'review'" in message and "TYPE/NAME" in message
    cli("sync", "command/review")
    assert cli.json("log", "command/review")["versions"][0]["change_origin"] == "sync"
    assert cli.json("log", "agent/review")["versions"] == []  # only the command was synced


def test_two_artifacts_cannot_share_a_place(cli, tmp_path):
    single = tmp_path / "up" / "foo.md"
    folder = tmp_path / "up" / "foo-folder"
    single.parent.mkdir(parents=True)
    single.write_text("# foo\n")
    folder.mkdir()
    (folder / "README.md").write_text("# a folder command\n")
    cli("add", "foo", "--source", str(single), "--type", "command")  # commands/foo.md
    message = one_error_line(cli("add", "foo.md", "--source", str(folder), "--type", "command", expect=2))
    assert "commands/foo.md" in message and "'foo'" in message
    assert [a["name"] for a in cli.json("status")["artifacts"]] == ["foo"]


@pytest.mark.parametrize("url", ["bogus://x", "not a url"])
def test_a_malformed_database_url_is_bad_input_exit_2(cli, url):
    line = one_error_line(cli("--db", url, "status", expect=2))
    assert line.startswith("error: ") and "database" in line.lower() and "URL" in line


def test_log_json_is_indented_on_a_terminal(cli, tmp_path):
    import pty

    cli("add", "pdf", "--source", str(make_skill(tmp_path / "up" / "pdf")))
    cli("sync")
    piped = cli("log", "pdf", "--json").stdout
    main_fd, terminal_fd = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--home", str(cli.home), "log", "pdf", "--json"],
                              cwd=ROOT, stdout=terminal_fd, stderr=subprocess.PIPE, timeout=120)
        os.close(terminal_fd)
        shown = b""
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main_fd)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(piped)
    assert shown.replace(b"\r\n", b"\n") == (json.dumps(doc, indent=2) + "\n").encode()

"""A team on one PostgreSQL shares the content: the shared object store, per member data folders.

Every test runs against the real throwaway server tests/pg_server.py starts (fixtures
from tests/core/test_postgres.py: skipped, saying why, where PostgreSQL is missing),
with two or three data folders (members) on one fresh database, through `main.py`'s
own entry point in this process.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


class Member:
    """One person's data folder on the shared database, driven through the CLI."""

    def __init__(self, home: Path, url: str, capsys) -> None:
        self.home, self.url, self.capsys = home, url, capsys

    def __call__(self, *args: str, expect: int = 0) -> str:
        self.capsys.readouterr()
        code = main(["--home", str(self.home), "--db", self.url, *args])
        out, err = self.capsys.readouterr()
        assert code == expect, (code, out, err)
        self.err = err
        return out

    def json(self, *args: str, expect: int = 0):
        return json.loads(self(*args, "--json", expect=expect))

    def stored_files(self) -> int:
        return sum(1 for p in (self.home / "objects").rglob("*") if p.is_file())


@pytest.fixture
def team(pg_url, tmp_path, capsys):  # noqa: F811
    return lambda name: Member(tmp_path / name, pg_url, capsys)


def rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def three_versions(alice: Member, up: Path) -> list[str]:
    """Alice adds `review` and syncs three upstream states; returns their content hashes."""
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# review\nv1\n")
    (up / "run.sh").write_text("echo 1\n")
    alice("add", "review", "--source", str(up))
    hashes = [alice.json("sync")["results"][0]["new_hash"]]
    for n in (2, 3):
        (up / "SKILL.md").write_text(f"# review\nv{n}\n")
        hashes.append(alice.json("sync")["results"][0]["new_hash"])
    return hashes


def test_bob_reads_diffs_restores_and_deploys_versions_only_alice_stored(team, tmp_path, pg_url):
    alice, bob, carol = team("alice"), team("bob"), team("carol")
    hashes = three_versions(alice, tmp_path / "up" / "review")
    shutil.rmtree(alice.home)  # her machine goes away

    # Listing, the graph's data and status fetch no contents.
    assert [v["content_hash"] for v in bob.json("log", "review")["versions"]] == hashes[::-1]
    bob.json("status")
    assert bob.stored_files() == 0
    # Her manifests are not damage on Bob's side: fsck fetches them from the shared store.
    assert bob("fsck").rstrip().endswith("No damage found.")

    diff = bob("diff", "review", "v1", "v3", "--no-pager")
    assert "-v1" in diff and "+v3" in diff
    fetched = bob.stored_files()
    assert fetched > 0
    bob("diff", "review", "v1", "v3", "--no-pager")
    assert bob.stored_files() == fetched  # kept in the cache, fetched once

    bob("restore", "review", "v1")
    copy = bob.home / "collection" / "skills" / "review"
    assert (copy / "SKILL.md").read_text() == "# review\nv1\n"
    web = tmp_path / "bob-web"
    web.mkdir()
    bob("project", "add", "web", str(web))
    bob("deploy", "review", "--project", "web", "--version", "v2")
    assert (web / ".claude" / "skills" / "review" / "SKILL.md").read_text() == "# review\nv2\n"

    # A third member sees Bob's rollback and his deployment, and can open both.
    log = carol.json("log", "review")["versions"]
    origins = {(v["line"], v["change_origin"]) for v in log}
    assert ("collection", "rollback") in origins and ("web", "deployment") in origins
    assert "+v2" in carol("diff", "review", "v3", "v5", "--no-pager")
    carol("restore", "review", "v2")
    assert (carol.home / "collection" / "skills" / "review" / "SKILL.md").read_text() == "# review\nv2\n"
    # ...but Bob's project is his: Carol's deploy into it is refused, and it is not in her list.
    carol("deploy", "review", "--project", "web", expect=2)
    assert "another member" in carol.err and "\n" not in carol.err.strip()
    assert carol.json("project", "list")["projects"] == []
    assert carol.json("status")["deployments"] == []
    # Every manifest and object is stored once, whoever wrote or read it.
    (count, distinct) = rows(pg_url, "SELECT count(*), count(DISTINCT (kind, name)) FROM shared_objects")[0]
    assert count == distinct and count >= 3 + 4


def test_versions_recorded_before_the_shared_store_are_uploaded_by_their_author(team, tmp_path, pg_url):
    alice, bob = team("alice"), team("bob")
    three_versions(alice, tmp_path / "up" / "review")
    # As on a team database from before this change: only Alice's folder holds the bytes.
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM shared_objects"))
    engine.dispose()

    out = bob("fsck", expect=1)
    assert "missing here and in the shared store" in out
    assert "recorded by" in out and "--repair" in out.splitlines()[-1]
    assert "their next sync" in out.splitlines()[-1]  # not "run fsck --repair", which cannot help Bob
    bob("diff", "review", "v1", "v3", "--no-pager", expect=1)

    alice("sync")  # her next sync sends up what only she holds
    assert bob("fsck").rstrip().endswith("No damage found.")
    assert "+v3" in bob("diff", "review", "v1", "v3", "--no-pager")


def test_fsck_repair_by_the_author_uploads(team, tmp_path, pg_url):
    alice, bob = team("alice"), team("bob")
    three_versions(alice, tmp_path / "up" / "review")
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM shared_objects"))
    engine.dispose()
    out = alice("fsck", "--repair")
    assert "Uploaded 3 stored versions' content" in out
    assert bob("fsck").rstrip().endswith("No damage found.")


def test_a_copy_behind_the_shared_head_is_brought_forward_and_nothing_is_recorded(team, tmp_path):
    alice, bob = team("alice"), team("bob")
    up = tmp_path / "up" / "review"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# review\n")
    alice("add", "review", "--source", str(up))
    alice("sync")
    first = bob.json("sync")["results"][0]  # Bob's copy: the same v1
    assert first["version_recorded"] is False
    # Alice edits her copy and syncs: a local_modification on the shared collection line.
    (alice.home / "collection" / "skills" / "review" / "SKILL.md").write_text("# review\nalice's edit\n")
    alice("sync")
    versions = len(alice.json("log", "review")["versions"])

    # Before the sync, status says what Bob's copy is: behind the team, not edited.
    assert bob.json("status")["artifacts"][0]["state"] == "behind"
    (result,) = bob.json("sync")["results"]
    assert (result["state"], result["action"]) == ("behind", "brought-forward")
    assert result["version_recorded"] is False
    assert "nothing was recorded" in result["not_recorded_reason"]
    assert (bob.home / "collection" / "skills" / "review" / "SKILL.md").read_text() == "# review\nalice's edit\n"
    for member in (bob, alice, bob):
        assert member.json("sync")["results"][0]["version_recorded"] is False
    assert bob.json("status")["artifacts"][0]["state"] == "locally_modified"  # alice's edit, against upstream
    assert len(alice.json("log", "review")["versions"]) == versions

    # A member's own edit of a copy that is behind is still an edit.
    (bob.home / "collection" / "skills" / "review" / "SKILL.md").write_text("# review\nbob's edit\n")
    assert bob.json("sync")["results"][0]["version_recorded"] is True


def test_a_file_larger_than_the_limit_is_refused_in_one_sentence(team, tmp_path, monkeypatch, pg_url):
    alice = team("alice")
    up = tmp_path / "up" / "big"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# big\n")
    (up / "data.bin").write_bytes(os.urandom(300_000))
    monkeypatch.setenv("ARTIFACT_LINEAGE_MAX_FILE_MB", "0.25")
    alice("add", "big", "--source", str(up))
    (result,) = alice.json("sync", expect=1)["results"]
    assert "data.bin is 0.3 MB, larger than the 0.2 MB a file may be" in result["error"]
    assert "\n" not in result["error"]
    assert rows(pg_url, "SELECT count(*) FROM artifact_versions") == [(0,)]
    assert rows(pg_url, "SELECT count(*) FROM shared_objects") == [(0,)]


def test_two_members_storing_the_same_content_at_once_store_it_once(team, tmp_path, pg_url):
    from core.content import hash_tree
    from core.workspace import Workspace

    tree_root = tmp_path / "same"
    tree_root.mkdir()
    for i in range(40):
        (tree_root / f"f{i}.md").write_text(f"file {i}\n" * 50)
    tree = hash_tree(tree_root)
    spaces = [Workspace.open(tmp_path / name, pg_url) for name in ("alice", "bob")]
    try:
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def store(ws) -> None:
            try:
                start.wait()
                ws.objects.store_tree(tree_root, tree)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=store, args=(ws,)) for ws in spaces]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    finally:
        for ws in spaces:
            ws.close()
    assert rows(pg_url, "SELECT kind, count(*) FROM shared_objects GROUP BY kind ORDER BY kind") == [("m", 1), ("o", 40)]


_KILLED_UPLOAD = r"""
import os, sys, time
sys.path.insert(0, sys.argv[1])
from core.store import shared_db
real = shared_db.DatabaseSharedStore.put

def slow_put(self, streams):
    # Inside the upload's transaction, after its rows went in: tell the test, then wait to be killed.
    from sqlalchemy import text
    with self.engine.begin() as conn:
        conn.execute(text("INSERT INTO shared_objects (kind, name, size, codec, data) VALUES "
                          "(:kind, :name, :size, :codec, :data) ON CONFLICT DO NOTHING"),
                     [{"kind": "o" if s.kind == "object" else "m", "name": s.name, "size": s.size,
                       "codec": s.codec, "data": s.data} for s in streams])
        open(sys.argv[2], "w").close()
        time.sleep(60)
    return len(streams)

shared_db.DatabaseSharedStore.put = slow_put
from core.cli.main import main
sys.exit(main(sys.argv[3:]))
"""


def test_a_kill_during_the_upload_leaves_no_version_pointing_at_missing_bytes(team, tmp_path, pg_url):
    alice = team("alice")
    up = tmp_path / "up" / "review"
    up.mkdir(parents=True)
    for i in range(20):
        (up / f"part{i}.md").write_text(f"part {i}\n")
    alice("add", "review", "--source", str(up))
    marker = tmp_path / "uploading"
    script = tmp_path / "killed_upload.py"
    script.write_text(_KILLED_UPLOAD)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(ROOT), str(marker), "--home", str(alice.home), "--db", pg_url, "sync"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the sync ended before it uploaded"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    # The server rolled the upload back; nothing names bytes that are not there.
    assert rows(pg_url, "SELECT count(*) FROM artifact_versions") == [(0,)]
    assert rows(pg_url, "SELECT count(*) FROM shared_objects") == [(0,)]
    # The next sync finishes the job: every version's manifest is in the shared store.
    alice("sync")
    assert rows(pg_url, """SELECT count(*) FROM artifact_versions v WHERE NOT EXISTS
                           (SELECT 1 FROM shared_objects s WHERE s.kind = 'm' AND s.name = v.content_hash)""") == [(0,)]
    assert rows(pg_url, "SELECT count(*) FROM artifact_versions") == [(1,)]


def test_a_sync_that_cannot_reach_the_shared_store_changes_no_copy(team, tmp_path, pg_url, monkeypatch):
    from core.errors import ObjectStoreError
    from core.store import DatabaseSharedStore

    alice = team("alice")
    up = tmp_path / "up" / "review"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# review\nv1\n")
    alice("add", "review", "--source", str(up))
    alice("sync")
    (up / "SKILL.md").write_text("# review\nv2\n")

    def unreachable(self, streams):
        raise ObjectStoreError(f"Could not write to the shared object store in {self.where}: connection lost; "
                               "check that the database can be reached, then try again.")

    monkeypatch.setattr(DatabaseSharedStore, "put", unreachable)
    (result,) = alice.json("sync", expect=1)["results"]
    assert result["action"] == "failed" and "connection lost" in result["error"]
    assert (alice.home / "collection" / "skills" / "review" / "SKILL.md").read_text() == "# review\nv1\n"
    assert len(alice.json("log", "review")["versions"]) == 1
    monkeypatch.undo()
    assert alice.json("sync")["results"][0]["action"] == "replaced"

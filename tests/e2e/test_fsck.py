"""`main.py fsck [--repair]` end to end, and the advice a damaged object's error gives (issue 7, item 2)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core import sync
from core.store import ObjectStore
from core.workspace import Workspace
from tests.e2e.test_cli import Cli, make_skill


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "home")


def store(cli) -> ObjectStore:
    return ObjectStore(cli.home / "objects")


def setup(cli, name: str, up: Path) -> None:
    """Set up in-process (fast); only the commands under test run as `main.py`."""
    with Workspace.open(cli.home) as ws:
        sync.add_artifact(ws, name, str(up))


def run_sync(cli) -> None:
    with Workspace.open(cli.home) as ws:
        assert not [r for r in sync.sync_all(ws) if r.action == "failed"]


def head_hash(cli, name: str, number: int) -> str:
    with Workspace.open(cli.home) as ws:
        versions = ws.history.versions(ws.history.get_artifact(name).id)
    return sorted(versions, key=lambda v: v.id)[number - 1].content_hash


def object_of(cli, content_hash: str, file: bytes = b"SKILL.md") -> Path:
    objects = store(cli)
    digest = next(e.digest for e in objects.get_manifest(content_hash).entries if e.path == file)
    return objects.object_path(digest)


def truncate(path: Path) -> None:
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes()[:5])


def test_the_advice_of_a_damaged_object_error_works(cli, tmp_path):
    up = make_skill(tmp_path / "up" / "pdf", "# v1\n")
    setup(cli, "pdf", up)
    run_sync(cli)
    make_skill(up, "# v2\nsecond version\n")
    run_sync(cli)
    v2 = head_hash(cli, "pdf", 2)
    truncate(object_of(cli, v2))

    error = cli("diff", "pdf", expect=1).stderr.decode()
    assert "fsck --repair" in error

    found = cli("fsck", expect=1).stdout.decode()
    assert "skill/pdf v2" in found and "SKILL.md" in found and "fsck --repair" in found
    repaired = cli.json("fsck", "--repair")
    (problem,) = repaired["problems"]
    assert problem["repaired_from"] == "the collection copy of 'pdf'" and repaired["remaining"] == 0
    assert [v["number"] for v in problem["versions"]] == [2]

    assert "+second version" in cli("diff", "pdf").stdout.decode()
    assert "No damage found." in cli("fsck").stdout.decode()


def test_fsck_repairs_from_the_upstream_what_the_collection_copy_no_longer_holds(cli, tmp_path):
    up = make_skill(tmp_path / "up" / "pdf", "# upstream\n")
    setup(cli, "pdf", up)
    run_sync(cli)
    v1 = head_hash(cli, "pdf", 1)
    (cli.home / "collection" / "skills" / "pdf" / "SKILL.md").write_text("# edited in the collection\n")
    run_sync(cli)  # locally modified: recorded as v2, upstream still holds v1
    missing = object_of(cli, v1)
    missing.unlink()

    report = cli.json("fsck", expect=1)
    assert report["problems"][0]["reason"] == "missing"
    report = cli.json("fsck", "--repair")
    assert report["problems"][0]["repaired_from"] == "the upstream of 'pdf'"
    assert store(cli).read_bytes(missing.parent.name + missing.name) == b"# upstream\n"


def test_fsck_says_what_no_copy_holds_any_more_and_exits_1(cli, tmp_path):
    up = make_skill(tmp_path / "up" / "pdf", "# v1\n")
    setup(cli, "pdf", up)
    run_sync(cli)
    v1 = head_hash(cli, "pdf", 1)
    make_skill(up, "# v2\n")
    run_sync(cli)
    truncate(object_of(cli, v1))
    manifest = store(cli).manifest_path(head_hash(cli, "pdf", 2))
    os.chmod(manifest, 0o644)
    manifest.unlink()

    report = cli.json("fsck", "--repair", expect=1)

    by_kind = {p["kind"]: p for p in report["problems"]}
    assert by_kind["manifest"]["repaired_from"] == "the collection copy of 'pdf'"
    assert by_kind["object"]["repaired_from"] is None
    assert [(v["artifact"], v["number"], v["paths"]) for v in by_kind["object"]["versions"]] == [("pdf", 1, ["SKILL.md"])]
    assert report["remaining"] == 1
    text = cli("fsck", expect=1).stdout.decode()
    assert "skill/pdf v1" in text and "problems found" in text

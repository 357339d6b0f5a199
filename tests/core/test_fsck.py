"""The store check (core.store.check_store) and fsck's repair (core.sync.fsck)."""
from __future__ import annotations

import os
import time
from pathlib import Path

from core import sync
from core.content import hash_tree
from core.cli.fsck import fsck_text
from core.store import LEFTOVER_SECONDS, ObjectStore, check_store
from core.workspace import Workspace


def damage(path: Path, data: bytes = b"not zlib") -> None:
    os.chmod(path, 0o644)
    path.write_bytes(data)


def test_check_store_finds_each_damaged_file_and_leaves_temp_files_alone(tmp_path):
    src = tmp_path / "art"
    src.mkdir()
    (src / "a.md").write_text("a\n")
    (src / "b.md").write_text("b\n")
    store = ObjectStore(tmp_path / "store")
    tree = hash_tree(src)
    store.store_tree(src, tree)
    a, b = (e.digest for e in tree.entries)
    damage(store.object_path(a))
    damage(store.manifest_path(tree.content_hash))
    (store.object_path(b).parent / ".tmp-half-written").write_bytes(b"x")
    (store.objects_dir / "zz").mkdir()
    (store.objects_dir / "zz" / "not-an-object").write_bytes(b"x")
    seen = []

    check = check_store(store, progress=lambda done, total: seen.append((done, total)))

    assert (check.objects_checked, check.manifests_checked) == (2, 1)
    assert [(d.kind, d.name) for d in check.damaged] == [("manifest", tree.content_hash), ("object", a)]
    assert all(d.reason != "missing" for d in check.damaged)
    assert check.strays == (str(store.objects_dir / "zz" / "not-an-object"),)
    assert seen[-1] == (3, 3)


def test_fsck_without_repair_changes_nothing_and_repair_restores_a_link_object(tmp_path):
    up = tmp_path / "up" / "pdf"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# pdf\n")
    (up / "latest").symlink_to("SKILL.md")
    with Workspace.open(tmp_path / "home") as ws:
        art = sync.add_artifact(ws, "pdf", str(up))
        head = sync.sync_artifact(ws, art.id).new_hash
        link = next(e for e in ws.objects.get_manifest(head).entries if e.kind == "l")
        damage(ws.objects.object_path(link.digest))
        before = ws.objects.object_path(link.digest).read_bytes()

        report = sync.fsck(ws)
        assert [(p.kind, p.name, p.repaired_from) for p in report.problems] == [("object", link.digest, None)]
        assert ws.objects.object_path(link.digest).read_bytes() == before

        report = sync.fsck(ws, repair=True)
        assert report.remaining == ()
        assert ws.objects.read_bytes(link.digest) == b"SKILL.md"
        assert sync.fsck(ws).problems == ()


def test_temp_files_killed_writes_left_are_reported_and_repair_removes_only_old_ones(tmp_path):
    """A write killed between its temp file and its rename leaves `.tmp-*` in the store,
    never read; fsck says so and --repair removes those older than an hour (a younger one may
    be another process's write in progress)."""
    up = tmp_path / "up" / "pdf"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("# pdf\n")
    with Workspace.open(tmp_path / "home") as ws:
        art = sync.add_artifact(ws, "pdf", str(up))
        head = sync.sync_artifact(ws, art.id).new_hash
        shard = ws.objects.object_path(ws.objects.get_manifest(head).entries[0].digest).parent
        old, young = shard / ".tmp-killed", shard / ".tmp-in-progress"
        old.write_bytes(b"x" * 1000)
        young.write_bytes(b"y")
        hour_ago = time.time() - LEFTOVER_SECONDS - 60
        os.utime(old, (hour_ago, hour_ago))

        report = sync.fsck(ws)
        assert report.leftovers == (str(old),) and report.leftover_bytes == 1000
        assert not report.leftovers_removed and old.exists()
        assert "1 temp file left by interrupted writes (1,000 bytes, never read): `fsck --repair` removes them." \
            in fsck_text(report, repair=False)

        report = sync.fsck(ws, repair=True)
        assert report.leftovers_removed and not old.exists() and young.exists()
        assert "never read): removed." in fsck_text(report, repair=True)
        assert sync.fsck(ws).leftovers == () and report.problems == ()


def test_fsck_text_escapes_names_and_paths_from_outside():
    from core.cli.fsck import fsck_text
    from core.sync import AffectedVersion, FsckReport, Problem

    version = AffectedVersion("evil\nname", "skill", 2, 7, "ab" * 32, ("SKILL.md\x1b[31m",))
    problem = Problem("object", "cd" * 32, "/store/objects/cd/x", "missing", (version,))
    text = fsck_text(FsckReport(1, 1, 1, (problem,), (), ("note\nforged line",)), repair=False)

    assert "\x1b" not in text and "evil\\nname" in text and "SKILL.md\\x1b[31m" in text
    assert "note: note\\nforged line" in text.splitlines()

"""The collection copy is not trusted blindly (issue 7, item 3): links and wrong shapes are refused, never followed."""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from core import sync
from core.content import hash_tree
from core.errors import HashingError
from core.sync import SyncState
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


SECRET = b"-----BEGIN OPENSSH PRIVATE KEY----- not for the object store\n"


def outside_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "id_rsa").write_bytes(SECRET)
    (folder / "SKILL.md").write_text("# looks like a skill\n")
    return folder


def skill_upstream(tmp_path: Path, name: str = "o1", text: str = "# o1\n") -> Path:
    root = tmp_path / "up" / name
    root.mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_text(text)
    return root


def stored_blobs(ws) -> set[bytes]:
    out = set()
    for shard in Path(ws.objects.objects_dir).iterdir():
        for obj in shard.iterdir():
            if not obj.name.startswith(".tmp-"):
                out.add(ws.objects.read_bytes(shard.name + obj.name))
    return out


def synced(ws, tmp_path, name="o1"):
    art = sync.add_artifact(ws, name, str(skill_upstream(tmp_path, name)))
    assert sync.sync_artifact(ws, art.id).action == "copied"
    return art


def test_a_copy_replaced_by_a_link_is_refused_and_never_followed(ws, tmp_path):
    art = synced(ws, tmp_path)
    copy = Path(ws.home.collection_dir) / art.place
    shutil.rmtree(copy)
    copy.symlink_to(outside_folder(tmp_path))

    for strategy in sync.Strategy:
        result = sync.sync_artifact(ws, art.id, strategy)
        assert result.action == "failed"
        assert "symbolic link" in result.error and str(copy) in result.error
    (status,) = sync.status_all(ws, ["o1"])
    assert status.state is SyncState.ERROR

    assert SECRET not in stored_blobs(ws)
    assert len(ws.history.versions(art.id)) == 1
    assert os.path.islink(copy) and (tmp_path / "outside" / "id_rsa").read_bytes() == SECRET


def test_a_type_folder_replaced_by_a_link_is_refused_and_nothing_is_written_through_it(ws, tmp_path):
    art = synced(ws, tmp_path)
    other = sync.add_artifact(ws, "o2", str(skill_upstream(tmp_path, "o2")))
    skills = Path(ws.home.collection_dir) / "skills"
    outside = outside_folder(tmp_path)
    shutil.copytree(skills / "o1", outside / "o1")
    shutil.rmtree(skills)
    skills.symlink_to(outside)
    before = sorted(p.name for p in outside.iterdir())

    results = {r.name: r for r in sync.sync_all(ws)}

    assert results["o1"].action == "failed" and str(skills) in results["o1"].error
    assert results["o2"].action == "failed" and "symbolic link" in results["o2"].error
    assert sorted(p.name for p in outside.iterdir()) == before  # no o2, no staging folder
    assert ws.history.versions(other.id) == []
    assert SECRET not in stored_blobs(ws)


def test_a_collection_folder_that_is_a_link_is_refused(tmp_path):
    home = tmp_path / "home"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    home.mkdir()
    (home / "collection").symlink_to(outside)
    with Workspace.open(home=home) as ws:
        art = sync.add_artifact(ws, "o1", str(skill_upstream(tmp_path)))
        result = sync.sync_artifact(ws, art.id)
    assert result.action == "failed" and "collection folder" in result.error
    assert list(outside.iterdir()) == []


def test_a_skill_folder_replaced_by_a_file_is_refused_then_take_upstream_keeps_it_and_restores_the_folder(ws, tmp_path):
    art = synced(ws, tmp_path)
    copy = Path(ws.home.collection_dir) / art.place
    shutil.rmtree(copy)
    copy.write_text("a file where the skill folder was\n")

    kept = sync.sync_artifact(ws, art.id)
    assert kept.action == "failed" and "a file where a folder belongs" in kept.error
    assert len(ws.history.versions(art.id)) == 1  # not recorded as if it were a normal edit
    assert copy.is_file()

    result = sync.sync_artifact(ws, art.id, sync.Strategy.TAKE_UPSTREAM)

    assert result.action == "replaced", result
    assert copy.is_dir() and (copy / "SKILL.md").read_text() == "# o1\n"
    newest, kept_version, _first = ws.history.versions(art.id)
    assert (kept_version.change_origin, kept_version.metadata.get("wrong_shape")) == ("local_modification", True)
    assert b"a file where the skill folder was\n" in stored_blobs(ws)
    assert newest.parent_hash == kept_version.content_hash
    assert sync.sync_artifact(ws, art.id).action == "nothing"


def test_a_command_file_replaced_by_a_folder_is_kept_then_replaced_by_take_upstream(ws, tmp_path):
    up = tmp_path / "up" / "commands" / "review.md"
    up.parent.mkdir(parents=True)
    up.write_text("review\n")
    art = sync.add_artifact(ws, "review", str(up))
    sync.sync_artifact(ws, art.id)
    copy = Path(ws.home.collection_dir) / art.place
    copy.unlink()
    copy.mkdir()
    (copy / "inside.md").write_text("folder content\n")

    assert sync.sync_artifact(ws, art.id).action == "failed"
    result = sync.sync_artifact(ws, art.id, sync.Strategy.TAKE_UPSTREAM)

    assert result.action == "replaced"
    assert copy.is_file() and copy.read_text() == "review\n"
    assert b"folder content\n" in stored_blobs(ws)


def test_a_folder_swapped_for_a_link_between_listing_and_descending_is_not_followed(tmp_path, monkeypatch):
    """Deterministic form of the race: the root is listed, then `a` becomes a link, then the walk descends."""
    root = tmp_path / "art"
    (root / "a").mkdir(parents=True)
    (root / "a" / "inside.md").write_text("inside\n")
    outside = outside_folder(tmp_path)
    real_scandir = os.scandir
    calls = []

    class Listing:
        def __init__(self, entries):
            self.entries = entries

        def __enter__(self):
            return iter(self.entries)

        def __exit__(self, *exc):
            return False

        def __iter__(self):
            return iter(self.entries)

    def scandir(arg=None):
        with real_scandir(arg) as it:
            entries = list(it)
            for e in entries:
                e.is_dir(follow_symlinks=False)  # the type is read now, before the swap
        calls.append(arg)
        if len(calls) == 1:
            shutil.rmtree(root / "a")
            (root / "a").symlink_to(outside)
        return Listing(entries)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(HashingError) as info:
        hash_tree(root)
    assert "replaced" in str(info.value) and "id_rsa" not in str(info.value)


def test_hashing_while_a_folder_and_a_link_flip_never_reads_outside(tmp_path):
    root = tmp_path / "art"
    (root / "sub").mkdir(parents=True)
    (root / "SKILL.md").write_text("# art\n")
    for i in range(20):
        (root / "sub" / f"f{i}.md").write_text(f"inside {i}\n")
    for d in range(30):  # siblings walked between listing `sub` and descending into it: a wider window
        (root / f"d{d:02d}").mkdir()
        for i in range(5):
            (root / f"d{d:02d}" / f"f{i}.md").write_text(f"sibling {d} {i}\n")
    outside = outside_folder(tmp_path)
    for i in range(20):
        (outside / f"f{i}.md").write_text(f"OUTSIDE {i}\n")
    parked = tmp_path / "parked"
    stop = threading.Event()

    def flip() -> None:
        while not stop.is_set():
            os.rename(root / "sub", parked)
            os.symlink(outside, root / "sub")
            time.sleep(0.0002)
            os.unlink(root / "sub")
            os.rename(parked, root / "sub")
            time.sleep(0.0002)

    inside = hash_tree(root)
    inside_hash, inside_names = inside.content_hash, {e.path for e in inside.entries}
    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    outcomes = {"ok": 0, "refused": 0, "other": 0}
    deadline = time.monotonic() + 3  # a bound on the loop, not a timing assertion
    try:
        for _ in range(120):
            if time.monotonic() > deadline:
                break
            try:
                tree = hash_tree(root)
            except HashingError as exc:
                assert "id_rsa" not in str(exc) and "outside" not in str(exc), exc
                outcomes["refused" if "replaced" in str(exc) or "disappeared" in str(exc) else "other"] += 1
                continue
            names = {e.path for e in tree.entries}
            assert b"sub/id_rsa" not in names and b"sub/SKILL.md" not in names, names
            # Either the whole folder (read as it was) or the moment it was parked: never outside bytes.
            assert tree.content_hash == inside_hash or not any(n.startswith(b"sub/") for n in names), names
            assert not any(n.startswith(b"sub/") and n not in inside_names for n in names), names
            outcomes["ok"] += 1
    finally:
        stop.set()
        flipper.join()
    assert outcomes["other"] == 0, outcomes


def test_a_type_folder_replaced_by_a_file_is_refused_with_take_upstream_too(ws, tmp_path):
    art = synced(ws, tmp_path)
    skills = Path(ws.home.collection_dir) / "skills"
    shutil.rmtree(skills)
    skills.write_text("not a folder\n")

    for strategy in sync.Strategy:
        result = sync.sync_artifact(ws, art.id, strategy)
        assert result.action == "failed" and "where a folder belongs" in result.error and str(skills) in result.error
    assert skills.read_text() == "not a folder\n"


@pytest.mark.parametrize("keep_max", [64, 0])
def test_a_folder_swapped_for_a_link_after_the_walk_is_not_read_through(tmp_path, monkeypatch, keep_max):
    """Files are read after the walk: from the folder descriptor the walk kept, or by path with a
    (dev, ino) check when it kept none (KEEP_MAX 0). Either way no byte comes from outside."""
    from core.content import hashing, treewalk

    root = tmp_path / "art"
    (root / "a").mkdir(parents=True)
    (root / "a" / "f.md").write_text("inside\n")
    inside = hash_tree(root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f.md").write_text("OUTSIDE\n")
    real_scan = treewalk.scan_tree

    def scan_then_swap(*args, **kwargs):
        found = real_scan(*args, **kwargs)
        os.rename(root / "a", tmp_path / "parked")
        (root / "a").symlink_to(outside)
        return found

    monkeypatch.setattr(treewalk, "KEEP_MAX", keep_max)
    monkeypatch.setattr(hashing, "scan_tree", scan_then_swap)
    if keep_max:
        assert hash_tree(root).content_hash == inside.content_hash  # read in the folder walked
    else:
        with pytest.raises(HashingError, match="replaced"):
            hash_tree(root)


@pytest.mark.parametrize("swap_to", ["link", "other folder"])
def test_a_folder_closed_in_a_deep_walk_must_be_the_same_folder_when_it_is_opened_again(tmp_path, monkeypatch, swap_to):
    """A deep walk closes the folders above it (ulimit) and opens them again by path: a folder
    swapped meanwhile, for a link or for another folder, is refused."""
    from core.content import treewalk

    root = tmp_path / "art"
    for sub in ("b", "c"):
        (root / "a" / sub).mkdir(parents=True)
        (root / "a" / sub / "f.md").write_text(f"{sub}\n")
    outside = outside_folder(tmp_path)
    (outside / "c").mkdir()
    real_reopen = treewalk._reopen_dir
    swapped = []

    def reopen_after_swap(path, ident, where):
        if path.endswith(b"/a") and not swapped:
            swapped.append(path)
            os.rename(root / "a", tmp_path / "parked")
            if swap_to == "link":
                (root / "a").symlink_to(outside)
            else:
                (root / "a" / "c").mkdir(parents=True)
        return real_reopen(path, ident, where)

    monkeypatch.setattr(treewalk, "_STACK_OPEN", 0)
    monkeypatch.setattr(treewalk, "KEEP_MAX", 0)
    monkeypatch.setattr(treewalk, "_reopen_dir", reopen_after_swap)
    with pytest.raises(HashingError, match="replaced"):
        hash_tree(root)
    assert swapped

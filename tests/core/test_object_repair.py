"""A damaged or missing object is written again from the live copy before it can be lost (issue 7, item 2)."""
from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from core import sync
from core.errors import CorruptObjectError, ObjectStoreError
from core.store import ObjectStore
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def write_skill(root: Path, text: str, **extra: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_text(text)
    for name, body in extra.items():
        (root / name).write_text(body)
    return root


def truncate(path: Path) -> None:
    os.chmod(path, 0o644)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def digest_of(ws, content_hash: str, name: bytes) -> str:
    return next(e.digest for e in ws.objects.get_manifest(content_hash).entries if e.path == name)


def test_a_truncated_object_of_the_copy_is_written_again_before_the_copy_is_replaced(ws, tmp_path):
    up = write_skill(tmp_path / "up" / "pdf", "# v1\n")
    art = sync.add_artifact(ws, "pdf", str(up))
    sync.sync_artifact(ws, art.id)
    write_skill(up, "# v2, held only by the collection copy once upstream moves on\n" * 20)
    v2 = sync.sync_artifact(ws, art.id).new_hash
    damaged = digest_of(ws, v2, b"SKILL.md")
    truncate(ws.objects.object_path(damaged))
    with pytest.raises(CorruptObjectError):
        ws.objects.read_bytes(damaged)

    write_skill(up, "# v3\n")
    result = sync.sync_artifact(ws, art.id)

    assert result.action == "replaced" and result.error is None
    assert ws.objects.read_bytes(damaged) == ("# v2, held only by the collection copy once upstream moves on\n" * 20).encode()
    assert ws.objects.verify(damaged) is None


def test_a_damaged_manifest_of_the_copy_is_written_again_before_the_copy_is_replaced(ws, tmp_path):
    up = write_skill(tmp_path / "up" / "pdf", "# v1\n")
    art = sync.add_artifact(ws, "pdf", str(up))
    v1 = sync.sync_artifact(ws, art.id).new_hash
    path = ws.objects.manifest_path(v1)
    os.chmod(path, 0o644)
    path.write_bytes(zlib.compress(b"artifact-lineage manifest 1\nnonsense"))
    assert ws.objects.verify_manifest(v1) is not None

    write_skill(up, "# v2\n")
    assert sync.sync_artifact(ws, art.id).action == "replaced"

    assert ws.objects.verify_manifest(v1) is None
    assert ws.objects.get_manifest(v1).content_hash == v1


def test_a_diverged_take_upstream_verifies_the_head_objects_too(ws, tmp_path):
    up = write_skill(tmp_path / "up" / "pdf", "# v1\n", **{"notes.md": "notes\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    v1 = sync.sync_artifact(ws, art.id).new_hash
    notes = digest_of(ws, v1, b"notes.md")
    truncate(ws.objects.object_path(notes))
    copy = Path(ws.home.collection_dir) / art.place
    (copy / "SKILL.md").write_text("# local edit\n")
    write_skill(up, "# upstream edit\n")

    result = sync.sync_artifact(ws, art.id, sync.Strategy.TAKE_UPSTREAM)

    assert result.action == "replaced"
    assert ws.objects.read_bytes(notes) == b"notes\n"


def test_a_sync_of_an_up_to_date_artifact_stores_a_missing_object_of_its_head_again(ws, tmp_path):
    up = write_skill(tmp_path / "up" / "pdf", "# v1\n")
    art = sync.add_artifact(ws, "pdf", str(up))
    v1 = sync.sync_artifact(ws, art.id).new_hash
    digest = digest_of(ws, v1, b"SKILL.md")
    ws.objects.object_path(digest).unlink()

    result = sync.sync_artifact(ws, art.id)

    assert result.action == "nothing"
    assert ws.objects.read_bytes(digest) == b"# v1\n"


def test_a_copy_edited_since_it_was_hashed_does_not_replace_a_damaged_object(tmp_path):
    store = ObjectStore(tmp_path / "store")
    src = tmp_path / "file"
    src.write_bytes(b"original bytes")
    digest = store.put_file(src)
    truncate(store.object_path(digest))
    src.write_bytes(b"edited bytes!!")

    with pytest.raises(ObjectStoreError, match="changed while it was being stored"):
        store.put_file(src, digest, repair=True)

    assert store.verify(digest) is not None  # still reported as damaged, not hidden
    assert not [p for p in store.object_path(digest).parent.iterdir() if p.name.startswith(".tmp-")]


def test_repair_replaces_only_with_bytes_that_read_back_verified(tmp_path):
    store = ObjectStore(tmp_path / "store")
    src = tmp_path / "file"
    src.write_bytes(b"x" * 100_000)
    digest = store.put_file(src)
    truncate(store.object_path(digest))

    assert store.put_file(src, digest, repair=True) == digest

    assert store.read_bytes(digest) == b"x" * 100_000
    assert not os.stat(store.object_path(digest)).st_mode & 0o222  # read-only again

"""Rebuild a stored tree on disk from its manifest and objects (ObjectStore.materialize).

Everything is checked before anything is written: every name, every link target,
and that every object is present. The tree is built in a hidden sibling of the
destination and moved into place at the end, so on any error the destination is
left as it was. Materialized files are not fsynced: they are for reading and
comparing (the collection's durable copy is core.atomic.transfer's and core.atomic.swap's job).
"""
from __future__ import annotations

import os
import tempfile
from typing import Protocol

from core.errors import MissingObjectError, ObjectStoreError
from core.content import check_link_target, check_name, ManifestEntry, TreeHash
from core.fsio import fsync_dir, make_dirs, remove_quietly

class StoredObjects(Protocol):
    """What rebuilding needs from the object store (ObjectStore has it)."""

    def get_manifest(self, content_hash: str) -> TreeHash: ...
    def read_bytes(self, digest: str) -> bytes: ...
    def has(self, digest: str) -> bool: ...
    def copy_to(self, digest: str, path: bytes, mode: int) -> None: ...

__all__ = ["materialize"]


def materialize(store: StoredObjects, content_hash: str, dest: str | os.PathLike[str], *, single_file: bool = False) -> None:
    """Rebuild the stored tree `content_hash` at `dest`.

    Directory form: `dest` must not exist or be an empty directory; the tree is
    built in a hidden sibling and renamed into place at the end, so on any error
    (corrupt or missing object, unsafe entry) `dest` is left as it was.
    `single_file=True`: `dest` is the file (or link) to create; the entry's own
    name is ignored. Files get mode 0o755 (kind x) or 0o644 (kind f).
    """
    tree = store.get_manifest(content_hash)
    dest_b = os.fsencode(dest)
    link_targets: dict[bytes, bytes] = {}
    for entry in tree.entries:
        check_name(entry.path)
        if entry.kind == "l":
            target = store.read_bytes(entry.digest)
            check_link_target(entry.path, target)
            link_targets[entry.path] = target
        elif not store.has(entry.digest):
            raise MissingObjectError(
                f"Object {entry.digest} for {entry.display_path} of {content_hash} is not in the object store; "
                "re-sync the artifact to store it again."
            )

    try:
        if single_file:
            _materialize_file(store, content_hash, tree, dest_b, link_targets)
        else:
            _materialize_dir(store, tree, dest_b, link_targets)
    except OSError as exc:
        raise ObjectStoreError(
            f"Could not rebuild {content_hash} at {os.fsdecode(dest_b)}: {exc.strerror or exc}; "
            "check the destination and free space."
        ) from None


def _materialize_file(store: StoredObjects, content_hash: str, tree: TreeHash, dest_b: bytes, link_targets: dict[bytes, bytes]) -> None:
    if len(tree.entries) != 1:
        raise ObjectStoreError(
            f"{content_hash} has {len(tree.entries)} entries, so it cannot be rebuilt as the single file {os.fsdecode(dest_b)}."
        )
    if os.path.lexists(dest_b):
        raise ObjectStoreError(f"{os.fsdecode(dest_b)} already exists; choose a path that does not.")
    parent = os.path.dirname(dest_b) or b"."
    make_dirs(parent)
    tmp_dir = tempfile.mkdtemp(prefix=b".materialize-", dir=parent)
    try:
        staged = os.path.join(tmp_dir, b"entry")
        _write_entry(store, tree.entries[0], staged, link_targets)
        # A hard link never replaces an existing file, unlike rename.
        try:
            os.link(staged, dest_b, follow_symlinks=False)
        except FileExistsError:
            raise ObjectStoreError(f"{os.fsdecode(dest_b)} appeared while it was being rebuilt; nothing was changed.") from None
        except OSError:
            os.rename(staged, dest_b)
        fsync_dir(parent)
    finally:
        remove_quietly(tmp_dir)


def _materialize_dir(store: StoredObjects, tree: TreeHash, dest_b: bytes, link_targets: dict[bytes, bytes]) -> None:
    if os.path.lexists(dest_b):
        if not os.path.isdir(dest_b) or os.path.islink(dest_b) or os.listdir(dest_b):
            raise ObjectStoreError(
                f"{os.fsdecode(dest_b)} already exists and is not an empty folder; choose a new destination."
            )
    parent = os.path.dirname(dest_b.rstrip(b"/")) or b"."
    make_dirs(parent)
    staging = tempfile.mkdtemp(prefix=b".materialize-", dir=parent)
    try:
        for entry in tree.entries:
            path = staging + b"/" + entry.path
            make_dirs(os.path.dirname(path))
            _write_entry(store, entry, path, link_targets)
        os.chmod(staging, 0o755)  # mkdtemp makes it 0o700
        os.replace(staging, dest_b)  # POSIX: replacing an empty directory is allowed
        fsync_dir(parent)
    except BaseException:
        remove_quietly(staging)
        raise


def _write_entry(store: StoredObjects, entry: ManifestEntry, path: bytes, link_targets: dict[bytes, bytes]) -> None:
    if entry.kind == "l":
        os.symlink(link_targets[entry.path], path)
    else:
        store.copy_to(entry.digest, path, 0o755 if entry.kind == "x" else 0o644)

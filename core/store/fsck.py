"""Checking the whole object store: every object and manifest file read back and verified.

`check_store` is the store's half of `main.py fsck` (as git's fsck): it lists what is
damaged and why, and the temp files writes killed mid-way left (`.tmp-*` older than
LEFTOVER_SECONDS: never read, only taking room; `fsck --repair` removes them), and changes
nothing. Which versions a damaged file affects, and
repairing it from a live copy, need the history and the collection: core.sync.repair.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from core.errors import ObjectStoreError
from core.store.manifest_codec import HEX64
from core.store.local import LocalStore

__all__ = ["Damage", "LEFTOVER_SECONDS", "StoreCheck", "check_store"]

# A temp file younger than this may be a write in progress in another process.
LEFTOVER_SECONDS = 3600

# Verifying is decompressing and hashing; zlib and hashlib release the GIL.
_WORKERS = min(4, (os.cpu_count() or 1) + 1)


@dataclass(frozen=True)
class Damage:
    kind: str  # "object" or "manifest"
    name: str  # the object's digest, or the manifest's content hash
    path: str  # where its file is (or would be)
    reason: str  # "missing", or the damage found ("the compressed stream is truncated", ...)


@dataclass(frozen=True)
class StoreCheck:
    objects_checked: int
    manifests_checked: int
    damaged: tuple[Damage, ...]  # sorted by kind, then name
    strays: tuple[str, ...]  # files in the store that name no object (not writes in progress)
    leftovers: tuple[str, ...] = ()  # temp files of killed writes (older than LEFTOVER_SECONDS)
    leftover_bytes: int = 0


def _names(folder: Path, leftovers: dict[str, int]) -> Iterator[tuple[str | None, Path]]:
    """(hash or None for a stray file, path) of every file below a fan-out folder; temp files
    are skipped, and those older than LEFTOVER_SECONDS added to `leftovers` (path -> size)."""
    stale_before = time.time() - LEFTOVER_SECONDS
    try:
        shards = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return
    for shard in shards:
        if not shard.is_dir(follow_symlinks=False):
            yield None, Path(shard.path)
            continue
        for item in sorted(os.scandir(shard.path), key=lambda e: e.name):
            if item.name.startswith(".tmp-"):  # a write in progress, or a crash's leftover: never read
                try:
                    st = item.stat(follow_symlinks=False)
                    if st.st_mtime < stale_before:
                        leftovers[item.path] = st.st_size
                except FileNotFoundError:
                    pass  # its write just ended
                continue
            name = shard.name + item.name
            yield (name if HEX64.match(name) and item.is_file(follow_symlinks=False) else None), Path(item.path)


def _reason(check: Callable[[str], str | None], name: str) -> str | None:
    try:
        return check(name)
    except ObjectStoreError as exc:  # unreadable (permissions, I/O): damage a rewrite may not fix
        return f"unreadable: {exc}"


def check_store(store: "LocalStore", progress: Callable[[int, int], None] | None = None) -> StoreCheck:
    """Read back every object and manifest in `store` and verify it against its name.

    `progress(done, total)` is called as files are checked. Changes nothing.
    """
    objects, manifests, strays = [], [], []
    leftovers: dict[str, int] = {}
    for name, path in _names(store.objects_dir, leftovers):
        (objects if name else strays).append(name or str(path))
    for name, path in _names(store.manifests_dir, leftovers):
        (manifests if name else strays).append(name or str(path))
    total = len(objects) + len(manifests)
    work = [("object", n) for n in objects] + [("manifest", n) for n in manifests]

    def one(item: tuple[str, str]) -> Damage | None:
        kind, name = item
        check = store.verify if kind == "object" else store.verify_manifest
        why = _reason(check, name)
        if why is None:
            return None
        path = store.object_path(name) if kind == "object" else store.manifest_path(name)
        return Damage(kind, name, str(path), why)

    damaged: list[Damage] = []
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        for done, found in enumerate(pool.map(one, work), start=1):
            if found is not None:
                damaged.append(found)
            if progress is not None:
                progress(done, total)
    damaged.sort(key=lambda d: (d.kind, d.name))
    return StoreCheck(len(objects), len(manifests), tuple(damaged), tuple(strays), tuple(leftovers),
                      sum(leftovers.values()))

"""Hashing an artifact's copy, wherever it lives (collection, upstream, project, staging).

A single-file artifact's manifest entry is named after its file in the collection, so
copies of it under other names (an upstream `review.md`, a staged `.x.staging-…`)
hash the same as the collection copy.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from core.content.hashing import hash_tree
from core.content.manifest import TreeHash, content_hash_of
from core.content.statcache import StatCache

__all__ = ["copy_tree_hash"]


def copy_tree_hash(
    path: Path, shape: str, entry_name: bytes, cache: StatCache | None, *, follow_root: bool = True
) -> TreeHash:
    """Hash an artifact root; a single file's one entry is named after its collection file.

    Content hash v1 names a single file's entry after the file itself, so the upstream
    `review.md` and the collection copy `commands/my-review.md` would never match.
    Naming the entry after the collection file makes both sides comparable and equals
    what `main.py hash <collection file>` prints. `follow_root=False` for copies in the
    collection: a copy that is a link is never followed.
    """
    tree = hash_tree(path, cache=cache, follow_root=follow_root)
    if shape == "file" and not path.is_dir() and len(tree.entries) == 1 and tree.entries[0].path != entry_name:
        entries = (dataclasses.replace(tree.entries[0], path=entry_name),)
        tree = type(tree)(content_hash=content_hash_of(entries), entries=entries)
    return tree

"""Keeping the blame cache current as versions are recorded, so Blame opened on a head
answers from the cache instead of walking the history.

Every version recorded through a Workspace's History (sync, push, deploy, restore, merge,
a pending record rolled forward) is handed to `keep_blame_current`, after its transaction
commits. It blames the version's default file (its only file, else SKILL.md; what Blame
opens on) when that is cheap, which stores the entry (core.ancestry.blame_cache):

- the artifact has cache entries (it was blamed, or kept before): the walk goes back to
  the nearest cached ancestor, normally the parent: one content read and one diff;
- nothing is cached and the history is still short (fewer than KEEP_FROM versions): then
  nothing is done, a first blame of it is quick anyway; from KEEP_FROM on, the first
  record blames the whole (short) history and each later one is a step on top.

A walk longer than MAX_WALK versions is never done at record time (a long history kept
by an older version of the app, or whose entries were deleted): its first blame pays for
it once, with progress and Stop, and the records after it keep it current. Such a history
with nothing cached costs its records one folder listing and one COUNT, not a load of
every version.

The entry of the version it replaces as its line's head is deleted (a checkpoint stays),
so a long-lived artifact keeps about one entry per line plus its checkpoints, not one per
record.

Never an error for the record: a database that fails, a missing or damaged object, a
binary or absent file, a cache that cannot be written each only leave the cache as it was.
"""
from __future__ import annotations

from core.ancestry.blame import TooFarToBlame, blamable_paths, blame_cache_dir, default_blame_path, store_blame
from core.ancestry.blame_cache import BlameCache
from core.errors import LineageError
from core.history import VersionInfo

__all__ = ["KEEP_FROM", "MAX_WALK", "keep_blame_current"]

KEEP_FROM = 32  # versions: below this, a history with nothing cached is left to its first blame
MAX_WALK = 64  # versions a record may walk to bring its blame up to date


def keep_blame_current(ws, version: VersionInfo) -> None:
    """Store the blame of `version`'s default file when it is near a cached one (see above).
    `ws` is a writable Workspace."""
    cache = BlameCache(blame_cache_dir(ws))
    try:
        if not cache.present(version.artifact_id):
            if version.parent_id is None and version.second_parent_id is None:
                return  # a root: its first blame is one read (a first sync of 1,000 asks no COUNT)
            count = ws.history.version_count(version.artifact_id)
            if count < KEEP_FROM or count > MAX_WALK:
                return  # short: quick to blame cold; long: its first blame walks it (a record would load it all for nothing)
        path = default_blame_path(blamable_paths(ws.objects, version.content_hash))
        if path is None:
            return
        versions = ws.history.versions(version.artifact_id)
        keys = store_blame(ws.objects, versions, version, path, cache, MAX_WALK)
    except (TooFarToBlame, LineageError, OSError):
        return
    # The parent it replaces as its line's head is a step behind it now: its entry would only
    # take room (a checkpoint stays; another line's head, such as the collection version a
    # project's version was deployed from, stays).
    parent = next((v for v in versions if v.id == version.parent_id), None)
    if parent is not None and parent.line == version.line and parent.id in keys and version.id in keys:
        cache.discard(version.artifact_id, keys[parent.id])


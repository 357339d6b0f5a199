"""Which paths hold a copy of which artifact: the collection's copies, every deployment's
project copy and the pending-merge folders, and the folders and files a watcher must watch.

A change anywhere below a copy (or to the copy itself: created, removed, renamed) belongs
to that copy's artifact. A change in `<data folder>/merges/<id>-<line>/` belongs to artifact
`id`: a merge started or finished by another process changes its state.
"""
from __future__ import annotations

import os
import stat as stat_mod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from core.content import SKIP_NAMES
from core.errors import LineageError
from core.history import Deployments
from core.projects import project_copy_path
from core.workspace import path_of

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["CopyPlace", "PlaceIndex", "copy_places", "stat_keys", "watch_paths"]


@dataclass(frozen=True)
class CopyPlace:
    """One copy of an artifact on disk: in the collection (project None) or in a project."""

    artifact_id: int
    path: Path
    shape: str  # "dir" or "file"
    project: str | None = None


def copy_places(ws: "Workspace") -> list[CopyPlace]:
    """Every tracked artifact's collection copy and every deployment's project copy (reads the database)."""
    artifacts = {a.id: a for a in ws.history.list_artifacts()}
    places = []
    for artifact in artifacts.values():
        try:
            places.append(CopyPlace(artifact.id, path_of(ws.home.collection_dir, artifact), artifact.shape))
        except LineageError:
            continue  # a damaged place: status says so; nothing to watch
    store = Deployments(ws.db)
    projects = {p.id: p for p in store.projects()}
    for d in store.deployments():
        artifact, project = artifacts.get(d.artifact_id), projects.get(d.project_id)
        if artifact is None or project is None:
            continue
        try:
            places.append(CopyPlace(artifact.id, project_copy_path(project, artifact), artifact.shape, project.name))
        except LineageError:
            continue
    return places


class PlaceIndex:
    """Maps a changed path to the artifacts whose copy it is in (or is)."""

    def __init__(self, places: Iterable[CopyPlace], merges_dir: Path | None = None) -> None:
        self.places = list(places)
        self.merges_dir = os.fsencode(merges_dir) if merges_dir is not None else None
        self._by_path: dict[bytes, set[int]] = {}
        # The copies directly in each folder: a folder event is one lookup, not a walk over every
        # copy (it was 5 ms of the GUI thread per event at 1,000 artifacts, ~900 events a Sync now).
        self._by_folder: dict[bytes, set[int]] = {}
        for place in self.places:
            path = os.fsencode(place.path)
            self._by_path.setdefault(path, set()).add(place.artifact_id)
            self._by_folder.setdefault(os.path.dirname(path), set()).add(place.artifact_id)

    def artifacts_at(self, path: str | os.PathLike[str]) -> set[int]:
        """The artifacts a change at `path` concerns (a copy, anything below one, or a merge folder)."""
        p = os.fsencode(os.path.abspath(path))
        if self.merges_dir is not None and (p == self.merges_dir or p.startswith(self.merges_dir + b"/")):
            rest = p[len(self.merges_dir) + 1:].split(b"/", 1)[0]
            head = rest.split(b"-", 1)[0]
            return {int(head)} if head.isdigit() else set()
        found: set[int] = set()
        probe = p
        while True:
            found |= self._by_path.get(probe, set())
            parent = os.path.dirname(probe)
            if parent == probe:
                return found
            probe = parent

    def pending_ids(self) -> set[int]:
        """The artifacts with a pending-merge folder now."""
        if self.merges_dir is None:
            return set()
        try:
            names = os.listdir(self.merges_dir)
        except OSError:
            return set()
        heads = (n.split(b"-", 1)[0] for n in names)
        return {int(h) for h in heads if h.isdigit()}

    def artifacts_below(self, folder: str | os.PathLike[str]) -> set[int]:
        """A folder changed (an entry added, removed or renamed): the artifacts whose copy is that folder,
        is in it, or holds it; for the merges folder (or the data folder holding it), every artifact
        with a pending merge now."""
        f = os.fsencode(os.path.abspath(folder))
        found = self.artifacts_at(folder)
        if self.merges_dir is not None and f in (self.merges_dir, os.path.dirname(self.merges_dir)):
            found |= self.pending_ids()
        return found | self._by_folder.get(f, set())


def stat_keys(root: bytes) -> dict[bytes, tuple]:
    """Every folder and file below `root` (itself included; links are entries, never followed;
    SKIP_NAMES skipped) with its stat key (size, mtime_ns, inode, ctime_ns, mode): the key
    core's stat cache trusts a digest by. {} when `root` is gone."""
    skip = {os.fsencode(n) for n in SKIP_NAMES}
    keys: dict[bytes, tuple] = {}
    try:
        st = os.lstat(root)
    except OSError:
        return keys
    keys[root] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, st.st_mode)
    stack = [root] if stat_mod.S_ISDIR(st.st_mode) else []
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for item in it:
                    if item.name in skip:
                        continue
                    try:
                        st = item.stat(follow_symlinks=False)
                    except OSError:
                        continue  # gone since the listing
                    keys[item.path] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, st.st_mode)
                    if stat_mod.S_ISDIR(st.st_mode):
                        stack.append(item.path)
        except OSError:
            continue  # gone or unreadable since: the next change says more
    return keys


def entries_below(root: bytes) -> list[bytes]:
    """`root` and every folder and file below it (links are entries, never followed; SKIP_NAMES
    skipped), from the folder listings alone: no stat call per entry. [] when `root` is gone."""
    if not os.path.lexists(root):
        return []
    skip = {os.fsencode(n) for n in SKIP_NAMES}
    found = [root]
    stack = [root] if os.path.isdir(root) and not os.path.islink(root) else []
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for item in it:
                    if item.name in skip:
                        continue
                    found.append(item.path)
                    if item.is_dir(follow_symlinks=False):
                        stack.append(item.path)
        except OSError:
            continue  # gone or unreadable since: the next change says more
    return found


def watch_paths(index: PlaceIndex) -> list[str]:
    """What a file-system watcher must watch to see every change to the copies: each copy's
    folder (created, removed, renamed), every folder and file in a copy (an edit in place is
    a file event, an editor's save-by-rename a folder event), and the merges folder and its
    sub-folders. Sorted, no duplicates."""
    found: list[bytes] = []
    parents: set[bytes] = set()
    for place in index.places:
        p = os.fsencode(place.path)
        parents.add(os.path.dirname(p))
        found.extend(entries_below(p))
    if index.merges_dir is not None:
        parents.add(os.path.dirname(index.merges_dir))  # the merges folder is made by the first merge
        found.extend(entries_below(index.merges_dir))
    found.extend(p for p in parents if os.path.isdir(p))
    return sorted({os.fsdecode(p) for p in found})

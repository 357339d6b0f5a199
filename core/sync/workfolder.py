"""The command line's way through a merge with conflicts: a work folder to edit.

`write_work_folder` builds the merge's result as far as it goes in
`merges/<id>-collection/work/`: settled files as merged, each text conflict with git-style
markers (`<<<<<<< local`, `||||||| base`, `=======`, `>>>>>>> upstream`), and for a
conflict that has no lines to mark (binary, delete/modify, link, type) the local side's
file, or the other side's when local deleted it. Whatever the folder holds when
`continue_from_work_folder` runs is the result — so deleting a file there deletes it —
refused while a conflicted text file still has markers with the merge's labels.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import MergeError
from core.sync.merging import MergeOutcome, finish_merge, pending_merge
from core.sync.pending import pending_place
from core.content import copy_tree_hash
from core.sync.probe import entry_name

if TYPE_CHECKING:
    from core.history import ArtifactInfo
    from core.merge import FileConflict
    from core.workspace import Workspace

__all__ = ["WorkFolder", "write_work_folder", "continue_from_work_folder"]


@dataclass(frozen=True)
class WorkFolder:
    path: Path  # the folder, or the file itself for a single-file artifact
    written: bool  # False: it was there already (edits in progress are never overwritten)
    notes: tuple[str, ...]  # one sentence per conflicting file


def _root(ws: "Workspace", artifact: "ArtifactInfo", line: str) -> Path:
    work = pending_place(ws.home, artifact.id, line).work_dir
    return work / os.fsdecode(entry_name(artifact)) if artifact.shape == "file" else work


def _stand_in(conflict: "FileConflict") -> str:
    if conflict.text is not None:
        return "markers"
    return "local" if conflict.local is not None else "other"


def write_work_folder(ws: "Workspace", artifact: "ArtifactInfo", line: str = "collection") -> WorkFolder:
    from core.content import TreeHash, content_hash_of
    from core.merge import entry_for, render_markers

    pending = pending_merge(ws, artifact, line)
    root = _root(ws, artifact, line)
    local, other = pending.labels.local, pending.labels.other
    notes = []
    for c in pending.conflicts:
        how = _stand_in(c)
        said = {"markers": "conflict markers to edit",
                "local": f"the {local} file (replace or delete it to choose otherwise)",
                "other": f"the {other} file (delete it to keep {local}'s deletion)"}[how]
        notes.append(f"{c.describe(local, other)} In the work folder: {said}.")
    if os.path.lexists(root):
        return WorkFolder(root, False, tuple(notes))
    entries = list(pending.entries)
    for c in pending.conflicts:
        how = _stand_in(c)
        if how == "markers":
            data = render_markers(c.text, pending.labels)
            ws.objects.put_bytes(data)
            kinds = [e.kind for e in (c.local, c.other) if e is not None and e.kind != "l"]
            entries.append(entry_for(c.path, kinds[0] if kinds else "f", data))
        else:
            entries.append(c.local if how == "local" else c.other)
    entries.sort(key=lambda e: e.path)
    tree = TreeHash(content_hash=content_hash_of(entries), entries=tuple(entries))
    ws.objects.put_manifest(tree)
    with _work_place(ws, root) as place:  # no link followed from the data folder down
        ws.objects.materialize(tree.content_hash, place.through(), single_file=artifact.shape == "file")
    return WorkFolder(root, True, tuple(notes))


def _work_place(ws: "Workspace", root: Path):
    from core.atomic.place import open_place

    return open_place(ws.home.root, root.relative_to(ws.home.root).parts)


def marker_files(ws: "Workspace", artifact: "ArtifactInfo", line: str = "collection") -> list[str]:
    """'path:line' of each merge marker left in the work folder's conflicted text files."""
    from core.merge import conflict_marker_lines

    pending = pending_merge(ws, artifact, line)
    root = _root(ws, artifact, line)
    left = []
    for c in pending.conflicts:
        if c.text is None:
            continue
        path = root if artifact.shape == "file" else root / os.fsdecode(c.path)
        if not path.is_file() or path.is_symlink():
            continue
        lines = conflict_marker_lines(path.read_bytes(), pending.labels)
        if lines:
            left.append(f"{c.display_path}:{lines[0]}")
    return left


def continue_from_work_folder(ws: "Workspace", artifact: "ArtifactInfo", line: str = "collection") -> MergeOutcome:
    """Record the work folder as the merge's result (refused while markers remain)."""
    pending = pending_merge(ws, artifact, line)
    root = _root(ws, artifact, line)
    again = f"merge {artifact.name}" + (f" --project {line}" if line != "collection" else "")
    if not os.path.lexists(root):
        raise MergeError(f"The work folder {root} is not there; run `{again}` to write it, "
                         f"or `{again} --abort` to drop the merge.")
    left = marker_files(ws, artifact, line)
    if left:
        raise MergeError(f"Conflict markers remain in {', '.join(left)}; edit them out in {root}, "
                         f"then run `{again} --continue` again.")
    from core.workspace import artifact_lock

    with artifact_lock(ws.home, artifact.id), _work_place(ws, root) as place:
        through = place.through()  # read through the open folder: no link on the way followed
        tree = copy_tree_hash(through, artifact.shape, entry_name(artifact), None)
        if not tree.entries:
            raise MergeError(f"The work folder {root} is empty; an artifact needs at least one file "
                             f"(`{again} --abort` drops the merge).")
        ws.objects.store_tree(through, tree)
        return finish_merge(ws, artifact, pending, tree, how="work folder")

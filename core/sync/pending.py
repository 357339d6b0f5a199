"""Pending merges on disk: one folder per (artifact, line) under `<data folder>/merges/`.

A merge with conflicts waits here until someone finishes or abandons it
(docs/merge.md, "Merging in sync, push and deploy"):

    merges/<artifact id>-<line>/pending.json   the PendingMerge (core.merge.state), written atomically
    merges/<artifact id>-<line>/work/          the command line's work folder (`merge NAME`)

Files, not a database table: a pending merge belongs to this machine's collection copy
(or project copy), which is local even when the history is shared on PostgreSQL; another
machine sharing the database has its own copies and its own merges.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import MergeError
from core.fsio import fsync_dir, remove_quietly

if TYPE_CHECKING:
    from collections.abc import Iterable

    from core.history import ArtifactInfo
    from core.merge import PendingMerge
    from core.workspace import DataHome

__all__ = [
    "PendingPlace", "pending_place", "load_pending", "save_pending", "drop_pending", "has_pending",
    "has_any_pending", "merges_on_line", "merge_waiting_into", "MergeWaitingError", "refuse_if_merge_waits", "abort_words",
]

_SAFE = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class PendingPlace:
    """Where one artifact's pending merge on one line lives."""

    folder: Path

    @property
    def state_file(self) -> Path:
        return self.folder / "pending.json"

    @property
    def work_dir(self) -> Path:
        return self.folder / "work"


def _line_tag(line: str) -> str:
    # A project name may hold characters a folder name should not: those get a digest.
    return line if _SAFE.fullmatch(line) and not line.startswith(".") else hashlib.sha256(line.encode()).hexdigest()[:16]


def pending_place(home: "DataHome", artifact_id: int, line: str = "collection") -> PendingPlace:
    return PendingPlace(home.merges_dir / f"{artifact_id}-{_line_tag(line)}")


def _waiting(home: "DataHome", artifact_id: int | None = None, tag: str | None = None) -> list[tuple[int, str]]:
    """(artifact id, line tag) of the merges waiting in this data folder, of one artifact or on
    one line when given (one read of the merges folder; a stat only for the folders that match)."""
    try:
        names = os.listdir(home.merges_dir)
    except OSError:
        return []
    found = []
    for name in names:
        head, _, on = name.partition("-")
        if not (head.isdigit() and on) or (artifact_id is not None and int(head) != artifact_id) \
                or (tag is not None and on != tag):
            continue
        if (home.merges_dir / name / "pending.json").exists():
            found.append((int(head), on))
    return found


def merges_on_line(home: "DataHome", line: str) -> list[int]:
    """The artifacts (ids) whose merge waits on `line`."""
    return sorted(artifact_id for artifact_id, _tag in _waiting(home, tag=_line_tag(line)))


def has_pending(home: "DataHome", artifact_id: int, line: str = "collection") -> bool:
    return pending_place(home, artifact_id, line).state_file.exists()


def load_pending(home: "DataHome", artifact_id: int, line: str = "collection") -> "PendingMerge | None":
    """The saved merge, or None when none waits. MergeError when the file is damaged."""
    from core.merge import PendingMerge

    path = pending_place(home, artifact_id, line).state_file
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise MergeError(f"The pending merge {path} cannot be read ({exc}); abandon it with `merge NAME --abort` "
                         "(which deletes its work folder, with any edits made there).") from None
    return PendingMerge.from_json(text)


def save_pending(home: "DataHome", artifact_id: int, merge: "PendingMerge", line: str = "collection") -> Path:
    """Write the merge atomically (temp file, fsync, rename): a crash leaves the old file or the new one."""
    place = pending_place(home, artifact_id, line)
    place.folder.mkdir(parents=True, exist_ok=True)
    tmp = place.state_file.with_name(place.state_file.name + ".tmp")
    try:
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(merge.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, place.state_file)
        fsync_dir(place.folder)
    except OSError as exc:
        remove_quietly(tmp)
        raise MergeError(
            f"Could not save the pending merge in {place.folder}: {exc.strerror or exc}; free space or fix permissions."
        ) from None
    return place.state_file


def drop_pending(home: "DataHome", artifact_id: int, line: str = "collection") -> bool:
    """Remove the saved merge and its work folder; True when there was one."""
    place = pending_place(home, artifact_id, line)
    existed = place.state_file.exists()
    remove_quietly(place.state_file)
    remove_quietly(place.work_dir)
    try:
        place.folder.rmdir()
    except OSError:
        pass
    return existed


class MergeWaitingError(MergeError):
    """A verb refused because it would replace the copy a waiting merge is to go into."""


def abort_words(name: str, line: str = "collection") -> str:
    """How to drop a waiting merge, saying what it throws away."""
    project = f" --project {line}" if line != "collection" else ""
    return (f"`merge {name}{project} --abort` drops it and deletes its work folder, with any edits made there "
            "(copy them out first to keep them)")


def has_any_pending(home: "DataHome", artifact_id: int) -> bool:
    """Whether any merge of the artifact waits, on any line."""
    return bool(_waiting(home, artifact_id=artifact_id))


def merge_waiting_into(
    home: "DataHome", artifact: "ArtifactInfo", target: Path, lines: "Iterable[str]" = ()
) -> str | None:
    """The line ("collection", or one of `lines`, the projects' names) of a merge of `artifact`
    waiting to go into `target`, the copy at that path; None when none does. A record too
    damaged to tell where it goes counts as going there (--abort drops it)."""
    from core.workspace import path_of

    collection = os.path.normpath(path_of(home.collection_dir, artifact))
    wanted = os.path.normpath(target)
    for line in dict.fromkeys(["collection", *lines]):
        if not has_pending(home, artifact.id, line):
            continue
        try:
            pending = load_pending(home, artifact.id, line)
        except MergeError:
            return line
        if pending is not None and os.path.normpath(pending.context.get("target") or collection) == wanted:
            return line
    return None


def refuse_if_merge_waits(
    home: "DataHome", artifact: "ArtifactInfo", target: Path, doing: str, lines: "Iterable[str]" = ()
) -> None:
    """Raise MergeWaitingError when a merge of `artifact` waits (on the collection line or one
    of `lines`, the projects' names) whose result goes into `target`, the copy that `doing`
    (a verb, e.g. "push") is about to replace: replacing it would make the merge impossible
    to finish. A record too damaged to tell where it goes refuses too (--abort drops it)."""
    from core.workspace import path_of

    line = merge_waiting_into(home, artifact, target, lines)
    if line is None:
        return
    project = f" --project {line}" if line != "collection" else ""
    collection = os.path.normpath(path_of(home.collection_dir, artifact))
    where = "the collection copy" if os.path.normpath(target) == collection else f"{line}'s copy"
    raise MergeWaitingError(
        f"A merge of {artifact.name!r} is waiting to go into {where}, and {doing} would change that copy, so "
        f"nothing was changed. Finish the merge first with `merge {artifact.name}{project}` (edit its work "
        f"folder, then --continue), or abandon it: {abort_words(artifact.name, line)}."
    )

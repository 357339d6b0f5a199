"""Registering project folders: add, list, remove (which touches none of the project's files)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ProjectError
from core.history import Deployments, ProjectInfo, check_project_name
from core.projects.placement import CLAUDE_DIR, check_project_path
from core.textsafe import printable

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["add_project", "list_projects", "remove_project", "get_project", "require_own_project"]


def add_project(ws: "Workspace", name: str, path: str | os.PathLike[str]) -> ProjectInfo:
    """Track the folder `path` as project `name`; its artifacts live under `path/.claude/`.

    A relative path is taken from the working directory; `''` and `/` are refused, and so
    is a folder whose name is not UTF-8 (the database stores text) and one that overlaps
    what the app already writes: see `check_overlap`."""
    check_project_name(name)
    if any(p.name == name for p in list_projects(ws)):
        raise ProjectError(f"A project named {name!r} is already registered; `project list` shows it.")
    text = os.fspath(path)
    if not text.strip():
        raise ProjectError("The project folder path is empty; give the path of an existing folder.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ProjectError(
            f"The project folder path {printable(text)} is not valid UTF-8, and project paths are stored as text; "
            "rename the folder (or one above it) to a UTF-8 name and add it again."
        ) from None
    folder = Path(text).expanduser()
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ProjectError(f"The project folder {folder} {what}; give the path of an existing folder.")
    resolved = folder.resolve()
    check_project_path(name, str(resolved))
    check_overlap(ws, resolved)
    return Deployments(ws.db).add_project(name, str(resolved), ws.machine or None)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_overlap(ws: "Workspace", folder: Path) -> None:
    """Refuse (ProjectError) a project whose `.claude/` would overlap what the app already
    writes: another project's `.claude/` (the same folder twice, or one project inside
    another's `.claude/`), the data folder itself or one of the app's folders in it (the
    collection, the object store, merges, pending records, caches), or a `.claude/` that
    holds the data folder. A project folder merely inside another one is allowed: `~`
    (the user's `~/.claude`) holds them all; so is one in a folder of its own inside the
    data folder (the demo's `demo-projects/`)."""
    claude = folder / CLAUDE_DIR
    home = Path(os.path.realpath(ws.home.root))
    if folder == home or _inside(home, claude):
        raise ProjectError(
            f"The folder {folder} {'is' if folder == home else 'holds in its .claude/'} the data folder ({home}), "
            "where the app keeps its own copies; choose a project folder outside it."
        )
    for place in (ws.home.collection_dir, ws.home.objects_dir, ws.home.merges_dir, ws.home.pending_dir,
                  ws.home.cache_dir):
        own = Path(os.path.realpath(place))
        if _inside(folder, own):
            raise ProjectError(
                f"The folder {folder} is inside {own}, one of the data folder's own folders (the collection, "
                "the object store, merges, pending records or caches); choose a project folder outside it."
            )
    for other in Deployments(ws.db).projects(ws.machine or None):  # a teammate's folders are on their machine
        theirs = Path(other.path)
        if folder == theirs:
            raise ProjectError(f"The folder {folder} is already project {other.name!r}; "
                               "one folder can be registered once (`project list` shows them).")
        if _inside(folder, theirs / CLAUDE_DIR) or _inside(theirs, claude):
            raise ProjectError(
                f"The folder {folder} overlaps project {other.name!r} ({theirs}): one would sit inside the other's "
                f"{CLAUDE_DIR}/ folder, so deploying into one would change the other's copies; "
                "choose a folder outside it."
            )


def list_projects(ws: "Workspace") -> list[ProjectInfo]:
    """The projects of this data folder (a teammate's show only as lines in the history)."""
    return Deployments(ws.db).projects(ws.machine or None)


def get_project(ws: "Workspace", name: str) -> ProjectInfo:
    """Project `name`, refused (ProjectError) when another member registered it: its folder
    is on their machine, and its deployments are theirs."""
    return require_own_project(ws, Deployments(ws.db).project(name))


def require_own_project(ws: "Workspace", project: ProjectInfo) -> ProjectInfo:
    """`project`, unless another member registered it (ProjectError: never written to from here)."""
    if not project.belongs_to(ws.machine or None):
        raise ProjectError(
            f"The project {project.name!r} was registered by another member sharing this database; its folder and "
            "deployments are theirs (its versions show as its line in the history): register a folder of your own "
            "with `project add`."
        )
    return project


def remove_project(ws: "Workspace", name: str) -> ProjectInfo:
    """Stop tracking `name`: its deployments are forgotten, its files and versions stay."""
    from core.sync.pending import MergeWaitingError, abort_words, merges_on_line

    get_project(ws, name)  # never another member's
    ids = set(merges_on_line(ws.home, name))
    waiting = [a for a in ws.history.list_artifacts(include_removed=True) if a.id in ids] if ids else []
    if waiting:
        # Its deployments are what those merges finish into: forgetting them would orphan them.
        first = waiting[0].name
        names = ", ".join(repr(a.name) for a in waiting)
        raise MergeWaitingError(
            f"Merges of {names} wait in project {name!r}, so the project was not removed. Finish each with "
            f"`merge {first} --project {name}` (edit its work folder, then --continue), or abandon it: "
            f"{abort_words(first, name)}."
        )
    return Deployments(ws.db).remove_project(name)

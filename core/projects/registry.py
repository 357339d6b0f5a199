"""Registering project folders: add, list, remove (which touches none of the project's files)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ProjectError
from core.history import Deployments, ProjectInfo, check_project_name

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["add_project", "list_projects", "remove_project", "get_project", "require_own_project"]


def add_project(ws: "Workspace", name: str, path: str | os.PathLike[str]) -> ProjectInfo:
    """Track the folder `path` as project `name`; its artifacts live under `path/.claude/`."""
    check_project_name(name)
    folder = Path(path).expanduser()
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ProjectError(f"The project folder {folder} {what}; give the path of an existing folder.")
    return Deployments(ws.db).add_project(name, str(folder.resolve()), ws.machine or None)


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
    get_project(ws, name)  # never another member's
    return Deployments(ws.db).remove_project(name)

"""Registering project folders: add, list, remove (which touches none of the project's files)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ProjectError
from core.history import Deployments, ProjectInfo, check_project_name

if TYPE_CHECKING:
    from core.workspace import Workspace

__all__ = ["add_project", "list_projects", "remove_project", "get_project"]


def add_project(ws: "Workspace", name: str, path: str | os.PathLike[str]) -> ProjectInfo:
    """Track the folder `path` as project `name`; its artifacts live under `path/.claude/`."""
    check_project_name(name)
    folder = Path(path).expanduser()
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ProjectError(f"The project folder {folder} {what}; give the path of an existing folder.")
    return Deployments(ws.db).add_project(name, str(folder.resolve()))


def list_projects(ws: "Workspace") -> list[ProjectInfo]:
    return Deployments(ws.db).projects()


def get_project(ws: "Workspace", name: str) -> ProjectInfo:
    return Deployments(ws.db).project(name)


def remove_project(ws: "Workspace", name: str) -> ProjectInfo:
    """Stop tracking `name`: its deployments are forgotten, its files and versions stay."""
    return Deployments(ws.db).remove_project(name)

"""Where a deployed artifact lives in a project, and the check that keeps writes inside it.

A project copy takes the same place under `<project>/.claude/` as the collection copy
takes in the collection (core.workspace.collection): `skills/<name>/`,
`commands/<name>.md`, `agents/<name>.md`. Nothing is followed out of the project: a
link anywhere between the project folder and the copy that leads outside it refuses
the operation before anything is read or written.
"""
from __future__ import annotations

import os
from pathlib import Path

from core.errors import ProjectError, RefusedError
from core.history import ArtifactInfo, ProjectInfo
from core.workspace import CopyPlace, path_of

__all__ = ["CLAUDE_DIR", "project_copy_path", "check_inside_project", "project_place"]

CLAUDE_DIR = ".claude"


def project_copy_path(project: ProjectInfo, artifact: ArtifactInfo) -> Path:
    """`<project>/.claude/<the artifact's place in the collection>`."""
    return path_of(Path(project.path) / CLAUDE_DIR, artifact)


def project_place(project: ProjectInfo, artifact: ArtifactInfo) -> CopyPlace:
    """Where every write or delete of the project copy goes through (core.workspace.replace):
    the project folder (itself never a link), then `.claude/<place>` with no link followed."""
    from pathlib import PurePosixPath

    project_copy_path(project, artifact)  # refuses a recorded place that climbs out
    return CopyPlace(Path(project.path), (CLAUDE_DIR, *PurePosixPath(artifact.place).parts))


def check_inside_project(project: ProjectInfo, target: Path) -> None:
    """Refuse when a link between the project folder and `target` (included) leads out of it."""
    root = Path(project.path)
    if os.path.islink(root):
        raise RefusedError(
            f"The folder of project {project.name!r} ({root}) is a link, and links are never followed when a copy is "
            f"written; nothing was written. Put the real folder there, or `project remove {project.name}` and add "
            "the folder it points to."
        )
    if not root.is_dir():
        raise ProjectError(
            f"The folder of project {project.name!r} ({root}) is gone; put it back, or "
            f"`project remove {project.name}` and add it again where it is now."
        )
    current = root
    for part in target.relative_to(root).parts:
        current = current / part
        if not os.path.islink(current):
            continue
        # realpath only here: it costs a system call per component, and links are rare.
        real_root = os.path.realpath(root)
        real = os.path.realpath(current)
        if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
            raise RefusedError(
                f"{current} is a link to {real}, outside the project {project.name!r}; nothing was written. "
                "Replace the link with a real folder (or file) inside the project and try again."
            )
        if current == target:
            raise RefusedError(
                f"The project copy {current} is a link; nothing was written. "
                "Replace it with the real file or folder and try again."
            )

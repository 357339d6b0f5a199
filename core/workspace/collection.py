"""Where an artifact lives in the collection, and what type an upstream looks like.

Layout (relative to the collection folder):

| type    | directory upstream | single-file upstream                              |
|---------|--------------------|---------------------------------------------------|
| skill   | `skills/<name>`    | `skills/<name>/<upstream file name>`              |
| command | `commands/<name>`  | `commands/<name>.md` (`<name><suffix>` if not .md) |
| agent   | `agents/<name>`    | `agents/<name>.md` (`<name><suffix>` if not .md)   |
| other   | `other/<name>`     | `other/<name><suffix>`                            |

Type inference when none is given (`infer_type`):
- a file named `SKILL.md` → skill (add_artifact then tracks its whole folder);
- a folder holding `SKILL.md` → skill;
- a single `.md` file below a path with a `commands/` component → command,
  with an `agents/` component → agent;
- any other folder → other; any other file → command.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from core.errors import LineageError
from core.upstreams import SKILL_FILE

TYPE_FOLDERS = {"skill": "skills", "command": "commands", "agent": "agents", "other": "other"}


class InvalidNameError(LineageError):
    """An artifact name that cannot be a file name in the collection."""


def validate_name(name: str) -> str:
    """Return `name` if it can name a file or folder in the collection; raise InvalidNameError."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidNameError("The artifact name is empty; give a name such as 'pdf' or 'review'.")
    if "\0" in name:
        raise InvalidNameError(f"The artifact name {name!r} contains a NUL character; choose another name.")
    if "/" in name or "\\" in name or os.sep in name:
        raise InvalidNameError(
            f"The artifact name {name!r} contains a path separator; use a plain name without '/'."
        )
    if name in (".", "..") or name.startswith(".."):
        raise InvalidNameError(f"The artifact name {name!r} is not allowed; use a plain name without '..'.")
    if name.startswith("."):
        # Hidden names would collide with our staging files (".<name>.stage-…").
        raise InvalidNameError(f"The artifact name {name!r} starts with '.'; use a name that does not.")
    return name


def validate_type(type_: str) -> str:
    if type_ not in TYPE_FOLDERS:
        raise InvalidNameError(
            f"Unknown artifact type {type_!r}; use one of: {', '.join(TYPE_FOLDERS)}."
        )
    return type_


def place_for(name: str, type: str, shape: str, upstream_name: str) -> str:
    """The artifact's place inside the collection, '/'-separated (see the module table)."""
    validate_name(name)
    folder = TYPE_FOLDERS[validate_type(type)]
    if shape == "dir":
        return f"{folder}/{name}"
    if shape != "file":
        raise InvalidNameError(f"Unknown artifact shape {shape!r}; expected 'dir' or 'file'.")
    if type == "skill":
        file_name = upstream_name or SKILL_FILE
        validate_name(file_name)
        return f"{folder}/{name}/{file_name}"
    suffix = PurePosixPath(upstream_name).suffix if upstream_name else ""
    if type in ("command", "agent") and not suffix:
        suffix = ".md"
    return f"{folder}/{name}{suffix}"


def path_of(collection_dir: str | os.PathLike[str], artifact: object) -> Path:
    """Absolute path of an artifact's collection copy (`artifact` has a `place` attribute)."""
    place = getattr(artifact, "place")
    parts = PurePosixPath(place).parts
    if not parts or any(p in ("..", ".", "") for p in parts) or PurePosixPath(place).is_absolute():
        raise InvalidNameError(f"The recorded place {place!r} is not inside the collection.")
    return Path(collection_dir).joinpath(*parts)


def infer_shape(upstream_path: Path) -> str:
    return "dir" if upstream_path.is_dir() else "file"


def infer_type(upstream_path: Path, location_hint: str = "") -> str:
    """Guess an artifact's type from its upstream content (see the module docstring).

    `location_hint` is the upstream's location and sub-folder as given by the user
    (e.g. a git sub-folder "plugins/x/commands/review.md"), searched for
    `commands/` / `agents/` along with the local path.
    """
    if upstream_path.is_dir():
        return "skill" if (upstream_path / SKILL_FILE).is_file() else "other"
    if upstream_path.name == SKILL_FILE:
        return "skill"
    if upstream_path.suffix.lower() == ".md":
        # The nearest "commands"/"agents" folder above the file decides.
        hint_parts = PurePosixPath(location_hint.replace("\\", "/")).parts[:-1]
        for part in reversed((*hint_parts, *upstream_path.parts[:-1])):
            if part.lower() == "commands":
                return "command"
            if part.lower() == "agents":
                return "agent"
    return "command"

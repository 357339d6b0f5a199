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

from core.atomic import STAGED_NAME_EXTRA
from core.errors import LineageError
from core.textsafe import printable
from core.upstreams import SKILL_FILE

TYPE_FOLDERS = {"skill": "skills", "command": "commands", "agent": "agents", "other": "other"}


class InvalidNameError(LineageError):
    """An artifact name that cannot be a file name in the collection."""


NAME_MAX = 255  # bytes in one file name on the common file systems (ext4, btrfs, APFS, NTFS)
_SHOWN = 60  # characters of a refused name quoted in its message


def _shown(name: str) -> str:
    text = printable(name)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def folder_name_max(folder: str | os.PathLike[str]) -> int:
    """How many bytes one name may have in `folder` (its file system's NAME_MAX; 255 if unknown)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return NAME_MAX


def validate_name(name: str, *, name_max: int = NAME_MAX) -> str:
    """Return `name` if it can name a file or folder in the collection; raise InvalidNameError.

    Refused: empty names, names that are not valid UTF-8 (undecodable bytes from the
    command line), control characters (newline, tab, escape… would break every table
    and could drive the terminal), `/` and `\\`, `.`, `..` and other leading dots, NUL,
    and names that with their staging suffix do not fit in one name of `name_max` bytes.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidNameError("The artifact name is empty; give a name such as 'pdf' or 'review'.")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidNameError(
            f"The artifact name '{_shown(name)}' is not valid UTF-8; choose a name made of readable characters."
        ) from None
    if printable(name) != name:
        raise InvalidNameError(
            f"The artifact name '{_shown(name)}' contains control characters (such as a newline, tab or escape); "
            "choose a name without them."
        )
    if "/" in name or "\\" in name or os.sep in name:
        raise InvalidNameError(
            f"The artifact name '{_shown(name)}' contains a path separator; use a plain name without '/'."
        )
    if name in (".", "..") or name.startswith(".."):
        raise InvalidNameError(f"The artifact name '{_shown(name)}' is not allowed; use a plain name without '..'.")
    if name.startswith("."):
        # Hidden names would collide with our staging files (".<name>.stage-…").
        raise InvalidNameError(f"The artifact name '{_shown(name)}' starts with '.'; use a name that does not.")
    limit = name_max - STAGED_NAME_EXTRA
    if size > limit:
        raise InvalidNameError(
            f"The artifact name '{_shown(name)}' is {size} bytes long, too long for the collection folder "
            f"(a name there may have {name_max} bytes, and the copy being replaced needs {STAGED_NAME_EXTRA} of them); "
            f"choose a name of at most {limit} bytes."
        )
    return name


def validate_type(type_: str) -> str:
    if type_ not in TYPE_FOLDERS:
        raise InvalidNameError(
            f"Unknown artifact type {type_!r}; use one of: {', '.join(TYPE_FOLDERS)}."
        )
    return type_


def place_for(name: str, type: str, shape: str, upstream_name: str, *, name_max: int = NAME_MAX) -> str:
    """The artifact's place inside the collection, '/'-separated (see the module table)."""
    validate_name(name, name_max=name_max)
    folder = TYPE_FOLDERS[validate_type(type)]
    if shape == "dir":
        return f"{folder}/{name}"
    if shape != "file":
        raise InvalidNameError(f"Unknown artifact shape {shape!r}; expected 'dir' or 'file'.")
    if type == "skill":
        file_name = upstream_name or SKILL_FILE
        validate_name(file_name, name_max=name_max)
        return f"{folder}/{name}/{file_name}"
    suffix = PurePosixPath(upstream_name).suffix if upstream_name else ""
    if type in ("command", "agent") and not suffix:
        suffix = ".md"
    validate_name(name + suffix, name_max=name_max)  # the file name it gets: the suffix comes from the upstream
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

"""Where an artifact lives in the collection, and what type an upstream looks like.

Layout (relative to the collection folder):

| type    | directory upstream | single-file upstream                              |
|---------|--------------------|---------------------------------------------------|
| skill   | `skills/<name>`    | `skills/<name>/<upstream file name>`              |
| command | `commands/<name>`  | `commands/<name>.md` (`<name><suffix>` if not .md) |
| agent   | `agents/<name>`    | `agents/<name>.md` (`<name><suffix>` if not .md)   |
| output-style | `output-styles/<name>` | `output-styles/<name>.md` (as commands)   |
| other   | `other/<name>`     | `other/<name><suffix>`                            |

Type inference when none is given (`infer_type`):
- a file named `SKILL.md` → skill (add_artifact then tracks its whole folder);
- a folder holding `SKILL.md` → skill;
- a single `.md` file below a path with a `commands/` component → command,
  with an `agents/` component → agent, with an `output-styles/` component → output-style;
- any other folder → other; any other file → command.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.atomic import STAGED_NAME_EXTRA
from core.errors import LineageError
from core.textsafe import printable
from core.upstreams import FILE_TYPES, SKILL_FILE

TYPE_FOLDERS = {"skill": "skills", "command": "commands", "agent": "agents", "output-style": "output-styles",
                "other": "other"}



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
    if type in FILE_TYPES.values() and not suffix:
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
            if part.lower() in FILE_TYPES:
                return FILE_TYPES[part.lower()]
    return "command"


class CollectionPlaceError(LineageError):
    """A collection copy, its type folder or the collection folder is a link or has the wrong shape."""


@dataclass(frozen=True)
class PlaceCheck:
    """What lies at an artifact's place: `exists`, and `wrong_shape` (a sentence) when
    a file sits where the artifact's folder belongs or a folder where its file belongs."""

    path: Path
    exists: bool
    wrong_shape: str | None = None


def _what(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    return "a special file"


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None  # a component above is a file: reported for that component


def _link_refused(subject: str) -> CollectionPlaceError:
    return CollectionPlaceError(
        f"{subject} is a symbolic link, and links in the collection are never followed; "
        "remove the link (what it points to is left alone) and sync again."
    )


def _require_folder(path: str, st: os.stat_result | None) -> bool:
    """False when `path` does not exist; raises CollectionPlaceError unless it is a real folder."""
    if st is None:
        return False
    if stat.S_ISLNK(st.st_mode):
        raise _link_refused(f"The collection folder {path!r}")
    if not stat.S_ISDIR(st.st_mode):
        raise CollectionPlaceError(
            f"The collection path {path!r} is {_what(st.st_mode)} where a folder belongs; "
            "move it away and sync again."
        )
    return True


def check_place(collection_dir: str | os.PathLike[str], artifact: object) -> PlaceCheck:
    """Check every component from the collection folder down to the artifact's copy, without following links.

    The collection folder and every folder below it on the way (the type folder, a
    skill's own folder) must be real folders or not exist yet; the copy itself must
    not be a link or a special file. Raises CollectionPlaceError naming the path and
    what to do. A copy of the wrong shape is not an error here: `wrong_shape` says
    so, and sync decides (take-upstream stores it, then replaces it).
    """
    target = path_of(collection_dir, artifact)  # checks the recorded place first
    # Plain strings: this runs for every artifact on every sync and status.
    here = os.fspath(collection_dir)
    _require_folder(here, _lstat(here))
    for part in PurePosixPath(getattr(artifact, "place")).parts[:-1]:
        here = os.path.join(here, part)
        if not _require_folder(here, _lstat(here)):
            return PlaceCheck(target, False)
    st = _lstat(os.fspath(target))
    if st is None:
        return PlaceCheck(target, False)
    mode = st.st_mode
    name = getattr(artifact, "name", "?")
    if stat.S_ISLNK(mode):
        raise _link_refused(f"The collection copy of {name!r} ({str(target)!r})")
    want_dir = getattr(artifact, "shape", "dir") == "dir"
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise CollectionPlaceError(
            f"The collection copy of {name!r} ({str(target)!r}) is {_what(mode)}; remove it and sync again."
        )
    if stat.S_ISDIR(mode) != want_dir:
        return PlaceCheck(target, True, (
            f"The collection copy of {name!r} ({str(target)!r}) is {_what(mode)} where "
            f"{'a folder' if want_dir else 'a file'} belongs; a sync with take-upstream "
            f"(`sync {name} --strategy take-upstream`) keeps it as a version and puts the upstream copy back, "
            "or move it away yourself."
        ))
    return PlaceCheck(target, True)


def make_parents(collection_dir: str | os.PathLike[str], artifact: object) -> Path:
    """Create the missing folders above an artifact's copy, one at a time and never through a link.

    Returns the copy's path. Raises CollectionPlaceError as check_place does.
    """
    root = Path(collection_dir)
    check_place(root, artifact)
    parts = PurePosixPath(getattr(artifact, "place")).parts
    for folder in [root] + [root.joinpath(*parts[: i + 1]) for i in range(len(parts) - 1)]:
        try:
            os.mkdir(folder, 0o755)  # never follows: an existing link gives EEXIST
        except FileExistsError:
            pass
        _require_folder(str(folder), os.lstat(folder))
    return path_of(root, artifact)

"""What an upstream holds: the artifacts found in a folder or repository, by where they sit.

The rules (docs/upstreams.md, "Discovering artifacts"), applied at the upstream's
root (its sub-folder when one is given):

- each folder under `skills/` that holds a `SKILL.md` is a skill;
- each `commands/*.md` is a command, each `agents/*.md` an agent;
- when the root itself holds skill folders directly (`<root>/<name>/SKILL.md`), those.

Names come from the folder or file name (`commands/review.md` → `review`), types
from where they were found. `add --all` adds them; `add NAME` uses the list to
refuse adding a whole repository as one artifact; the Add dialog shows it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.upstreams.spec import FetchedUpstream, UpstreamSpec

__all__ = ["FoundArtifact", "Discovery", "SKILL_FILE", "find_artifacts", "discover"]

SKILL_FILE = "SKILL.md"
_FILE_FOLDERS = (("commands", "command"), ("agents", "agent"))


@dataclass(frozen=True)
class FoundArtifact:
    """One artifact found in an upstream; `subdir` is relative to the upstream's location."""

    name: str
    type: str  # "skill", "command" or "agent"
    subdir: str  # '/'-separated, including the upstream's own sub-folder
    shape: str  # "dir" or "file"

    @property
    def key(self) -> str:
        return f"{self.type}/{self.name}"


@dataclass(frozen=True)
class Discovery:
    """An upstream as fetched now, and the artifacts it holds (skills, then commands, then agents)."""

    spec: UpstreamSpec
    fetched: FetchedUpstream
    artifacts: tuple[FoundArtifact, ...]

    @property
    def root_is_skill(self) -> bool:
        path = Path(self.fetched.path)
        return path.is_dir() and (path / SKILL_FILE).is_file()


def _is_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()  # a link could lead out of the upstream


def _is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _sorted_children(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as it:
            names = sorted(entry.name for entry in it if not entry.name.startswith("."))
    except OSError:
        return []
    return [folder / name for name in names]


def _skills_in(folder: Path, prefix: PurePosixPath) -> list[FoundArtifact]:
    return [
        FoundArtifact(child.name, "skill", str(prefix / child.name), "dir")
        for child in _sorted_children(folder)
        if _is_dir(child) and _is_file(child / SKILL_FILE)
    ]


def find_artifacts(root: Path, subdir: str | None = None) -> list[FoundArtifact]:
    """The artifacts under `root` (a folder on disk); `subdir` prefixes each one's sub-folder.

    A root that is itself a skill (holds SKILL.md) or a file holds no others: [].
    """
    prefix = PurePosixPath(subdir.strip("/")) if subdir and subdir.strip("/") else PurePosixPath()
    if not _is_dir(root) or _is_file(root / SKILL_FILE):
        return []
    found: list[FoundArtifact] = []
    if _is_dir(root / "skills"):
        found += _skills_in(root / "skills", prefix / "skills")
    found += _skills_in(root, prefix)
    for folder, type_ in _FILE_FOLDERS:
        if not _is_dir(root / folder):
            continue
        for child in _sorted_children(root / folder):
            if child.suffix.lower() == ".md" and _is_file(child) and child.stem:
                found.append(FoundArtifact(child.stem, type_, str(prefix / folder / child.name), "file"))
    seen: set[str] = set()
    unique = []
    for item in found:
        if item.key not in seen:
            seen.add(item.key)
            unique.append(item)
    return unique


def discover(spec: UpstreamSpec, git_cache_dir: Path) -> Discovery:
    """Fetch the upstream (at its ref and sub-folder) and list the artifacts it holds. UpstreamError."""
    from core.upstreams.sources import fetch

    fetched = fetch(spec, git_cache_dir)
    return Discovery(spec, fetched, tuple(find_artifacts(Path(fetched.path), spec.subdir)))

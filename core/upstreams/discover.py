"""What an upstream holds: the artifacts found in a folder or repository, by where they sit.

The rules (docs/upstreams.md, "Discovering artifacts"), applied at the upstream's
root (its sub-folder when one is given):

- `.claude-plugin/marketplace.json`: the plugins it lists (core.upstreams.marketplace),
  each artifact marked with its plugin; a plugin in another repository is listed in
  `Discovery.remote_plugins` (an upstream of its own); a plugin that names its
  components takes exactly those, one that names none takes its folder's layout;
- else `.claude-plugin/plugin.json`: one plugin, its named components and its folders;
- else the folder layout: each folder under `skills/` that holds a `SKILL.md` is a
  skill; each `commands/*.md` a command, `agents/*.md` an agent, `output-styles/*.md`
  an output style; skill folders at the root itself (`<root>/<name>/SKILL.md`) too —
  never `template/`, which is a template to copy, not a skill.

Names come from the folder or file name (`commands/review.md` → `review`), types
from where they were found. `add --all` adds them; `add NAME` uses the list to
refuse adding a whole repository as one artifact; the Add dialog shows it.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.upstreams.marketplace import Marketplace, PluginEntry, read_marketplace
from core.upstreams.spec import FetchedUpstream, UpstreamSpec

__all__ = ["FoundArtifact", "Discovery", "SKILL_FILE", "FILE_TYPES", "find_artifacts", "find_in_upstream", "find_plugin",
           "discover"]

SKILL_FILE = "SKILL.md"
# The types that are one `.md` file each, by the folder that holds them (discovery, inference, places).
FILE_TYPES = {"commands": "command", "agents": "agent", "output-styles": "output-style"}
_NOT_SKILLS = frozenset({"template"})  # anthropics/skills' template/SKILL.md is to copy, not to track


@dataclass(frozen=True)
class FoundArtifact:
    """One artifact found in an upstream; `subdir` is relative to the upstream's location."""

    name: str
    type: str  # "skill", "command", "agent" or "output-style"
    subdir: str  # '/'-separated, including the upstream's own sub-folder
    shape: str  # "dir" or "file"
    plugin: str | None = None  # the plugin that lists it (marketplace.json / plugin.json)

    @property
    def key(self) -> str:
        return f"{self.type}/{self.name}"


@dataclass(frozen=True)
class Discovery:
    """An upstream as fetched now, and the artifacts it holds (skills, then commands, agents, output styles)."""

    spec: UpstreamSpec
    fetched: FetchedUpstream
    artifacts: tuple[FoundArtifact, ...]
    marketplace: Marketplace | None = None
    remote_plugins: tuple[PluginEntry, ...] = ()  # plugins in other repositories: upstreams of their own

    @property
    def plugins(self) -> tuple[str, ...]:
        """Every plugin named, local or remote, in the marketplace's order."""
        return tuple(p.name for p in self.marketplace.plugins) if self.marketplace else ()

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
        if _is_dir(child) and _is_file(child / SKILL_FILE) and child.name not in _NOT_SKILLS
    ]


def _prefix(subdir: str | None) -> PurePosixPath:
    return PurePosixPath(subdir.strip("/")) if subdir and subdir.strip("/") else PurePosixPath()


def _layout(root: Path, prefix: PurePosixPath) -> list[FoundArtifact]:
    """The folder rules: skills/*/SKILL.md, */SKILL.md, commands/ agents/ output-styles/ *.md."""
    found: list[FoundArtifact] = []
    if _is_dir(root / "skills"):
        found += _skills_in(root / "skills", prefix / "skills")
    found += _skills_in(root, prefix)
    for folder, type_ in FILE_TYPES.items():
        if _is_dir(root / folder):
            found += _md_files(root / folder, type_, prefix / folder)
    return found


def _md_files(folder: Path, type_: str, prefix: PurePosixPath) -> list[FoundArtifact]:
    return [FoundArtifact(child.stem, type_, str(prefix / child.name), "file")
            for child in _sorted_children(folder)
            if child.suffix.lower() == ".md" and _is_file(child) and child.stem]


def _inside(root: Path, rel: str) -> Path | None:
    """`root/rel` when every part of it is a real folder or file (no link followed), else None."""
    path = root
    for part in PurePosixPath(rel).parts:
        path = path / part
        if path.is_symlink() or not path.exists():
            return None
    return path


def _named(root: Path, prefix: PurePosixPath, folder: str, entry: PluginEntry) -> list[FoundArtifact]:
    """The components a plugin entry names, each checked on disk (a path that is not there is left out)."""
    found: list[FoundArtifact] = []
    for type_, paths in entry.components.items():
        for raw in paths:
            rel = str(PurePosixPath(folder) / raw.removeprefix("./")) if folder else raw.removeprefix("./")
            if any(part == ".." for part in PurePosixPath(rel).parts):
                continue
            path = _inside(root, rel)
            if path is None:
                continue
            if type_ == "skill":
                if _is_dir(path) and _is_file(path / SKILL_FILE):
                    found.append(FoundArtifact(path.name, "skill", str(prefix / rel), "dir"))
                elif _is_dir(path):
                    found += _skills_in(path, prefix / rel)
            elif _is_dir(path):
                found += _md_files(path, type_, prefix / rel)
            elif _is_file(path) and path.suffix.lower() == ".md":
                found.append(FoundArtifact(path.stem, type_, str(prefix / rel), "file"))
    return found


def _of_plugin(root: Path, prefix: PurePosixPath, entry: PluginEntry) -> list[FoundArtifact]:
    folder = entry.folder or ""
    if entry.components:
        found = _named(root, prefix, folder, entry)
    else:
        plugin_root = _inside(root, folder) if folder else root
        if plugin_root is None or not _is_dir(plugin_root):
            return []
        found = _layout(plugin_root, prefix / folder if folder else prefix)
        inner = read_marketplace(plugin_root) if folder else None
        if inner is not None and inner.single and inner.plugins[0].components:
            found += _named(plugin_root, prefix / folder, "", inner.plugins[0])
    return [dataclasses.replace(f, plugin=entry.name) for f in found]


def find_plugin(root: Path, subdir: str | None, entry: PluginEntry) -> list[FoundArtifact]:
    """The artifacts of one plugin entry whose folder is `root` (a plugin fetched from its own
    repository): the components it names, else its folder's layout and plugin.json."""
    local = dataclasses.replace(entry, folder="", remote=None)
    found = _of_plugin(root, _prefix(subdir), local)
    if not entry.components:
        own = read_marketplace(root, subdir)
        if own is not None and own.single and own.plugins[0].components:
            found += [dataclasses.replace(f, plugin=entry.name)
                      for f in _named(root, _prefix(subdir), "", own.plugins[0])]
    return _unique(found)


def _unique(found: list[FoundArtifact]) -> list[FoundArtifact]:
    seen: set[str] = set()
    unique = []
    for item in found:
        if item.key not in seen:
            seen.add(item.key)
            unique.append(item)
    return unique


def find_in_upstream(root: Path, subdir: str | None = None) -> tuple[list[FoundArtifact], Marketplace | None]:
    """The artifacts under `root` and the marketplace (or plugin) that lists them, if any."""
    prefix = _prefix(subdir)
    if not _is_dir(root) or _is_file(root / SKILL_FILE):
        return [], None
    market = read_marketplace(root, subdir)
    if market is None:
        return _unique(_layout(root, prefix)), None
    found: list[FoundArtifact] = []
    for entry in market.plugins:
        if entry.folder is not None:
            found += _of_plugin(root, prefix, entry)
    if market.single:
        found += [dataclasses.replace(f, plugin=market.plugins[0].name) for f in _layout(root, prefix)]
    return _unique(found), market


def find_artifacts(root: Path, subdir: str | None = None) -> list[FoundArtifact]:
    """The artifacts under `root` (a folder on disk); `subdir` prefixes each one's sub-folder.

    A root that is itself a skill (holds SKILL.md) or a file holds no others: [].
    """
    return find_in_upstream(root, subdir)[0]


def discover(spec: UpstreamSpec, git_cache_dir: Path) -> Discovery:
    """Fetch the upstream (at its ref and sub-folder) and list the artifacts it holds. UpstreamError."""
    from core.upstreams.sources import fetch

    fetched = fetch(spec, git_cache_dir)
    found, market = find_in_upstream(Path(fetched.path), spec.subdir)
    remote = tuple(p for p in market.plugins if p.remote is not None) if market else ()
    return Discovery(spec, fetched, tuple(found), market, remote)

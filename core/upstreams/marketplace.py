"""Reading `.claude-plugin/marketplace.json` and `.claude-plugin/plugin.json`: which plugins an upstream offers.

A marketplace lists plugins, each with a `source`: a path inside the same repository
(`"./"`, `"./plugins/x"`), or another repository — `{"source": "github", "repo": "o/r"}`,
`{"source": "url", "url": "…"}`, `{"source": "git-subdir", "url": "…", "path": "…"}`, each
with an optional `ref` — which becomes an upstream of its own. An entry may name its
components (`skills`, `commands`, `agents`, `outputStyles`: a path or a list of paths
relative to the plugin's folder). A lone plugin says the same in `plugin.json`.
Only what the files say is read here; core.upstreams.discover finds the artifacts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import UpstreamError
from core.upstreams.spec import UpstreamSpec, clean_subdir

__all__ = ["MARKETPLACE_FILE", "PLUGIN_FILE", "PluginEntry", "Marketplace", "read_marketplace", "COMPONENT_KEYS"]

MARKETPLACE_FILE = ".claude-plugin/marketplace.json"
PLUGIN_FILE = ".claude-plugin/plugin.json"
# Component list key → artifact type.
COMPONENT_KEYS = {"skills": "skill", "commands": "command", "agents": "agent", "outputStyles": "output-style"}
_MAX_BYTES = 4 << 20  # a manifest larger than this is not a manifest


@dataclass(frozen=True)
class PluginEntry:
    """One plugin: where it lives and which components it names (empty: its folders say)."""

    name: str
    folder: str | None = None  # '/'-separated inside the upstream ("" = its root); None for a remote one
    remote: UpstreamSpec | None = None  # another repository (github, url, git-subdir)
    components: dict[str, tuple[str, ...]] = field(default_factory=dict)  # type → paths inside `folder`
    skipped: str | None = None  # why it cannot be added (an unknown source kind)


@dataclass(frozen=True)
class Marketplace:
    name: str | None
    plugins: tuple[PluginEntry, ...]
    single: bool = False  # a lone plugin (plugin.json), not a marketplace


def _load(path: Path, shown: str) -> dict[str, Any]:
    try:
        if path.is_symlink() or path.stat().st_size > _MAX_BYTES:
            raise UpstreamError(f"{shown} is a link or too large to be a manifest; fix it in the upstream.")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UpstreamError(f"{shown} cannot be read as JSON ({exc}); fix it in the upstream, "
                            "or add its artifacts one by one with --subdir.") from None
    if not isinstance(data, dict):
        raise UpstreamError(f"{shown} holds no JSON object; fix it in the upstream, or add artifacts with --subdir.")
    return data


def _paths(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _components(entry: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {type_: _paths(entry[key]) for key, type_ in COMPONENT_KEYS.items() if key in entry}


def _relative(path: str, where: str) -> str:
    """A path inside the upstream, '/'-separated, '' for its root; UpstreamError when it would climb out."""
    sub = clean_subdir(path.removeprefix("./") if path not in (".", "./") else None, where)
    return str(sub) if sub is not None else ""


def _remote(source: dict[str, Any]) -> UpstreamSpec | None:
    kind = source.get("source")
    ref = source.get("ref") if isinstance(source.get("ref"), str) else None
    ref = source.get("sha") if isinstance(source.get("sha"), str) else ref
    if kind == "github" and isinstance(source.get("repo"), str):
        return UpstreamSpec("git", f"https://github.com/{source['repo'].strip('/')}", ref, None)
    if kind == "url" and isinstance(source.get("url"), str):
        return UpstreamSpec("git", source["url"], ref, None)
    if kind == "git-subdir" and isinstance(source.get("url"), str):
        path = source.get("path") if isinstance(source.get("path"), str) else None
        return UpstreamSpec("git", source["url"], ref, (path or "").strip("/") or None)
    return None


def _entry(raw: Any, shown: str) -> PluginEntry | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
        return None
    name = raw["name"].strip()
    source = raw.get("source", "./")
    components = _components(raw)
    if isinstance(source, str):
        return PluginEntry(name, _relative(source, f"plugin {name!r} in {shown}"), None, components)
    if isinstance(source, dict):
        remote = _remote(source)
        if remote is not None:
            return PluginEntry(name, None, remote, components)
        kind = source.get("source")
        return PluginEntry(name, skipped=f"its source kind {kind!r} is not a git repository or a folder")
    return PluginEntry(name, skipped="its source is neither a path nor a repository")


def read_marketplace(root: Path, subdir: str | None = None) -> Marketplace | None:
    """The plugins `root` offers (marketplace.json, else plugin.json), or None when it says nothing."""
    where = f"{subdir.strip('/')}/" if subdir and subdir.strip("/") else ""
    market = root / MARKETPLACE_FILE
    if market.is_file():
        shown = where + MARKETPLACE_FILE
        data = _load(market, shown)
        plugins = data.get("plugins")
        entries = [_entry(raw, shown) for raw in (plugins if isinstance(plugins, list) else [])]
        name = data.get("name") if isinstance(data.get("name"), str) else None
        return Marketplace(name, tuple(e for e in entries if e is not None))
    single = root / PLUGIN_FILE
    if single.is_file():
        data = _load(single, where + PLUGIN_FILE)
        name = data.get("name") if isinstance(data.get("name"), str) and data["name"].strip() else root.name
        return Marketplace(None, (PluginEntry(name.strip(), "", None, _components(data)),), single=True)
    return None

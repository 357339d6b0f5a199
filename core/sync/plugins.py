"""Plugins: `add --all` (what a marketplace lists, else the folder layout), one plugin by name, and removing a plugin's artifacts.

A plugin is a group of artifacts remembered on each of them (`ArtifactInfo.plugin`): `add
--all` of a marketplace adds every plugin, `add --plugin NAME` one; a plugin in another
repository (github, url, git-subdir) is fetched as an upstream of its own, and its failure
is a note, never the end of the rest. `remove --plugin NAME` removes each of its artifacts
as `remove` does (the copy recorded first, the history kept). docs/upstreams.md, "Plugins".
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import LineageError, UpstreamError
from core.sync.adding import AddOutcome, add_found, discover_source

if TYPE_CHECKING:
    from core.sync.managing import RemoveOutcome
    from core.history import ArtifactInfo
    from core.upstreams import Discovery
    from core.workspace import Workspace

__all__ = ["add_all", "add_marketplace", "add_plugin", "remove_plugin", "plugin_artifacts"]


def add_marketplace(ws: "Workspace", discovery: "Discovery", *, only: str | None = None,
                    include_removed: bool = False) -> AddOutcome:
    """Track what the marketplace lists (or only the plugin `only`), each artifact in its plugin."""
    from core.upstreams import discover, find_plugin

    market = discovery.marketplace
    assert market is not None
    local = [f for f in discovery.artifacts if only is None or f.plugin == only]
    outcome = add_found(ws, discovery.spec, local, include_removed=include_removed)
    added, skipped, found = list(outcome.added), list(outcome.skipped), list(outcome.found)
    notes = [f"plugin {p.name!r} skipped: {p.skipped}" for p in market.plugins
             if p.skipped and (only is None or p.name == only)]
    for entry in discovery.remote_plugins:
        if only is not None and entry.name != only:
            continue
        assert entry.remote is not None
        try:
            remote = discover(entry.remote, ws.home.git_cache_dir)
        except LineageError as exc:
            notes.append(f"plugin {entry.name!r} from {entry.remote.location} not added: {exc}")
            continue
        items = find_plugin(Path(remote.fetched.path), remote.spec.subdir, entry)
        part = add_found(ws, remote.spec, items, include_removed=include_removed)
        added += part.added
        skipped += part.skipped
        found += part.found
    return AddOutcome(tuple(added), tuple(skipped), tuple(found), discovery.spec, tuple(notes))


def add_all(ws: "Workspace", source: str, *, ref: str | None = None, subdir: str | None = None,
            include_removed: bool = False, folder: bool = False) -> AddOutcome:
    """`add --all`: every artifact the upstream holds at `subdir` (docs/upstreams.md, "Discovering"),
    with the plugins a marketplace lists in other repositories (core.sync.plugins)."""
    discovery = discover_source(ws, source, ref=ref, subdir=subdir, folder=folder)
    if discovery.marketplace is not None:
        return add_marketplace(ws, discovery, include_removed=include_removed)
    if not discovery.artifacts:
        where = f"{source}" + (f" ({discovery.spec.subdir})" if discovery.spec.subdir else "")
        if discovery.root_is_skill:
            raise UpstreamError(f"{where} is itself one skill (it holds SKILL.md); add it with `add NAME --source ...`.")
        raise UpstreamError(
            f"Found no artifacts in {where}: looked for .claude-plugin/marketplace.json, skills/*/SKILL.md, "
            "*/SKILL.md, commands/*.md, agents/*.md and output-styles/*.md; give --subdir to look in a sub-folder."
        )
    return add_found(ws, discovery.spec, discovery.artifacts, include_removed=include_removed)


def add_plugin(ws: "Workspace", name: str, source: str, *, ref: str | None = None, subdir: str | None = None,
               include_removed: bool = False, folder: bool = False) -> AddOutcome:
    """`add --plugin NAME --source SRC`: one plugin's artifacts, remembered as that plugin."""
    ws.require_writable(f"add the plugin {name!r}")
    discovery = discover_source(ws, source, ref=ref, subdir=subdir, folder=folder)
    if discovery.marketplace is None:
        raise UpstreamError(f"{source} has no .claude-plugin/marketplace.json or plugin.json, so it lists no plugin "
                            f"{name!r}; add its artifacts with `add --all --source {source}`.")
    if name not in discovery.plugins:
        raise UpstreamError(f"{source} lists no plugin {name!r} (it lists {', '.join(discovery.plugins) or 'none'}); "
                            "give one of those names.")
    outcome = add_marketplace(ws, discovery, only=name, include_removed=include_removed)
    if not outcome.found and not outcome.notes:
        raise UpstreamError(f"The plugin {name!r} in {source} names no skill, command, agent or output style "
                            "that exists there; nothing was added.")
    return outcome


def plugin_artifacts(ws: "Workspace", name: str) -> list["ArtifactInfo"]:
    """The tracked artifacts of plugin `name` (ArtifactInfo), by type and name."""
    return [a for a in ws.history.list_artifacts() if a.plugin == name]


def remove_plugin(ws: "Workspace", name: str, *, purge: bool = False) -> list["RemoveOutcome"]:
    """Remove every artifact of plugin `name` as `remove` does; UpstreamError when none is tracked."""
    from core.sync.managing import remove_artifact

    ws.require_writable(f"remove the plugin {name!r}")
    artifacts = plugin_artifacts(ws, name)
    if not artifacts:
        known = sorted({a.plugin for a in ws.history.list_artifacts() if a.plugin})
        raise UpstreamError(f"No tracked artifact belongs to the plugin {name!r}"
                            + (f" (plugins tracked: {', '.join(known)})" if known else " (no plugin is tracked)")
                            + "; `status` lists them by plugin.")
    return [remove_artifact(ws, a, purge=purge) for a in artifacts]

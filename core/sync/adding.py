"""Adding an artifact: validate its upstream, infer its type, shape and place, record it (no copy yet)."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from core.errors import UpstreamError

if TYPE_CHECKING:  # imported lazily at run time so `import core.sync` stays cheap for the CLI
    from core.history import ArtifactInfo
    from core.workspace import Workspace

__all__ = ["add_artifact"]


def add_artifact(
    ws: "Workspace",
    name: str,
    source: str,
    *,
    type: str | None = None,
    ref: str | None = None,
    subdir: str | None = None,
) -> "ArtifactInfo":
    """Track a new artifact: validate its upstream, infer type and shape, record it (no copy yet)."""
    from core.upstreams import sources
    from core.workspace.collection import (
        SKILL_FILE, folder_name_max, infer_shape, infer_type, place_for, validate_name, validate_type,
    )

    ws.require_writable(f"add {name!r}")
    name_max = folder_name_max(ws.home.collection_dir)
    validate_name(name, name_max=name_max)
    if type is not None:
        validate_type(type)
    spec = sources.infer_spec(source, ref=ref or None, subdir=(subdir or "").strip("/") or None)
    kind, location, subdir = spec.kind, spec.location, spec.subdir
    check = sources.validate
    fetched = check(spec, ws.home.git_cache_dir)
    path = Path(fetched.path)
    if path.name == SKILL_FILE and path.is_file() and type in (None, "skill"):
        # A skill is its whole folder (SKILL.md plus scripts): track the parent instead.
        if subdir:
            parent = str(PurePosixPath(subdir).parent)
            spec = dataclasses.replace(spec, subdir=None if parent in ("", ".") else parent)
        elif kind == "folder":
            spec = dataclasses.replace(spec, location=str(Path(location).parent))
        fetched = check(spec, ws.home.git_cache_dir)
        path = Path(fetched.path)
    if not os.path.lexists(path):
        raise UpstreamError(f"The upstream {source!r} has nothing at {str(path)!r}; check the path.")
    hint = "/".join(p for p in (location, spec.subdir or "") if p)
    art_type = type or infer_type(path, hint)
    shape = infer_shape(path)
    place = place_for(name, art_type, shape, path.name, name_max=name_max)
    return ws.history.add_artifact(name, art_type, spec, place, shape)

"""Upstreams: a local folder, or a git repository at a ref and an optional sub-folder.
CONTRACT STUB: helper D implements everything but UpstreamSpec."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

UpstreamKind = Literal["folder", "git"]


@dataclass(frozen=True)
class UpstreamSpec:
    """Where an artifact comes from. `location` is a folder/file path or a git URL/path."""

    kind: UpstreamKind
    location: str
    ref: str | None = None  # git only: branch, tag or commit; None = remote default branch
    subdir: str | None = None  # path inside the folder or repository ("" or None = root)


@dataclass(frozen=True)
class FetchedUpstream:
    """The upstream content, readable on local disk now."""

    path: Path  # the artifact root: a directory, or a single file
    commit: str | None = None  # git: the resolved commit id
    metadata: dict[str, Any] = field(default_factory=dict)  # goes into the version's metadata


def fetch(spec: UpstreamSpec, git_cache_dir: Path) -> FetchedUpstream:
    """Make the upstream's current content readable on disk. Raises UpstreamError."""
    raise NotImplementedError

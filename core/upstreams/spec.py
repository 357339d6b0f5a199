"""What an upstream is: its description (UpstreamSpec), its fetched content (FetchedUpstream),
and the checks on locations and sub-folders that folder and git upstreams share."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from core.errors import UpstreamError

__all__ = ["UpstreamKind", "UpstreamSpec", "FetchedUpstream", "ALLOWED_PROTOCOLS",
           "looks_like_url", "SCP_LIKE", "refuse_dangerous_transport", "clean_subdir"]

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


ALLOWED_PROTOCOLS = ("file", "git", "ssh", "https", "http")
_URL_SCHEMES = ("https://", "http://", "ssh://", "git://", "file://", "git+ssh://", "ssh+git://")
SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+:(?!//)")
_TRANSPORT_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)::")


def looks_like_url(source: str) -> bool:
    low = source.lower()
    return low.startswith(_URL_SCHEMES) or bool(SCP_LIKE.match(source) or _TRANSPORT_PREFIX.match(source))


def refuse_dangerous_transport(location: str) -> None:
    m = _TRANSPORT_PREFIX.match(location)
    if m and m.group(1).lower() not in ALLOWED_PROTOCOLS:
        raise UpstreamError(
            f"The git URL {location!r} uses the '{m.group(1)}::' transport, which can run arbitrary "
            "commands and is disabled; use an https, ssh, git or file URL or a local path."
        )


def clean_subdir(subdir: str | None, where: str) -> PurePosixPath | None:
    """A relative sub-folder path that cannot climb out of the upstream."""
    if subdir is None or subdir.strip() in ("", ".", "/"):
        return None
    p = PurePosixPath(subdir.replace("\\", "/").strip().strip("/"))
    if p.is_absolute() or any(part == ".." for part in p.parts) or "\0" in subdir:
        raise UpstreamError(
            f"The sub-folder {subdir!r} of {where} must be a relative path inside it without '..'; "
            "give another (`edit NAME --subdir DIR` changes a tracked artifact's)."
        )
    return PurePosixPath(*[part for part in p.parts if part != "."])

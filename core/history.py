"""Artifacts and their versions: recording, deduplication, lineage. CONTRACT STUB: helper C implements.

Values returned here are plain dataclasses (never ORM objects) so they can cross threads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from core.sources import UpstreamSpec

ArtifactType = Literal["skill", "command", "agent", "other"]
ArtifactShape = Literal["dir", "file"]
ChangeOrigin = Literal["sync", "local_modification", "deployment"]
ARTIFACT_TYPES: tuple[str, ...] = ("skill", "command", "agent", "other")
CHANGE_ORIGINS: tuple[str, ...] = ("sync", "local_modification", "deployment")


@dataclass(frozen=True)
class ArtifactInfo:
    id: int
    name: str
    type: str
    upstream: UpstreamSpec
    place: str  # path inside the collection, '/'-separated: "skills/pdf", "commands/review.md"
    shape: str  # "dir" or "file"
    created_at: datetime


@dataclass(frozen=True)
class VersionInfo:
    id: int
    artifact_id: int
    content_hash: str
    parent_hash: str | None
    parent_id: int | None  # None for a root or a legacy parent
    second_parent_id: int | None
    change_origin: str
    created_at: datetime  # timezone-aware UTC
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordOutcome:
    recorded: bool
    version: VersionInfo | None  # the new version, or the existing one that made it a duplicate
    reason: str | None = None  # why nothing was recorded, for people


class _Head:
    """Sentinel: 'the parent is the artifact's current head'."""


HEAD = _Head()


class History:
    def __init__(self, db: "object") -> None:  # core.db.Database
        raise NotImplementedError

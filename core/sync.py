"""Sync states and "Sync now". CONTRACT STUB: helper F implements."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable


class SyncState(str, enum.Enum):
    NEW = "new"
    UP_TO_DATE = "up_to_date"
    UPSTREAM_CHANGED = "upstream_changed"
    LOCALLY_MODIFIED = "locally_modified"
    DIVERGED = "diverged"
    ERROR = "error"


class Strategy(str, enum.Enum):
    KEEP_LOCAL = "keep-local"
    TAKE_UPSTREAM = "take-upstream"


@dataclass(frozen=True)
class ArtifactStatus:
    artifact_id: int
    name: str
    type: str
    state: SyncState
    head: str | None  # content hash of the newest recorded version
    base: str | None  # content hash of the last synced version
    local: str | None  # collection copy now
    upstream: str | None  # upstream now
    error: str | None = None


@dataclass(frozen=True)
class SyncResult:
    artifact_id: int
    name: str
    type: str
    state: SyncState  # the state found before acting
    action: str  # "copied", "replaced", "kept-local", "nothing", "failed", "cancelled"
    old_hash: str | None
    new_hash: str | None
    version_id: int | None  # the version recorded, if any
    version_recorded: bool
    not_recorded_reason: str | None = None
    error: str | None = None
    conflict: bool = False


ProgressCallback = Callable[[int, int, str], None]  # (done, total, current artifact name)
CancelCheck = Callable[[], bool]

"""The workspace: the data folder and everything opened in it, and where artifacts live there.

Owns the data folder (DataHome: platformdirs, --home, the environment), the collection's
layout (which place an artifact of a type and shape takes), `Workspace`, which opens
database, history, object store and stat cache together and finishes interrupted swaps
first, the pending records that let a verb's version survive a crash after its swap, the one
crash-safe replace every verb uses (replace.py) and the per-artifact lock (locks.py).
Importing it is cheap: the data folder's paths are imported here; the collection's rules
(which bring in core.atomic), the pending records and Workspace on first use, so
`main.py hash`, which needs only the stat cache's path, imports none of them
(tests/e2e/test_cli_imports.py).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from core.workspace.paths import DataHome, resolve_db_url, resolve_home

if TYPE_CHECKING:
    from core.workspace.collection import (
        CollectionPlaceError, InvalidNameError, PlaceCheck, check_place, make_parents, path_of, place_for,
    )
    from core.workspace.locks import artifact_lock
    from core.workspace.pending import PendingRecord, PendingRecords
    from core.workspace.replace import ANY, CopyPlace, RecordFailed, collection_place, live_content, remove_copy, replace_copy
    from core.workspace.workspace import Workspace

__all__ = ["Workspace", "DataHome", "resolve_home", "resolve_db_url", "InvalidNameError", "path_of", "place_for",
           "PendingRecord", "PendingRecords",
           "CollectionPlaceError", "PlaceCheck", "check_place", "make_parents", "artifact_lock",
           "ANY", "RecordFailed", "CopyPlace", "collection_place", "live_content", "remove_copy", "replace_copy"]

_LAZY = {
    "CollectionPlaceError": "core.workspace.collection",
    "PlaceCheck": "core.workspace.collection",
    "check_place": "core.workspace.collection",
    "make_parents": "core.workspace.collection",
    "Workspace": "core.workspace.workspace",
    "InvalidNameError": "core.workspace.collection",
    "path_of": "core.workspace.collection",
    "place_for": "core.workspace.collection",
    "PendingRecord": "core.workspace.pending",
    "PendingRecords": "core.workspace.pending",
    "artifact_lock": "core.workspace.locks",
    "ANY": "core.workspace.replace",
    "RecordFailed": "core.workspace.replace",
    "CopyPlace": "core.workspace.replace",
    "collection_place": "core.workspace.replace",
    "live_content": "core.workspace.replace",
    "remove_copy": "core.workspace.replace",
    "replace_copy": "core.workspace.replace",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later lookups are plain attributes
    return value

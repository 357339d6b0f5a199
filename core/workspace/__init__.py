"""The workspace: the data folder and everything opened in it, and where artifacts live there.

Owns the data folder (DataHome: platformdirs, --home, the environment), the collection's
layout (which place an artifact of a type and shape takes), and `Workspace`, which opens
database, history, object store and stat cache together and finishes interrupted swaps
first. Importing it is cheap: the data folder's paths are imported here; the collection's
rules (which bring in core.atomic) and Workspace on first use, so `main.py hash`, which
needs only the stat cache's path, imports neither (tests/e2e/test_cli_imports.py).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from core.workspace.paths import DataHome, resolve_db_url, resolve_home

if TYPE_CHECKING:
    from core.workspace.collection import InvalidNameError, path_of, place_for
    from core.workspace.workspace import Workspace

__all__ = ["Workspace", "DataHome", "resolve_home", "resolve_db_url", "InvalidNameError", "path_of", "place_for"]

_LAZY = {
    "Workspace": "core.workspace.workspace",
    "InvalidNameError": "core.workspace.collection",
    "path_of": "core.workspace.collection",
    "place_for": "core.workspace.collection",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later lookups are plain attributes
    return value

"""What the window remembers (QSettings): its geometry, toolbar and splitter layout, and,
per data folder, the artifact and version shown last.

The selection belongs to one history, so it is kept under a group named by a hash of
the data folder's path (`data_folder_group`); the layout keys are shared by all.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from core.workspace import Workspace

# (settings key, what saves that state, what restores it)
LayoutPart = tuple[str, Callable[[], QByteArray], Callable[[QByteArray], object]]


def data_folder_group(ws: Workspace) -> str:
    """The settings group of one data folder: what was selected belongs to that history."""
    root = str(Path(ws.home.root).resolve())
    return "data/" + hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]


class WindowSettings:
    """Reads and writes the window's keys in `settings` for the data folder of `ws`."""

    def __init__(self, settings: QSettings, ws: Workspace) -> None:
        self.settings = settings
        self._group = data_folder_group(ws)

    def _key(self, name: str) -> str:
        return f"{self._group}/{name}"

    # ---- layout ----------------------------------------------------------
    def restore_layout(self, parts: list[LayoutPart]) -> set[str]:
        """Restore what was saved; returns the keys that were (a part not among them keeps its defaults)."""
        restored = set()
        for key, _save, restore in parts:
            value = self.settings.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                restore(value)
                restored.add(key)
        return restored

    def save_layout(self, parts: list[LayoutPart]) -> None:
        for key, save, _restore in parts:
            self.settings.setValue(key, save())

    # ---- selection (per data folder) ---------------------------------------
    def remember_selection(self, artifact_id: int | None, version_id: int | None) -> None:
        if artifact_id is not None:
            self.settings.setValue(self._key("selection/artifact"), artifact_id)
        if version_id is not None:
            self.settings.setValue(self._key("selection/version"), version_id)

    def remember_artifact_only(self, artifact_id: int) -> None:
        self.settings.setValue(self._key("selection/artifact"), artifact_id)
        self.settings.remove(self._key("selection/version"))

    def forget_selection(self) -> None:
        self.settings.remove(self._key("selection/artifact"))
        self.settings.remove(self._key("selection/version"))

    def remembered_artifact(self) -> int | None:
        return self._int("selection/artifact")

    def remembered_version(self) -> int | None:
        return self._int("selection/version")

    def _int(self, name: str) -> int | None:
        value = self.settings.value(self._key(name))
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def sync(self) -> None:
        self.settings.sync()

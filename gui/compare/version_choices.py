"""The compare panel's "Compare with" list as a model: the parent first, then every other
version of the artifact, newest first.

A history of 10,000 versions would cost 10,000 `QComboBox.addItem` calls (and as many
measurements of their text) each time a version is selected; this model holds the
version list and makes a label only when the combo shows that row.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from core.history import VersionInfo

VersionIdRole = Qt.ItemDataRole.UserRole  # what QComboBox.itemData / currentData read

Label = Callable[[VersionInfo], str]


class VersionChoices(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._first = ""
        self._versions: list[VersionInfo] = []
        self._label: Label = lambda v: f"#{v.id}"

    def set_choices(self, first: str, versions: list[VersionInfo], label: Label) -> None:
        """Row 0 says `first` (no version: the parent, or nothing); then `versions`."""
        self.beginResetModel()
        self._first, self._versions, self._label = first, versions, label
        self.endResetModel()

    def row_of(self, version_id: int | None) -> int:
        """The row holding `version_id`; 0 (the first row) when it is not listed."""
        if version_id is None:
            return 0
        return next((i + 1 for i, v in enumerate(self._versions) if v.id == version_id), 0)

    def version_at(self, row: int) -> VersionInfo | None:
        return self._versions[row - 1] if 1 <= row <= len(self._versions) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._versions) + 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        version = self.version_at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._first if version is None else self._label(version)
        if role == VersionIdRole:
            return None if version is None else version.id
        if role == Qt.ItemDataRole.ToolTipRole and version is not None:
            return version.content_hash
        return None

"""The artifact list: a tree model grouped by type, and a proxy that filters it.

Rows are fed by `History.list_artifacts()` (names, types) and by
`core.sync.status_all` / sync results (states). The model only stores and shows
what core said; it decides nothing.
"""
from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from core.history import ArtifactInfo
from core.sync import ArtifactStatus
from gui import icons
from core.textsafe import printable

ArtifactIdRole = Qt.ItemDataRole.UserRole + 1
StateRole = Qt.ItemDataRole.UserRole + 2
ErrorRole = Qt.ItemDataRole.UserRole + 3
IsGroupRole = Qt.ItemDataRole.UserRole + 4
NameRole = Qt.ItemDataRole.UserRole + 5

GROUPS: tuple[tuple[str, str], ...] = (
    ("skill", "Skills"),
    ("command", "Commands"),
    ("agent", "Agents"),
    ("other", "Other"),
)
NAME_COLUMN, STATE_COLUMN = 0, 1


class ArtifactListModel(QStandardItemModel):
    """Two columns (name, state); top-level rows are the type groups."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Artifact", "State"])
        self._rows: dict[int, tuple[QStandardItem, QStandardItem]] = {}
        self._infos: dict[int, ArtifactInfo] = {}
        self._statuses: dict[int, ArtifactStatus] = {}

    # --- feeding -----------------------------------------------------------
    def set_artifacts(self, artifacts: Iterable[ArtifactInfo]) -> None:
        """Rebuild the rows; states already known for an id are kept."""
        self.beginResetModel()
        self.blockSignals(True)
        try:
            self.removeRows(0, self.rowCount())
            self._rows.clear()
            self._infos = {a.id: a for a in artifacts}
            by_type: dict[str, list[ArtifactInfo]] = {}
            for info in self._infos.values():
                group = info.type if info.type in dict(GROUPS) else "other"
                by_type.setdefault(group, []).append(info)
            for type_key, label in GROUPS:
                members = sorted(by_type.get(type_key, []), key=lambda a: a.name.lower())
                if not members:
                    continue
                group = QStandardItem(f"{label} ({len(members)})")
                group.setData(True, IsGroupRole)
                group.setData(type_key, NameRole)
                group.setFont(icons.group_font(group.font()))
                group.setSelectable(False)
                group.setEditable(False)
                filler = QStandardItem()
                filler.setSelectable(False)
                filler.setEditable(False)
                for info in members:
                    name_item = QStandardItem(printable(info.name))
                    name_item.setEditable(False)
                    name_item.setData(info.id, ArtifactIdRole)
                    name_item.setData(info.name, NameRole)
                    name_item.setData(False, IsGroupRole)
                    state_item = QStandardItem()
                    state_item.setEditable(False)
                    state_item.setData(info.id, ArtifactIdRole)
                    group.appendRow([name_item, state_item])
                    self._rows[info.id] = (name_item, state_item)
                    self._paint_state(info.id)
                self.appendRow([group, filler])
        finally:
            self.blockSignals(False)
            self.endResetModel()

    def set_statuses(self, statuses: Iterable[ArtifactStatus]) -> None:
        for status in statuses:
            self._statuses[status.artifact_id] = status
            self._paint_state(status.artifact_id)

    def set_error(self, artifact_id: int, message: str) -> None:
        """Show a failure on one artifact (e.g. from a sync result) without touching others."""
        old = self._statuses.get(artifact_id)
        info = self._infos.get(artifact_id)
        if old is None and info is None:
            return
        self._statuses[artifact_id] = ArtifactStatus(
            artifact_id=artifact_id,
            name=old.name if old else info.name,  # type: ignore[union-attr]
            type=old.type if old else info.type,  # type: ignore[union-attr]
            state=icons.SyncState.ERROR,
            head=old.head if old else None,
            base=old.base if old else None,
            local=old.local if old else None,
            upstream=old.upstream if old else None,
            error=message,
        )
        self._paint_state(artifact_id)

    # --- reading -----------------------------------------------------------
    def status(self, artifact_id: int) -> ArtifactStatus | None:
        return self._statuses.get(artifact_id)

    def info(self, artifact_id: int) -> ArtifactInfo | None:
        return self._infos.get(artifact_id)

    def artifact_ids(self) -> list[int]:
        return list(self._infos)

    def state_of(self, artifact_id: int) -> str:
        status = self._statuses.get(artifact_id)
        return status.state.value if status else "checking"

    def index_of(self, artifact_id: int, column: int = NAME_COLUMN) -> QModelIndex:
        row = self._rows.get(artifact_id)
        return row[column].index() if row else QModelIndex()

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for artifact_id in self._infos:
            state = self.state_of(artifact_id)
            out[state] = out.get(state, 0) + 1
        return out

    # --- painting ----------------------------------------------------------
    def _paint_state(self, artifact_id: int) -> None:
        row = self._rows.get(artifact_id)
        if row is None:
            return
        name_item, state_item = row
        state = self.state_of(artifact_id)
        status = self._statuses.get(artifact_id)
        text = icons.state_text(state)
        state_item.setText(text)
        state_item.setData(state, StateRole)
        name_item.setData(state, StateRole)
        name_item.setIcon(icons.state_icon(state))
        error = status.error if status else None
        name_item.setData(error, ErrorRole)
        state_item.setData(error, ErrorRole)
        info = self._infos.get(artifact_id)
        tip = printable(error) if error else self._tooltip(info, text)
        name_item.setToolTip(tip)
        state_item.setToolTip(tip)

    @staticmethod
    def _tooltip(info: ArtifactInfo | None, state_text: str) -> str:
        if info is None:
            return state_text
        up = info.upstream
        where = up.location + (f" @ {up.ref}" if up.ref else "") + (f" : {up.subdir}" if up.subdir else "")
        return (f"{printable(info.name)} ({info.type}) — {state_text}\nupstream: {printable(where)}\n"
                f"in collection: {printable(info.place)}")


class ArtifactFilterProxy(QSortFilterProxyModel):
    """Case-insensitive substring filter on name, type and state text.

    Groups are never accepted on their own: recursive filtering keeps a group
    while one of its artifacts matches, so groups with no match disappear.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self._needle = ""

    def filter_text(self) -> str:
        return self._needle

    def set_filter_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9 deprecates invalidateFilter()
            self.beginFilterChange()
            self._needle = text.strip().lower()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle = text.strip().lower()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, NAME_COLUMN, source_parent)
        if index.data(IsGroupRole):
            return False
        if not self._needle:
            return True
        state = model.index(source_row, STATE_COLUMN, source_parent).data() or ""
        haystack = " ".join([str(index.data(NameRole) or ""), str(source_parent.data(NameRole) or ""), state])
        return self._needle in haystack.lower()

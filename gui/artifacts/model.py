"""The artifact list: a tree model grouped by plugin, then by type, and a proxy that filters it.

Rows are fed by `History.list_artifacts()` (names, types) and by
`core.sync.status_all` / sync results (states). The model only stores and shows
what core said; it decides nothing.

It holds plain `ArtifactRow` values and answers `data()` from them; there is no
item object per cell. States arrive for every artifact at once (at start, twice per
Sync now), so `set_statuses` changes the rows in place and emits one `dataChanged`
per group, from its first row whose shown state or error changed to its last, and
nothing when none did. Nothing then calls back into Python per row: artifact rows say
they never have children (the tree would ask each), and the proxy re-filters changed
rows only while a filter text is typed (the state text is matched then). The cost of an
update is one pass over the statuses, whatever the collection's size.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication

from core.history import ArtifactInfo
from core.sync import ArtifactStatus, SyncState
from core.textsafe import printable
from gui.style import icons

ArtifactIdRole = Qt.ItemDataRole.UserRole + 1
StateRole = Qt.ItemDataRole.UserRole + 2
ErrorRole = Qt.ItemDataRole.UserRole + 3
IsGroupRole = Qt.ItemDataRole.UserRole + 4
NameRole = Qt.ItemDataRole.UserRole + 5

GROUPS: tuple[tuple[str, str], ...] = (
    ("skill", "Skills"),
    ("command", "Commands"),
    ("agent", "Agents"),
    ("output-style", "Output styles"),
    ("other", "Other"),
)
NAME_COLUMN, STATE_COLUMN = 0, 1
CHECKING = "checking"  # the state shown before the first status run answers
HEADERS = ("Artifact", "State")
# What a state change can alter in a row; views and the proxy re-read only these.
STATE_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole,
               StateRole, ErrorRole]

Index = QModelIndex | QPersistentModelIndex
# An artifact row never has children: the tree view then never asks (a call per row on every dataChanged).
_ARTIFACT_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


@dataclass(slots=True)
class ArtifactRow:
    """One artifact as the list shows it."""

    info: ArtifactInfo
    state: str = CHECKING
    error: str | None = None

    def tooltip(self) -> str:
        if self.error:
            return printable(self.error)
        info, text = self.info, icons.state_text(self.state)
        up = info.upstream
        where = up.location + (f" @ {up.ref}" if up.ref else "") + (f" : {up.subdir}" if up.subdir else "")
        return (f"{printable(info.name)} ({info.type}) — {text}\nupstream: {printable(where)}\n"
                f"in collection: {printable(info.place)}")


@dataclass(slots=True)
class GroupRow:
    """A type group (Skills, Commands…): a top-level row whose children are its artifacts."""

    type_key: str
    label: str
    rows: list[ArtifactRow] = field(default_factory=list)

    def title(self) -> str:
        return f"{self.label} ({len(self.rows)})"


class ArtifactListModel(QAbstractItemModel):
    """Two columns (name, state); top-level rows are the type groups.

    An index's internal id says where it lives: 0 for a group row, group number + 1
    for an artifact row inside that group.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[GroupRow] = []
        self._where: dict[int, tuple[int, int]] = {}  # artifact id -> (group, row)
        self._infos: dict[int, ArtifactInfo] = {}
        self._statuses: dict[int, ArtifactStatus] = {}
        self._icons: dict[str, QIcon] = {}
        self._group_font: QFont | None = None

    # --- feeding -----------------------------------------------------------
    def set_artifacts(self, artifacts: Iterable[ArtifactInfo]) -> None:
        """Rebuild the rows; states already known for an id are kept."""
        self.beginResetModel()
        self._infos = {a.id: a for a in artifacts}
        known = {key for key, _ in GROUPS}
        by_type: dict[str, list[ArtifactInfo]] = {}
        by_plugin: dict[str, list[ArtifactInfo]] = {}
        for info in self._infos.values():
            if info.plugin:  # an artifact added with its plugin sits in the plugin's group (as `status` shows it)
                by_plugin.setdefault(info.plugin, []).append(info)
            else:
                by_type.setdefault(info.type if info.type in known else "other", []).append(info)
        self._groups = []
        self._where = {}
        groups = [(f"plugin:{p}", f"Plugin {printable(p)}", by_plugin[p]) for p in sorted(by_plugin)]
        groups += [(type_key, label, by_type.get(type_key, [])) for type_key, label in GROUPS]
        for type_key, label, found in groups:
            members = sorted(found, key=lambda a: (a.type, a.name.lower()) if type_key.startswith("plugin:")
                             else a.name.lower())
            if not members:
                continue
            group = GroupRow(type_key, label)
            g = len(self._groups)
            for r, info in enumerate(members):
                row = ArtifactRow(info)
                self._show_status(row, self._statuses.get(info.id))
                group.rows.append(row)
                self._where[info.id] = (g, r)
            self._groups.append(group)
        self.endResetModel()

    def set_statuses(self, statuses: Iterable[ArtifactStatus]) -> None:
        changed: list[tuple[int, int]] = []
        for status in statuses:
            self._statuses[status.artifact_id] = status
            where = self._where.get(status.artifact_id)
            if where is not None and self._show_status(self._row_at(where), status):
                changed.append(where)
        self._emit_changed(changed)

    def set_error(self, artifact_id: int, message: str) -> None:
        """Show a failure on one artifact (e.g. from a sync result) without touching others."""
        old = self._statuses.get(artifact_id)
        info = self._infos.get(artifact_id)
        if old is None and info is None:
            return
        self.set_statuses([ArtifactStatus(
            artifact_id=artifact_id,
            name=old.name if old else info.name,  # type: ignore[union-attr]
            type=old.type if old else info.type,  # type: ignore[union-attr]
            state=SyncState.ERROR,
            head=old.head if old else None,
            base=old.base if old else None,
            local=old.local if old else None,
            upstream=old.upstream if old else None,
            error=message,
        )])

    @staticmethod
    def _show_status(row: ArtifactRow, status: ArtifactStatus | None) -> bool:
        """Copy what the list shows of `status` into `row`; True when that changed."""
        state = status.state.value if status is not None else CHECKING
        error = status.error if status is not None else None
        if (row.state, row.error) == (state, error):
            return False
        row.state, row.error = state, error
        return True

    def _emit_changed(self, changed: list[tuple[int, int]]) -> None:
        """One dataChanged per group, from its first changed row to its last, both columns."""
        spans: dict[int, tuple[int, int]] = {}
        for group, row in changed:
            first, last = spans.get(group, (row, row))
            spans[group] = (min(first, row), max(last, row))
        for group, (first, last) in sorted(spans.items()):
            parent = self.index(group, 0)
            self.dataChanged.emit(self.index(first, NAME_COLUMN, parent), self.index(last, STATE_COLUMN, parent),
                                  STATE_ROLES)

    # --- reading -----------------------------------------------------------
    def status(self, artifact_id: int) -> ArtifactStatus | None:
        return self._statuses.get(artifact_id)

    def info(self, artifact_id: int) -> ArtifactInfo | None:
        return self._infos.get(artifact_id)

    def artifact_ids(self) -> list[int]:
        return list(self._infos)

    def state_of(self, artifact_id: int) -> str:
        status = self._statuses.get(artifact_id)
        return status.state.value if status else CHECKING

    def index_of(self, artifact_id: int, column: int = NAME_COLUMN) -> QModelIndex:
        where = self._where.get(artifact_id)
        if where is None:
            return QModelIndex()
        group, row = where
        return self.index(row, column, self.index(group, 0))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for artifact_id in self._infos:
            state = self.state_of(artifact_id)
            out[state] = out.get(state, 0) + 1
        return out

    def names(self) -> list[str]:
        """The names as the list shows them."""
        return [printable(info.name) for info in self._infos.values()]

    def group_titles(self) -> list[str]:
        return [group.title() for group in self._groups]

    def _row_at(self, where: tuple[int, int]) -> ArtifactRow:
        return self._groups[where[0]].rows[where[1]]

    # --- QAbstractItemModel ------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if column not in (NAME_COLUMN, STATE_COLUMN) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(self._groups) else QModelIndex()
        if parent.internalId() != 0 or parent.column() != 0:
            return QModelIndex()  # artifact rows have no children
        group = parent.row()
        if group < len(self._groups) and row < len(self._groups[group].rows):
            return self.createIndex(row, column, group + 1)
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0 and parent.row() < len(self._groups):
            return len(self._groups[parent.row()].rows)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(HEADERS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == 0:
            return Qt.ItemFlag.ItemIsEnabled  # a group heading: never selected
        return _ARTIFACT_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._group_data(self._groups[index.row()], index.column(), role)
        row = self._groups[index.internalId() - 1].rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return printable(row.info.name) if column == NAME_COLUMN else icons.state_text(row.state)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(row.state) if column == NAME_COLUMN else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip()
        if role == ArtifactIdRole:
            return row.info.id
        if role == StateRole:
            return row.state
        if role == ErrorRole:
            return row.error
        if role == NameRole:
            return row.info.name if column == NAME_COLUMN else None
        if role == IsGroupRole:
            return False
        return None

    def _group_data(self, group: GroupRow, column: int, role: int):
        if column != NAME_COLUMN:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return group.title()
        if role == Qt.ItemDataRole.FontRole:
            if self._group_font is None:
                self._group_font = icons.group_font(QApplication.font())
            return self._group_font
        if role == IsGroupRole:
            return True
        if role == NameRole:
            return group.type_key
        return None

    def _icon(self, state: str) -> QIcon:
        icon = self._icons.get(state)
        if icon is None:
            icon = self._icons[state] = icons.state_icon(state)
        return icon


class ArtifactFilterProxy(QSortFilterProxyModel):
    """Case-insensitive substring filter on name, type and state text.

    Groups are never accepted on their own: recursive filtering keeps a group
    while one of its artifacts matches, so groups with no match disappear.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self._needle = ""
        # With no filter text a state change cannot hide or show a row: the proxy need not
        # filter the rows of every dataChanged again (1,000 calls into Python per status run).
        self.setDynamicSortFilter(False)

    def filter_text(self) -> str:
        return self._needle

    def set_filter_text(self, text: str) -> None:
        self.setDynamicSortFilter(bool(text.strip()))  # the state text is matched: follow its changes
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9 deprecates invalidateFilter()
            self.beginFilterChange()
            self._needle = text.strip().lower()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle = text.strip().lower()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not source_parent.isValid():
            return False  # a group row (the top level): kept while one of its artifacts is
        if not self._needle:
            return True
        model = self.sourceModel()
        index = model.index(source_row, NAME_COLUMN, source_parent)
        state = model.index(source_row, STATE_COLUMN, source_parent).data() or ""
        haystack = " ".join([str(index.data(NameRole) or ""), str(source_parent.data(NameRole) or ""), state])
        return self._needle in haystack.lower()

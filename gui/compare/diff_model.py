"""The file table of a comparison (a Qt model over core.diff.FileChange) and its colours.

Colours are picked from the palette's lightness so they stay readable on light
and dark themes; the status is also spelled out, never colour alone.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap

from core.diff import FileChange, human_size
from core.textsafe import printable

STATUS_TEXT = {
    "added": "added",
    "removed": "removed",
    "modified": "modified",
    "mode_changed": "mode changed",
    "renamed": "renamed",
}
# (on a light background, on a dark background)
_STATUS_COLORS = {
    "added": ("#1a7f37", "#56d364"),
    "removed": ("#cf222e", "#ff7b72"),
    "modified": ("#9a6700", "#e3b341"),
    "mode_changed": ("#8250df", "#d2a8ff"),
    "renamed": ("#0969da", "#79c0ff"),
}
# Line backgrounds of the text diff: (light, dark).
_LINE_BACKGROUNDS = {
    "+": ("#dafbe1", "#1b4721"),
    "-": ("#ffebe9", "#5a1e1e"),
    "@": ("#ddf4ff", "#1c2f45"),
}

CHANGE_ROLE = Qt.ItemDataRole.UserRole + 1  # the FileChange of a row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a key that sorts the column sensibly

COLUMNS = ("Status", "Path", "Size", "Old", "New")  # Old/New: the per-file SHA-256 digests
DIGEST_COLUMNS = (3, 4)  # hidden when the panel is too narrow for every column
COLUMN_TIPS = ("Change status", "Path inside the artifact", "Size before → after",
               "SHA-256 of the old content (hover a cell for all of it)",
               "SHA-256 of the new content (hover a cell for all of it)")
DIGEST_CHARS = 8


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def status_color(status: str, palette: QPalette) -> QColor:
    light, dark = _STATUS_COLORS.get(status, ("#57606a", "#8b949e"))
    return QColor(dark if is_dark(palette) else light)


def line_background(kind: str, palette: QPalette) -> QColor | None:
    """Background of one diff line kind ("+", "-", "@"), None for context lines."""
    pair = _LINE_BACKGROUNDS.get(kind)
    if pair is None:
        return None
    return QColor(pair[1] if is_dark(palette) else pair[0])


def _dot(color: QColor, size: int = 10) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def size_text(change: FileChange) -> str:
    if change.old_size is None:
        return f"— → {human_size(change.new_size)}"
    if change.new_size is None:
        return f"{human_size(change.old_size)} → —"
    if change.old_size == change.new_size:
        return human_size(change.new_size)
    return f"{human_size(change.old_size)} → {human_size(change.new_size)}"


class FileChangeModel(QAbstractTableModel):
    """Rows of FileChange; sortable by any column through `sort`."""

    def __init__(self, palette: QPalette, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._changes: list[FileChange] = []
        self._palette = palette
        self._icons: dict[str, QIcon] = {}

    def set_changes(self, changes: list[FileChange]) -> None:
        self.beginResetModel()
        self._changes = list(changes)
        self.endResetModel()

    def set_palette(self, palette: QPalette) -> None:
        self._palette = palette
        self._icons.clear()
        if self._changes:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._changes) - 1, len(COLUMNS) - 1))

    def changes(self) -> list[FileChange]:
        return list(self._changes)

    def change_at(self, row: int) -> FileChange:
        return self._changes[row]

    def row_of(self, path: bytes) -> int | None:
        for row, change in enumerate(self._changes):
            if change.path == path:
                return row
        return None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._changes)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return COLUMN_TIPS[section]
        return None

    def _icon(self, status: str) -> QIcon:
        if status not in self._icons:
            self._icons[status] = _dot(status_color(status, self._palette))
        return self._icons[status]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        change = self._changes[index.row()]
        column = index.column()
        if role == CHANGE_ROLE:
            return change
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                STATUS_TEXT.get(change.status, change.status),
                shown_path(change),
                size_text(change),
                (change.old_digest or "—")[:DIGEST_CHARS],
                (change.new_digest or "—")[:DIGEST_CHARS],
            )[column]
        if role == SORT_ROLE:
            return _sort_key(change, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return status_color(change.status, self._palette)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._icon(change.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 3:
                return change.old_digest
            if column == 4:
                return change.new_digest
            return shown_path(change)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        tracked = [(i, self._changes[i.row()].path) for i in old_persistent]
        self._changes.sort(
            key=lambda c: (_sort_key(c, column), c.path),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        rows = {c.path: r for r, c in enumerate(self._changes)}
        # Keep the selection on the same files after re-ordering.
        self.changePersistentIndexList(
            [i for i, _ in tracked], [self.index(rows[p], i.column()) for i, p in tracked]
        )
        self.layoutChanged.emit()


def shown_path(change: FileChange) -> str:
    """The path as the table shows it: a renamed file as 'old → new' (with its similarity)."""
    if change.status == "renamed" and change.old_path is not None:
        similar = f" ({change.similarity}%)" if change.similarity is not None and change.similarity < 100 else ""
        return f"{printable(change.display_old_path)} → {printable(change.display_path)}{similar}"
    return printable(change.display_path)


def _sort_key(change: FileChange, column: int) -> str | bytes | int:
    return (
        change.status,
        change.path,
        change.new_size if change.new_size is not None else -1,
        change.old_digest or "",
        change.new_digest or "",
    )[column]

"""The side-by-side form of a file diff: the old text on the left, the new on the right,
row by row (the unified form is gui/compare/diff_view.py; the pane's "Side by side" box
picks one). The lines are core.diff's; this module only lays them out: a run of removed
lines faces the run of added lines that follows it, context faces itself, a hunk header
spans both sides. A table with fixed row heights, so a long diff costs a screenful."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from core import diff as core_diff
from core.textsafe import printable
from gui.compare.diff_model import line_background

NO_NEWLINE = "\\ No newline at end of file"


@dataclass(frozen=True)
class Side:
    number: int | None
    text: str
    kind: str  # " ", "-", "+", "@", or "" (nothing on this side)


@dataclass(frozen=True)
class Row:
    left: Side
    right: Side


_EMPTY = Side(None, "", "")


def _text(line: core_diff.DiffLine) -> str:
    text = printable(line.text, keep_tabs=True)
    return f"{text}  {NO_NEWLINE}" if line.no_newline else text


def side_by_side_rows(lines: tuple[core_diff.DiffLine, ...]) -> list[Row]:
    """The unified lines as rows of (old side, new side)."""
    rows: list[Row] = []
    removed: list[core_diff.DiffLine] = []
    added: list[core_diff.DiffLine] = []

    def flush() -> None:
        for old, new in zip_longest(removed, added):
            rows.append(Row(Side(old.old_lineno, _text(old), "-") if old else _EMPTY,
                            Side(new.new_lineno, _text(new), "+") if new else _EMPTY))
        removed.clear()
        added.clear()

    for line in lines:
        if line.kind == "-":
            if added:
                flush()
            removed.append(line)
        elif line.kind == "+":
            added.append(line)
        else:
            flush()
            if line.kind == "@":
                rows.append(Row(Side(None, line.text, "@"), Side(None, "", "@")))
            else:
                rows.append(Row(Side(line.old_lineno, _text(line), " "), Side(line.new_lineno, _text(line), " ")))
    flush()
    return rows


class SideBySideModel(QAbstractTableModel):
    HEADERS = ("", "old", "", "new")

    def __init__(self, palette: QPalette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []
        self.palette = palette

    def set_lines(self, lines: tuple[core_diff.DiffLine, ...]) -> None:
        self.beginResetModel()
        self.rows = side_by_side_rows(lines)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        side = row.left if index.column() < 2 else row.right
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() % 2 == 0:
                return side.number if side.number is not None else ""
            return side.text
        if role == Qt.ItemDataRole.BackgroundRole and index.column() % 2 == 1:
            return line_background(side.kind, self.palette)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() % 2 == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SideBySideView(QTableView):
    def __init__(self, palette: QPalette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diff_model = SideBySideModel(palette, self)
        self.setModel(self.diff_model)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().hide()
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 2)
        cols = self.horizontalHeader()
        digits = self.fontMetrics().horizontalAdvance("99999") + 8
        for col in (0, 2):
            cols.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(col, digits)
        for col in (1, 3):
            cols.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)

    def show_lines(self, lines: tuple[core_diff.DiffLine, ...]) -> None:
        self.diff_model.set_lines(lines)

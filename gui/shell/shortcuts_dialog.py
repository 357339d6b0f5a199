"""Help → Keyboard shortcuts: every shortcut the window has, read from its actions, plus the
graph's keys and gestures (handled by the view, not by actions), read from `gui.hotkeys`."""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from gui import hotkeys


def graph_rows() -> list[tuple[str, str]]:
    """(what, keys) for the keys and gestures the graph view handles itself."""
    return ([(f"Graph: {k.does}", k.text()) for k in hotkeys.GRAPH_KEYS]
            + [(f"Graph: {g.does}", g.text) for g in hotkeys.GESTURES])


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(what, keys) for each action with a shortcut, in the order given, without duplicates."""
    rows, seen = [], set()
    for action in actions:
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
        what = action.text().replace("&", "").rstrip("…").rstrip(".")
        if keys and (what, keys) not in seen:
            seen.add((what, keys))
            rows.append((what, keys))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [*shortcut_rows(actions), *graph_rows()]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, min(640, 80 + 30 * len(rows)))

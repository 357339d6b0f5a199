"""The window's toolbar: Sync now (bold), Add artifact…, Zoom to fit, Export graph…,
and the find field (a query that dims the versions it does not match; Enter / F3 walk the matches). The actions are created here; the
window connects them to what they do. Their keys, and the tooltips naming them, come
from `gui.hotkeys`."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QToolBar, QWidget

from gui import hotkeys
from gui.style import icons
from gui.sync.controller import SYNC_IDLE_TIP


class MainToolBar(QToolBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Main", parent)
        self.setObjectName("mainToolBar")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        self.sync_action = QAction(icons.sync_icon(), "Sync now", self)
        hotkeys.SYNC.apply(self.sync_action)
        self.sync_action.setToolTip(SYNC_IDLE_TIP)
        self.add_action = QAction(icons.add_icon(), "Add artifact…", self)
        hotkeys.ADD.apply(self.add_action)
        self.add_action.setToolTip(hotkeys.tip("Track a new artifact from a folder or git upstream", hotkeys.ADD))
        self.fit_action = QAction(icons.fit_icon(), "Zoom to fit", self)
        hotkeys.FIT.apply(self.fit_action)
        self.fit_action.setToolTip(hotkeys.tip("Show the whole lineage graph", hotkeys.FIT))
        self.export_action = QAction(icons.export_icon(), "Export graph…", self)
        self.export_action.setToolTip("Save the graph as PNG or SVG, or its data as GraphML")
        # The find key works wherever the focus is: the window adds this action to itself.
        self.find_action = QAction("Find version", self)
        hotkeys.FIND.apply(self.find_action)

        self.addAction(self.sync_action)
        sync_button = self.widgetForAction(self.sync_action)
        font = sync_button.font()
        font.setBold(True)
        sync_button.setFont(font)
        self.addSeparator()
        self.addAction(self.add_action)
        self.addAction(self.fit_action)
        self.addAction(self.export_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText(hotkeys.tip("Find versions: hash, words, origin:…", hotkeys.FIND))
        self.find_edit.setToolTip(
            "Matches stay lit, the rest dims. Words match a hash prefix, vN, the commit subject or notes; "
            "origin:merge, line:web, since:2026-11-01, until:…, file:scripts/x.py, text:\"some words\". "
            f"Enter or {hotkeys.FIND_NEXT.text()}: next match, {hotkeys.FIND_PREVIOUS.text()}: previous.")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setMaximumWidth(300)
        self.addWidget(self.find_edit)
        self.find_count = QLabel()  # "12 matches", "3 of 12", "no match"
        self.find_count.setMinimumWidth(self.find_count.fontMetrics().horizontalAdvance("10,000 matches") + 8)
        self.addWidget(self.find_count)
        self.find_next_action = QAction("Find next", self)
        hotkeys.FIND_NEXT.apply(self.find_next_action)
        self.find_previous_action = QAction("Find previous", self)
        hotkeys.FIND_PREVIOUS.apply(self.find_previous_action)

    def focus_find(self) -> None:
        self.find_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_edit.selectAll()

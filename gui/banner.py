"""A dismissable one-line message above the graph (the non-modal sync summary)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from gui.add_dialog import error_colour
from core.textsafe import printable


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        self.offer_button = QPushButton()
        self.offer_button.hide()
        self.offer_button.clicked.connect(self._on_offer)
        self._offer: Callable[[], None] | None = None
        row.addWidget(self.label, 1)
        row.addWidget(self.offer_button)
        row.addWidget(close)
        self.hide()

    def offer(self, text: str, action: Callable[[], None]) -> None:
        """A button beside the message (e.g. "Update outdated projects"); the next message clears it."""
        self._offer = action
        self.offer_button.setText(text)
        self.offer_button.show()
        self.show()

    def _on_offer(self) -> None:
        action, self._offer = self._offer, None
        self.offer_button.hide()
        if action is not None:
            action()

    def show_message(self, text: str, error: bool = False) -> None:
        colour = error_colour(self.palette()) if error else self.palette().color(QPalette.ColorRole.Text).name()
        self.label.setStyleSheet(f"color: {colour};")
        self.label.setText(printable(text))
        self._offer = None
        self.offer_button.hide()
        self.show()

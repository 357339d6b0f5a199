"""A dismissable message above the graph (the non-modal sync summary).

Its look follows its level: "info" on the window's alternate base, "warning"
(something conflicted) amber, "error" (something failed) red, each with a bar on
the left, so a bad outcome never looks like a routine one. The window hides it
when it no longer describes the collection (`describes`: the states it was about)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from gui.style.colours import error_colour
from core.textsafe import printable


# level → (background, bar) on light and dark palettes; "info" keeps the palette's own.
_LIGHT = {"warning": ("#fff8c5", "#d4a72c"), "error": ("#ffebe9", "#cf222e")}
_DARK = {"warning": ("#3b2e0a", "#bb8009"), "error": ("#3d1214", "#f85149")}


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = "info"
        self.describes: dict[int, str] = {}
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self._base_palette = QPalette(self.palette())
        self.bar = QFrame()  # the coloured edge of a warning or an error
        self.bar.setFixedWidth(4)
        self.bar.setAutoFillBackground(True)
        self.bar.setBackgroundRole(QPalette.ColorRole.Window)
        self.bar.hide()
        self.label = QLabel()
        self.label.setContentsMargins(0, 4, 0, 4)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 4, 0)
        row.addWidget(self.bar)
        row.addSpacing(6)
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

    def offered(self) -> str | None:
        """The offer button's text while one is shown."""
        return self.offer_button.text() if self._offer is not None and not self.offer_button.isHidden() else None

    def update_offer(self, text: str | None) -> None:
        """Say the offer anew (a count changed), or take it back (None) and hide the banner."""
        if text is None:
            self._offer = None
            self.offer_button.hide()
            self.hide()
        else:
            self.offer_button.setText(text)

    def _on_offer(self) -> None:
        action, self._offer = self._offer, None
        self.offer_button.hide()
        if action is not None:
            action()

    def show_message(self, text: str, error: bool = False, *, level: str | None = None,
                     describes: dict[int, str] | None = None) -> None:
        """Show `text`; `describes` (artifact id → state) is what it is about, for `still_true`."""
        self.level = level or ("error" if error else "info")
        self.describes = dict(describes or {})
        dark = self._base_palette.color(QPalette.ColorRole.Window).lightness() < 128
        background, bar = (_DARK if dark else _LIGHT).get(self.level, (None, None))
        # Palettes, not style sheets: re-styling a frame around a word-wrapped label
        # re-polished it on every layout pass and the window never settled.
        pal = QPalette(self._base_palette)
        if background is not None:
            pal.setColor(QPalette.ColorRole.AlternateBase, QColor(background))
            pal.setColor(QPalette.ColorRole.Window, QColor(bar))
        self.setPalette(pal)
        self.bar.setVisible(bar is not None)
        text_colour = error_colour(self._base_palette) if self.level == "error" else None
        label_pal = QPalette(self._base_palette)
        if text_colour is not None:
            label_pal.setColor(QPalette.ColorRole.WindowText, QColor(text_colour))
        self.label.setPalette(label_pal)
        self.label.setText(printable(text))
        self._offer = None
        self.offer_button.hide()
        self.show()

    def still_true(self, state_of: Callable[[int], str | None]) -> bool:
        """False once an artifact it describes has another state (or is gone)."""
        return all(state_of(artifact_id) == state for artifact_id, state in self.describes.items())

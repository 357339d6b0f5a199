"""Two full content hashes side by side, the part where they differ made obvious.

The common prefix is dimmed and the rest is bold on a faint grey chip (never the
selection colour: a hash must not look like selected text), so "where do these two
versions' hashes part ways" is visible at a glance. The
hashes are broken into equal-length lines (64, 32 or 16 characters) to fit the
width the panel has; the right-click menu copies a hash whole.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QFontMetrics, QGuiApplication, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QMenu, QSizePolicy, QWidget

from core.diff import differing_prefix


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """`t` of the way from `a` to `b` (for tints that follow the palette)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def hash_html(value: str, common: int, palette: QPalette, per_line: int) -> str:
    """Rich text for one hash: dimmed common prefix, bold tinted remainder."""
    text = palette.color(QPalette.ColorRole.WindowText)
    window = palette.color(QPalette.ColorRole.Window)
    dim = blend(text, window, 0.55).name()
    # A neutral chip, as code is shown: the Highlight colour would read as a text selection.
    tint = blend(window, text, 0.09).name()
    chunks = []
    for start in range(0, len(value), per_line):
        line = []
        for pos in range(start, min(start + per_line, len(value))):
            ch = html.escape(value[pos])
            line.append((pos < common, ch))
        out = []
        # Group runs so the markup stays small.
        for dimmed in (True, False):
            run = "".join(ch for d, ch in line if d == dimmed)
            if not run:
                continue
            if dimmed:
                out.append(f'<span style="color:{dim}">{run}</span>')
            else:
                out.append(f'<span style="font-weight:bold; background-color:{tint}">{run}</span>')
        chunks.append("".join(out))
    return "<br>".join(chunks)


class HashLabel(QLabel):
    """One hash; right-click copies it whole."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hash_value = ""
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the details no longer repeat it
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def _menu(self, pos) -> None:
        if not self.hash_value:
            return
        menu = QMenu(self)
        menu.addAction("Copy hash", lambda: QGuiApplication.clipboard().setText(self.hash_value))
        menu.exec(self.mapToGlobal(pos))


class HashPairWidget(QWidget):
    """Old | new hashes with captions; `set_hashes(None, new)` shows only the new one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._old: str | None = None
        self._new: str | None = None
        self.common = 0
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        self.old_caption = QLabel("Parent")
        self.new_caption = QLabel("This version")
        for caption in (self.old_caption, self.new_caption):
            font = caption.font()
            font.setBold(True)
            caption.setFont(font)
        self.old_label = HashLabel(self)
        self.new_label = HashLabel(self)
        grid.addWidget(self.old_caption, 0, 0)
        grid.addWidget(self.new_caption, 0, 1)
        grid.addWidget(self.old_label, 1, 0)
        grid.addWidget(self.new_label, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self._per_line = 64

    def set_captions(self, old: str, new: str) -> None:
        self.old_caption.setText(old)
        self.new_caption.setText(new)

    def set_hashes(self, old: str | None, new: str | None) -> None:
        self._old, self._new = old, new
        self.common = differing_prefix(old, new) if old and new else 0
        self._render()

    def _fit(self) -> int:
        """Characters per line that fit half the width (64, 32 or 16)."""
        width = QFontMetrics(self.new_label.font()).horizontalAdvance("0" * 64)
        half = max(1, (self.width() - 16) // 2)
        for per_line in (64, 32, 16):
            if width * per_line // 64 <= half:
                return per_line
        return 16

    def _render(self) -> None:
        self._per_line = self._fit()
        pal = self.palette()
        for label, value in ((self.old_label, self._old), (self.new_label, self._new)):
            label.hash_value = value or ""
            label.setToolTip(value or "")
            if value:
                label.setText(hash_html(value, self.common, pal, self._per_line))
            else:
                label.setText("<i>none</i>")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._fit() != self._per_line:
            self._render()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._render()

"""Scroll-bar markers for a long history: heads, merges, the waiting upstream, search hits.

`MarkerScrollBar` is the graph's vertical scroll bar; it paints a short coloured tick in
its groove for every marker, at the marker's place in the whole graph (a fraction of the
scene's height), so a person sees where the heads, merges and matches are and can drag
there. The landmarks come from core (`core.history.lineage_tracks.landmarks`); the view
adds the search hits.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QScrollBar, QStyle, QStyleOptionSlider, QWidget

from gui.style import palette

MARKER_COLOURS = {
    "head": palette.HEAD_COLOR,
    "merge": palette.ORIGIN_COLORS["merge"],
    "waiting": palette.WAITING_COLOR,
    "hit": palette.HIT_COLOR,
}


class MarkerScrollBar(QScrollBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self._markers: list[tuple[float, str]] = []

    def set_markers(self, markers: list[tuple[float, str]]) -> None:
        """(fraction of the graph's height from its top, kind) for each mark."""
        self._markers = sorted(markers, key=lambda m: m[1] == "hit")  # hits painted last, on top
        self.update()

    def markers(self) -> list[tuple[float, str]]:
        return list(self._markers)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._markers:
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        groove = self.style().subControlRect(QStyle.ComplexControl.CC_ScrollBar, option,
                                             QStyle.SubControl.SC_ScrollBarGroove, self)
        if groove.isEmpty():
            groove = self.rect()
        painter = QPainter(self)
        for fraction, kind in self._markers:
            y = groove.top() + fraction * max(groove.height() - 3, 1)
            painter.fillRect(QRectF(groove.left() + 1, y, groove.width() - 2, 3),
                             QColor(MARKER_COLOURS.get(kind, palette.EDGE_COLOR)))
        painter.end()

"""Scroll-bar markers for a long history: heads, merges, the waiting upstream, search hits.

`MarkerScrollBar` is the graph's vertical scroll bar; it paints a short coloured tick in
its groove for every marker, at the marker's place in the whole graph (a fraction of the
scene's height), so a person sees where the heads, merges and matches are and can drag
there. The landmarks come from core (`core.history.lineage_tracks.landmarks`); the view
adds the search hits.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPixmap
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
        self._landmarks: list[tuple[float, str]] = []
        self._hits: list[float] = []
        self._rows: tuple[tuple, QPixmap] | None = None  # (groove's place and size) -> the landmarks' ticks

    def set_markers(self, markers: list[tuple[float, str]]) -> None:
        """(fraction of the graph's height from its top, kind) for each landmark (once per graph)."""
        self._landmarks = list(markers)
        self._rows = None
        self.update()

    def set_hits(self, fractions: list[float]) -> None:
        """Where the search hits are (fractions of the height), painted over the landmarks."""
        self._hits = list(fractions)
        self.update()

    def markers(self) -> list[tuple[float, str]]:
        return self._landmarks + [(f, "hit") for f in self._hits]

    def _landmark_image(self, groove) -> QPixmap:
        """The landmarks' ticks drawn once per graph and groove size: a repaint (each keystroke
        of a search repaints the bar) is then one pixmap and the hits' few rects."""
        key = (groove.top(), groove.height(), groove.width(), self.devicePixelRatioF())
        if self._rows is None or self._rows[0] != key:
            ratio = self.devicePixelRatioF()
            image = QPixmap(max(int(groove.width() * ratio), 1), max(int(groove.height() * ratio), 1))
            image.setDevicePixelRatio(ratio)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            span = max(groove.height() - 3, 1)
            other = QColor(palette.EDGE_COLOR)
            for y, kind in sorted({(int(f * span), kind) for f, kind in self._landmarks}):
                painter.fillRect(QRectF(1, y, groove.width() - 2, 3), QColor(MARKER_COLOURS.get(kind, other)))
            painter.end()
            self._rows = (key, image)
        return self._rows[1]

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._landmarks and not self._hits:
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        groove = self.style().subControlRect(QStyle.ComplexControl.CC_ScrollBar, option,
                                             QStyle.SubControl.SC_ScrollBarGroove, self)
        if groove.isEmpty():
            groove = self.rect()
        painter = QPainter(self)
        if self._landmarks:
            painter.drawPixmap(groove.topLeft(), self._landmark_image(groove))
        left, width, span = groove.left() + 1, groove.width() - 2, max(groove.height() - 3, 1)
        hit = QColor(MARKER_COLOURS["hit"])  # the hits last, on top; touching ticks as one rect
        start = end = None
        for y in sorted({int(groove.top() + f * span) for f in self._hits}):
            if end is not None and y <= end:
                end = y + 3
                continue
            if start is not None:
                painter.fillRect(QRectF(left, start, width, end - start), hit)
            start, end = y, y + 3
        if start is not None:
            painter.fillRect(QRectF(left, start, width, end - start), hit)
        painter.end()

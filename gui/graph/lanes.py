"""Lane bands and their labels: which line (collection, upstream, a project) each column is.

Core's `line_layout` gives every line a band of adjacent lanes (line -> (first lane,
lanes)); here the bands are tinted alternately behind the graph (scene coordinates,
from the view's drawBackground) and each band's name is painted in a header pinned to
the top of the view (viewport coordinates, from drawForeground), so the labels stay
readable wherever the graph is scrolled.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from core.textsafe import printable
from gui.graph.items import LANE_W, RADIUS, GraphStyle

BAND_LEFT = -RADIUS - 14.0  # a band starts just left of its first lane's dots
HEADER_PAD = 4.0


def band_span(first: int, lanes: int) -> tuple[float, float]:
    """Scene x of a band's left edge and its width."""
    return first * LANE_W + BAND_LEFT, max(lanes, 1) * LANE_W


def header_height(style: GraphStyle) -> float:
    return QFontMetricsF(style.font).height() + 2 * HEADER_PAD


def band_tint(style: GraphStyle) -> QColor:
    """A background a shade off the base, for every other band (light and dark themes)."""
    return style.background.darker(106) if style.background.lightness() > 128 else style.background.lighter(125)


def paint_band_backgrounds(painter: QPainter, rect: QRectF, lines: dict[str, tuple[int, int]],
                           style: GraphStyle) -> None:
    """Tint every other band behind the graph (scene coordinates)."""
    tint = band_tint(style)
    for i, (first, lanes) in enumerate(lines.values()):
        if i % 2 == 0:
            continue
        left, width = band_span(first, lanes)
        painter.fillRect(QRectF(left, rect.top(), width, rect.height()), tint)


def paint_lane_headers(painter: QPainter, viewport: QRectF, x_of: Callable[[float], float],
                       lines: dict[str, tuple[int, int]], style: GraphStyle) -> None:
    """One label per band in a strip at the top of the viewport; `x_of` maps scene x to viewport x."""
    if not lines:
        return
    height = header_height(style)
    strip = QRectF(viewport.left(), viewport.top(), viewport.width(), height)
    painter.fillRect(strip, style.background)
    tint = band_tint(style)
    metrics = QFontMetricsF(style.font)
    painter.setFont(style.font)
    for i, (line, (first, lanes)) in enumerate(lines.items()):
        left, width = band_span(first, lanes)
        x0, x1 = x_of(left), x_of(left + width)
        cell = QRectF(x0, strip.top(), x1 - x0, height).intersected(strip)
        if cell.width() <= 0:
            continue
        if i % 2:
            painter.fillRect(cell, tint)
        text = metrics.elidedText(printable(line), Qt.TextElideMode.ElideRight, max(cell.width() - 2 * HEADER_PAD, 0.0))
        painter.setPen(style.text)
        painter.drawText(cell.adjusted(HEADER_PAD + 2, 0, -HEADER_PAD, 0),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
    painter.setPen(QPen(style.muted, 1.0))
    painter.drawLine(strip.bottomLeft(), strip.bottomRight())

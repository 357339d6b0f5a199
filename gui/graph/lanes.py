"""Lane bands and their labels: which line (collection, upstream, a project) each column is.

Core's `line_layout` gives every line a band of adjacent lanes (line -> (first lane,
lanes)) and `line_colours` a colour slot each line keeps for life; here every band is
tinted faintly in its line's colour behind the graph (scene coordinates, from the
view's drawBackground) and each band's name is painted in a header pinned to the top
of the view (viewport coordinates, from drawForeground), under a bar of its colour, so
the labels stay readable wherever the graph is scrolled.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from core.textsafe import printable
from gui.graph.items import LANE_W, RADIUS, GraphStyle
from gui.style.palette import lane_color

BAND_LEFT = -RADIUS - 14.0  # a band starts just left of its first lane's dots
HEADER_PAD = 4.0


def band_span(first: int, lanes: int) -> tuple[float, float]:
    """Scene x of a band's left edge and its width."""
    return first * LANE_W + BAND_LEFT, max(lanes, 1) * LANE_W


def header_height(style: GraphStyle) -> float:
    return QFontMetricsF(style.font).height() + 2 * HEADER_PAD


def line_tint(slot: int | None, style: GraphStyle, alpha: int) -> QColor:
    """The line's colour laid faintly over the background (light and dark themes)."""
    colour = lane_color(slot)
    base = style.background
    a = alpha / 255.0
    return QColor(round(base.red() * (1 - a) + colour.red() * a), round(base.green() * (1 - a) + colour.green() * a),
                  round(base.blue() * (1 - a) + colour.blue() * a))


def paint_band_backgrounds(painter: QPainter, rect: QRectF, lines: dict[str, tuple[int, int]],
                           style: GraphStyle, colours: dict[str, int] | None = None) -> None:
    """Tint every band in its line's colour behind the graph (scene coordinates)."""
    colours = colours or {}
    for line, (first, lanes) in lines.items():
        left, width = band_span(first, lanes)
        painter.fillRect(QRectF(left, rect.top(), width, rect.height()), line_tint(colours.get(line), style, 14))


def paint_lane_headers(painter: QPainter, viewport: QRectF, x_of: Callable[[float], float],
                       lines: dict[str, tuple[int, int]], style: GraphStyle,
                       colours: dict[str, int] | None = None) -> None:
    """One label per band in a strip at the top of the viewport, over a bar of the line's
    colour; `x_of` maps scene x to viewport x."""
    if not lines:
        return
    colours = colours or {}
    height = header_height(style)
    strip = QRectF(viewport.left(), viewport.top(), viewport.width(), height)
    painter.fillRect(strip, style.background)
    metrics = QFontMetricsF(style.font)
    painter.setFont(style.font)
    for line, (first, lanes) in lines.items():
        left, width = band_span(first, lanes)
        x0, x1 = x_of(left), x_of(left + width)
        cell = QRectF(x0, strip.top(), x1 - x0, height).intersected(strip)
        if cell.width() <= 0:
            continue
        slot = colours.get(line)
        painter.fillRect(cell, line_tint(slot, style, 40))
        painter.fillRect(QRectF(cell.left(), cell.bottom() - 3, cell.width(), 3), lane_color(slot))
        text = metrics.elidedText(printable(line), Qt.TextElideMode.ElideRight, max(cell.width() - 2 * HEADER_PAD, 0.0))
        painter.setPen(style.text)
        painter.drawText(cell.adjusted(HEADER_PAD + 2, 0, -HEADER_PAD, -3),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
    painter.setPen(QPen(style.muted, 1.0))
    painter.drawLine(strip.bottomLeft(), strip.bottomRight())

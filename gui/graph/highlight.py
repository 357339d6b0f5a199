"""What the graph lights up: the selection's ancestry, and the edge under the pointer.

- `ancestry_overlay` turns core's `Ancestry` (core.history.lineage_walk) into the lit
  edges (one path, from the plan's polylines) and, for the overview, the lit nodes' dots;
  the view dims everything else (`GraphStyle.lit`, `BlockItem.dim`).
- `edge_at` finds the edge under a scene point from the plan's polylines, looking only at
  the edges of that band of rows.
- `OverlayItem` draws either: a path over the dimmed graph, dots, and rings at an edge's ends.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from gui.graph.items import BLOCK_ROWS, RADIUS, ROW_H, NodeKey
from gui.graph.scene import ScenePlan
from gui.style import palette

Edge = tuple[NodeKey, NodeKey]


def polyline_path(points: tuple[QPointF, ...], path: QPainterPath | None = None) -> QPainterPath:
    path = path if path is not None else QPainterPath()
    path.moveTo(points[0])
    for p in points[1:]:
        path.lineTo(p)
    return path


def ancestry_overlay(plan: ScenePlan, lit_edges: list[Edge],
                     lit_nodes) -> tuple[QPainterPath, QPainterPath, dict[str, QPolygonF]]:
    """The lit edges as two paths (solid first parents, dashed the rest) and the lit nodes'
    points per origin colour."""
    path, dashed = QPainterPath(), QPainterPath()
    for edge in lit_edges:
        line = plan.edges.get(edge)
        if line is not None:
            kind = plan.graph.edges[edge].get("kind")
            polyline_path(line, dashed if kind in ("second", "legacy") else path)
    dots: dict[str, QPolygonF] = {}
    for key in lit_nodes:
        point = plan.points.get(key)
        if point is not None:
            dots.setdefault(plan.graph.nodes[key].get("origin") or "", QPolygonF()).append(point)
    return path, dashed, dots


def _distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length2))
    return math.hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy))


def edge_at(plan: ScenePlan, point: QPointF, tolerance: float) -> Edge | None:
    """The edge nearest `point` within `tolerance` (scene units), from that band's edges."""
    band = int(point.y() // (ROW_H * BLOCK_ROWS))
    best, best_d = None, tolerance
    for edge in plan.edge_bands.get(band, ()):
        line = plan.edges[edge]
        for a, b in zip(line, line[1:]):
            d = _distance(point, a, b)
            if d <= best_d:
                best, best_d = edge, d
    return best


class OverlayItem(QGraphicsItem):
    """A path drawn over the (dimmed) graph, optionally with dots and rings at two ends."""

    def __init__(self, pen: QPen, z: float) -> None:
        super().__init__()
        self.pen = pen
        self.path = QPainterPath()
        self.dashed = QPainterPath()
        self.dots: dict[str, QPolygonF] = {}
        self.ends: tuple[QPointF, ...] = ()
        self.overview = False
        self.setZValue(z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._rect = QRectF()
        self._dot_pens: dict[str, QPen] = {}

    def show_path(self, path: QPainterPath, dots: dict[str, QPolygonF] | None = None,
                  ends: tuple[QPointF, ...] = (), dashed: QPainterPath | None = None) -> None:
        self.prepareGeometryChange()
        self.path, self.dots, self.ends = path, dots or {}, ends
        self.dashed = dashed if dashed is not None else QPainterPath()
        rect = path.boundingRect().united(self.dashed.boundingRect())
        for poly in self.dots.values():
            rect = rect.united(poly.boundingRect())
        for p in ends:
            rect = rect.united(QRectF(p, p))
        self._rect = rect.adjusted(-RADIUS - 8, -RADIUS - 8, RADIUS + 8, RADIUS + 8)
        for origin in self.dots:
            if origin not in self._dot_pens:
                pen = QPen(palette.origin_color(origin), 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
                pen.setCosmetic(True)
                self._dot_pens[origin] = pen
        self.setVisible(not path.isEmpty() or not self.dashed.isEmpty() or bool(self.dots))
        self.update()

    def clear(self) -> None:
        self.show_path(QPainterPath())

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setOpacity(1.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self.pen)
        painter.drawPath(self.path)
        if not self.dashed.isEmpty():
            dash = QPen(self.pen)
            dash.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(dash)
            painter.drawPath(self.dashed)
        if self.overview:
            for origin, poly in self.dots.items():
                painter.setPen(self._dot_pens[origin])
                painter.drawPoints(poly)
        for p in self.ends:
            painter.setPen(QPen(self.pen.color(), 2.5))
            painter.drawEllipse(p, RADIUS + 4, RADIUS + 4)


def ancestry_pen() -> QPen:
    return QPen(QColor(palette.EDGE_COLOR).darker(130), 2.5)


def hover_pen(highlight: QColor) -> QPen:
    pen = QPen(highlight, 3.5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen

"""What the graph lights up: the selection's ancestry, and the edge under the pointer.

- `AncestryItem` draws core's `Ancestry` (core.history.lineage_walk) over the dimmed
  graph: the lit edges and, for the overview, the lit nodes' dots, built band by band
  when a band is first painted (selecting in a 10,000-version history must not build
  10,000 edge paths up front); the view dims everything else (`GraphStyle.lit`,
  `BlockItem.dim`). `ancestry_overlay` builds the same for a list of edges at once.
- `lit_ancestry` makes that overlay for a selection (None when nothing would dim).
- `edge_at` finds the edge under a scene point from the plan's polylines, looking only at
  the edges of that band of rows; `edge_under` the same, except over a node's dot.
- `OverlayItem` draws either: a path over the dimmed graph, dots, and rings at an edge's ends.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
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


class AncestryItem(QGraphicsItem):
    """The lit ancestry over the dimmed graph, one band of rows at a time (see the module docstring)."""

    def __init__(self, plan: ScenePlan, found, pen: QPen) -> None:
        super().__init__()
        self.plan = plan
        self.found = found  # core.history.lineage_walk.Ancestry
        self.pen = pen
        self.overview = False
        self.lit = found.lit
        self._edges: dict[int, tuple[QPainterPath, QPainterPath]] = {}
        self._dots: dict[int, dict[str, QPolygonF]] = {}
        self._dot_pens: dict[str, QPen] = {}
        self.setZValue(0.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._rect = plan.content.adjusted(-RADIUS - 8, -RADIUS - 8, RADIUS + 8, RADIUS + 8)

    def boundingRect(self) -> QRectF:
        return self._rect

    def edge_band(self, index: int) -> tuple[QPainterPath, QPainterPath]:
        """The lit edges (solid, dashed) of one band of scene height (`plan.edge_bands`), made on first use."""
        if index not in self._edges:
            found = self.found
            edges = [e for e in self.plan.edge_bands.get(index, ()) if found.edge_lit(*e)]
            path, dashed, _dots = ancestry_overlay(self.plan, edges, ())
            self._edges[index] = (path, dashed)
        return self._edges[index]

    def dot_band(self, index: int) -> dict[str, QPolygonF]:
        """The lit nodes' points of one band of rows (`plan.bands`), for the overview."""
        if index not in self._dots:
            lit = self.lit
            nodes = [k for k in self.plan.bands[index] if k in lit] if 0 <= index < len(self.plan.bands) else []
            self._dots[index] = ancestry_overlay(self.plan, [], nodes)[2]
        return self._dots[index]

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setOpacity(1.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        rect = option.exposedRect if not option.exposedRect.isEmpty() else self._rect
        span = ROW_H * BLOCK_ROWS
        dash = QPen(self.pen)
        dash.setStyle(Qt.PenStyle.DashLine)
        for index in range(max(int(rect.top() // span), 0), int(rect.bottom() // span) + 1):
            path, dashed = self.edge_band(index)
            painter.setPen(self.pen)
            painter.drawPath(path)
            painter.setPen(dash)
            painter.drawPath(dashed)
        if not self.overview:
            return
        max_row = self.plan.max_row  # y = (max_row - row) * ROW_H: rows grow upwards
        low = max(max_row - int(rect.bottom() // ROW_H) - 1, 0) // BLOCK_ROWS
        high = max(max_row - int(rect.top() // ROW_H) + 1, 0) // BLOCK_ROWS
        for index in range(low, high + 1):
            for origin, poly in self.dot_band(index).items():
                pen = self._dot_pens.get(origin)
                if pen is None:
                    pen = QPen(palette.origin_color(origin), 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
                    pen.setCosmetic(True)
                    self._dot_pens[origin] = pen
                painter.setPen(pen)
                painter.drawPoints(poly)


def lit_ancestry(plan: ScenePlan, key: NodeKey, overview: bool) -> AncestryItem | None:
    """The overlay lighting `key`'s ancestors and descendants (core.history.lineage_walk.ancestry),
    or None when they are the whole graph (nothing would dim)."""
    from core.history.lineage_walk import ancestry

    found = ancestry(plan.graph, key)
    if len(found.ancestors) + len(found.descendants) + 1 >= plan.graph.number_of_nodes():
        return None
    item = AncestryItem(plan, found, ancestry_pen())  # its lit edges are made band by band as they are painted
    item.overview = overview
    return item


def edge_under(plan: ScenePlan, point: QPointF, node: NodeKey | None, scale: float) -> Edge | None:
    """The edge under a scene point, unless the point is on `node`'s dot (the node under it,
    if any): a label does not hide the edges running past it. `scale`: the view's zoom."""
    if node is not None and QLineF(point, plan.points[node]).length() <= RADIUS + 4.0 / scale:
        return None
    return edge_at(plan, point, 5.0 / scale)


def ancestry_pen() -> QPen:
    return QPen(QColor(palette.EDGE_COLOR).darker(130), 2.5)


def hover_pen(highlight: QColor) -> QPen:
    pen = QPen(highlight, 3.5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen

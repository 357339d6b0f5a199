"""Building the lineage scene: core's graph and layered layout turned into scene items.

`build_scene` asks core for the graph (`core.history.lineage.build_graph`), the artifact's own
numbering (`core.history.ordinal_by_id`) and the positions (`layered_layout`), then
adds the items: one `NodeItem` per version in a `NodeLayer` per band of
`BLOCK_ROWS` rows, and one `BlockItem` per band holding that band's edges as two
painter paths (solid, dashed) and its overview dots. Newest generation at the top.
The returned `LineageScene` is the index the view uses for hit tests and keys.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import networkx as nx
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath, QPolygonF
from PySide6.QtWidgets import QGraphicsScene

from core.history import VersionInfo, ordinal_by_id
from core.history.lineage import build_graph, first_parent, layered_layout
from gui.graph_items import (
    BLOCK_ROWS,
    LANE_W,
    NODE_RECT,
    RADIUS,
    ROW_H,
    BlockItem,
    GraphStyle,
    NodeItem,
    NodeKey,
    NodeLayer,
    SelectionItem,
)


@dataclass
class LineageScene:
    """What was built, indexed for the view: positions, grid cells, rows and items."""

    graph: nx.DiGraph
    points: dict[NodeKey, QPointF] = field(default_factory=dict)  # scene position of each node
    lane_row: dict[NodeKey, tuple[int, int]] = field(default_factory=dict)
    grid: dict[tuple[int, int], NodeKey] = field(default_factory=dict)  # (lane, row) -> node
    row_members: dict[int, list[NodeKey]] = field(default_factory=dict)  # row -> nodes by lane
    items: dict[NodeKey, NodeItem] = field(default_factory=dict)
    blocks: list[BlockItem] = field(default_factory=list)
    layers: list[NodeLayer] = field(default_factory=list)
    max_row: int = 0
    selection: SelectionItem | None = None
    match_ring: SelectionItem | None = None
    compare_ring: SelectionItem | None = None
    content: QRectF = field(default_factory=QRectF)

    def neighbour(self, key: NodeKey, arrow: int) -> NodeKey | None:
        """The node an arrow key moves to on screen: Down = parent (older, below), Up =
        child (newer, above), Left / Right = neighbours in the same generation row."""
        if arrow == Qt.Key.Key_Down:
            return first_parent(self.graph, key)
        if arrow == Qt.Key.Key_Up:
            return self.first_child(key)
        row = self.row_members[self.lane_row[key][1]]
        i = row.index(key) + (1 if arrow == Qt.Key.Key_Right else -1)
        return row[i] if 0 <= i < len(row) else None

    def first_child(self, key: NodeKey) -> NodeKey | None:
        kids = list(self.graph.successors(key))
        if not kids:
            return None
        lane = self.lane_row[key][0]
        # The child continuing this lane first (the line the eye follows), then the oldest.
        return min(kids, key=lambda k: (self.lane_row[k][0] != lane, self.lane_row[k][1], str(k)))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building 10,000 nodes allocates ~100,000 objects and no cycles: without this the
    cyclic collector runs dozens of full passes mid-build and doubles the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_scene(scene: QGraphicsScene, versions: list[VersionInfo], head_id: int | None,
                style: GraphStyle) -> LineageScene:
    """Add the items for `versions` (not empty, any order) to an empty `scene`."""
    graph = build_graph(versions, head_id)
    # People count an artifact's versions from v1 (core.history.ordinal_by_id), not by
    # the database's global ids; labels, tooltips and revert badges read these.
    ordinals = ordinal_by_id(versions)
    for vid, number in ordinals.items():
        data = graph.nodes[vid]
        data["ordinal"] = number
        data["matches_ordinal"] = ordinals.get(data.get("matches_version"))
    layout = layered_layout(graph)
    built = LineageScene(graph)
    built.max_row = max_row = int(max(y for _, y in layout.values()))
    max_lane = int(max(x for x, _ in layout.values()))

    n_blocks = max_row // BLOCK_ROWS + 1
    layers = [NodeLayer() for _ in range(n_blocks)]
    solid = [QPainterPath() for _ in range(n_blocks)]
    dashed = [QPainterPath() for _ in range(n_blocks)]
    dots: list[dict[str, QPolygonF]] = [{} for _ in range(n_blocks)]
    for layer in layers:
        layer.setZValue(1)
        scene.addItem(layer)

    for key, (lane, row) in layout.items():
        lane_i, row_i = int(lane), int(row)
        point = QPointF(lane_i * LANE_W, (max_row - row_i) * ROW_H)
        built.points[key] = point
        built.lane_row[key] = (lane_i, row_i)
        built.grid[(lane_i, row_i)] = key
        built.row_members.setdefault(row_i, []).append(key)
        block = row_i // BLOCK_ROWS
        item = NodeItem(key, graph.nodes[key], style, layers[block])
        item.setPos(point)
        built.items[key] = item
        origin = graph.nodes[key].get("origin") or ""
        dots[block].setdefault(origin, QPolygonF()).append(point)
    for members in built.row_members.values():
        members.sort(key=lambda k: built.lane_row[k][0])

    for u, v, kind in graph.edges(data="kind"):
        block = built.lane_row[v][1] // BLOCK_ROWS
        path = dashed[block] if kind == "legacy" else solid[block]
        add_edge(path, built.points[u], built.points[v], kind)

    for i in range(n_blocks):
        block_item = BlockItem(solid[i], dashed[i], dots[i])
        scene.addItem(block_item)
        built.blocks.append(block_item)
    built.layers = layers

    built.selection = SelectionItem(style)
    scene.addItem(built.selection)
    built.match_ring = SelectionItem(style, dashed=True)
    scene.addItem(built.match_ring)
    built.compare_ring = SelectionItem(style, dotted=True)
    scene.addItem(built.compare_ring)

    left = -RADIUS - 24.0
    right = max_lane * LANE_W + NODE_RECT.right()
    built.content = QRectF(left, -ROW_H / 2, right - left, max_row * ROW_H + ROW_H)
    return built


def add_edge(path: QPainterPath, a: QPointF, b: QPointF, kind: str | None) -> None:
    """Parent `a` (lower) to child `b` (higher). Lane changes bend in the gap between
    two rows, where no label is drawn: right above the parent for a branch, right
    below the child for a merge's second parent (see core.history.lineage's reservations)."""
    path.moveTo(a)
    if a.x() == b.x():
        path.lineTo(b)
        return
    if kind == "second":
        turn_low, turn_high = b.y() + ROW_H, b.y()
    else:
        turn_low, turn_high = a.y(), a.y() - ROW_H
    path.lineTo(a.x(), turn_low)
    y1, ym, y2 = turn_low - 0.3 * ROW_H, turn_low - 0.5 * ROW_H, turn_low - 0.7 * ROW_H
    path.lineTo(a.x(), y1)
    path.cubicTo(QPointF(a.x(), ym), QPointF(b.x(), ym), QPointF(b.x(), y2))
    path.lineTo(b.x(), turn_high)
    path.lineTo(b)

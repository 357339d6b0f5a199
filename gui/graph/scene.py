"""Building the lineage scene: core's graph and layered layout turned into scene items.

Two steps, so that a long history never stalls the window:

- `plan_scene` (any thread: it makes no scene item and no QObject) asks core for the
  graph (`core.history.lineage.build_graph`), the artifact's own numbering
  (`core.history.ordinal_by_id`) and the positions (`layered_layout`), and works out
  everything drawn per band of `BLOCK_ROWS` rows: node positions, the edges as two
  painter paths (solid, dashed) and the overview dots. QPainterPath, QPolygonF and
  QPointF are plain reentrant values, safe to build on a worker.
- `build_scene` (GUI thread) adds one `BlockItem` per band, an empty `NodeLayer` per
  band and the selection rings. The `NodeItem`s of a band are made when the band is
  first needed (`LineageScene.ensure_rows`, called by the view for what it shows):
  the edges and dots are all there from the start, and a view of 10,000 versions at
  reading size never holds more than a few hundred node items.

Newest generation at the top. The returned `LineageScene` is the index the view uses
for hit tests and keys; hit tests and keys read positions, never items.
"""
from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath, QPolygonF
from PySide6.QtWidgets import QGraphicsScene

from core.history import COLLECTION_LINE, UPSTREAM_LINE, VersionInfo, ordinal_by_id
from gui.graph.items import (
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
from gui.graph.lanes import BAND_LEFT

if TYPE_CHECKING:
    import networkx as nx

SCREEN_ROWS = 20  # rows of a screenful when the view has not said (core folds past it)
HEADER_ROOM = 30.0  # scene space above the newest row, under the pinned lane headers

# core.history.lineage (and networkx, a third of a second to import) is imported where a graph is
# planned, on the loader's worker, so that the window's first paint never waits for it.


@dataclass
class ScenePlan:
    """Everything the scene shows, worked out without making a scene item.

    Built on a worker and handed over whole: the worker never touches it again.
    """

    graph: nx.DiGraph
    max_row: int = 0
    points: dict[NodeKey, QPointF] = field(default_factory=dict)  # scene position of each node
    lane_row: dict[NodeKey, tuple[int, int]] = field(default_factory=dict)
    grid: dict[tuple[int, int], NodeKey] = field(default_factory=dict)  # (lane, row) -> node
    row_members: dict[int, list[NodeKey]] = field(default_factory=dict)  # row -> nodes by lane
    bands: list[list[NodeKey]] = field(default_factory=list)  # the nodes of each band of rows
    solid: list[QPainterPath] = field(default_factory=list)  # per band
    dashed: list[QPainterPath] = field(default_factory=list)
    dots: list[dict[str, QPolygonF]] = field(default_factory=list)  # per band: origin -> node points
    content: QRectF = field(default_factory=QRectF)
    lines: dict[str, tuple[int, int]] = field(default_factory=dict)  # line -> (first lane, lanes) drawn
    all_lines: list[str] = field(default_factory=list)  # every line of the artifact, hidden ones too
    colours: dict[str, int] = field(default_factory=dict)  # line -> colour slot for life (gui.style.palette)
    edges: dict[tuple[NodeKey, NodeKey], tuple[QPointF, ...]] = field(default_factory=dict)  # polylines
    edge_bands: dict[int, list[tuple[NodeKey, NodeKey]]] = field(default_factory=dict)  # band -> edges in it
    landmarks: list[tuple[NodeKey, str]] = field(default_factory=list)  # (node, "head"|"merge"|"waiting")
    folded_runs: int = 0  # how many runs core folded
    fold_of: dict[int, NodeKey] = field(default_factory=dict)  # a version inside a folded run -> the run

    def band_of_row(self, row: int) -> int:
        return row // BLOCK_ROWS

    def node_at(self, point: QPointF, tolerance: float) -> NodeKey | None:
        """The node whose dot or label holds a scene point (within `tolerance`), or None."""
        lane = math.floor((point.x() - NODE_RECT.left()) / LANE_W)
        key = self.grid.get((lane, self.max_row - round(point.y() / ROW_H)))
        if key is None:
            return None
        if NODE_RECT.adjusted(-tolerance, -tolerance, tolerance, tolerance).contains(point - self.points[key]):
            return key
        return None


@dataclass
class LineageScene:
    """What was built, indexed for the view: the plan, and the items made so far."""

    plan: ScenePlan
    style: GraphStyle
    items: dict[NodeKey, NodeItem] = field(default_factory=dict)
    blocks: list[BlockItem] = field(default_factory=list)
    layers: list[NodeLayer] = field(default_factory=list)
    built_bands: set[int] = field(default_factory=set)
    selection: SelectionItem | None = None
    match_ring: SelectionItem | None = None
    compare_ring: SelectionItem | None = None

    @property
    def graph(self) -> nx.DiGraph:
        return self.plan.graph

    def ensure_band(self, band: int) -> None:
        """Make the node items of one band (once)."""
        if band in self.built_bands or not 0 <= band < len(self.layers):
            return
        self.built_bands.add(band)
        plan, layer, graph = self.plan, self.layers[band], self.plan.graph
        with gc_paused():
            for key in plan.bands[band]:
                item = NodeItem(key, graph.nodes[key], self.style, layer)
                item.setPos(plan.points[key])
                self.items[key] = item

    def ensure_rows(self, low: int, high: int) -> None:
        """Make the node items of every row from `low` to `high` (generation rows)."""
        last = len(self.layers) - 1
        for band in range(max(low, 0) // BLOCK_ROWS, min(max(high, 0) // BLOCK_ROWS, last) + 1):
            self.ensure_band(band)

    def ensure_all(self) -> None:
        for band in range(len(self.layers)):
            self.ensure_band(band)

    def set_overview(self, overview: bool) -> None:
        """Zoomed far out: node items hidden, each band paints its nodes as dots (or back)."""
        for layer in self.layers:
            layer.setVisible(not overview)
        for block in self.blocks:
            block.overview = overview
            block.update()

    def set_ring_scale(self, scale: float) -> None:
        for ring in (self.selection, self.match_ring, self.compare_ring):
            ring.set_scale(scale)

    def show_selection(self, key: NodeKey) -> None:
        """The selection ring on `key`, the dashed one on the version a revert matches, no compare ring."""
        points = self.plan.points
        self.selection.setPos(points[key])
        self.selection.setVisible(True)
        self.compare_ring.setVisible(False)
        match = self.plan.graph.nodes[key].get("matches_version")
        self.match_ring.setVisible(match in points)
        if match in points:
            self.match_ring.setPos(points[match])

    def item(self, key: NodeKey) -> NodeItem | None:
        """The node's item, made (with its band) if it was not yet."""
        where = self.plan.lane_row.get(key)
        if where is None:
            return None
        self.ensure_band(self.plan.band_of_row(where[1]))
        return self.items.get(key)


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


@dataclass(frozen=True)
class ViewOptions:
    """What the person chose to see: lines hidden, runs unfolded, the upstream state waiting."""

    hidden_lines: frozenset[str] = frozenset()
    unfolded: frozenset[NodeKey] = frozenset()  # versions never folded (runs opened, the selection)
    waiting_upstream: str | None = None  # content hash the upstream has and the collection not yet
    fold: bool = True  # past a screenful, straight runs become "N versions" nodes (core.history.lineage_view)
    screen_rows: int = SCREEN_ROWS  # rows the view shows at a readable size


def plan_scene(versions: list[VersionInfo], head_id: int | None, options: ViewOptions | None = None) -> ScenePlan:
    """Graph, numbering, layout and per-band drawing of `versions` (not empty, any order).

    Safe on a worker thread: it makes no scene item and no QObject.
    """
    from core.history.lineage import build_graph, line_layout, line_order
    from core.history.lineage_tracks import edge_tracks, landmarks
    from core.history.lineage_view import (
        add_waiting_upstream,
        fold_for_screen,
        fold_graph,
        hide_lines,
        line_colours,
        lines_of,
    )
    from gui.style.palette import LANE_COLORS

    options = options or ViewOptions()
    with gc_paused():
        graph = build_graph(versions, head_id)
        # People count an artifact's versions from v1 (core.history.ordinal_by_id), not by
        # the database's global ids; labels, tooltips and revert badges read these.
        ordinals = ordinal_by_id(versions)
        for vid, number in ordinals.items():
            data = graph.nodes[vid]
            data["ordinal"] = number
            data["matches_ordinal"] = ordinals.get(data.get("matches_version"))
        all_lines = lines_of(graph)
        colours = line_colours(graph, len(LANE_COLORS))  # the whole history: a hidden line keeps its colour
        hidden = options.hidden_lines - {COLLECTION_LINE}  # the collection is always drawn
        if hidden:
            graph = hide_lines(graph, hidden)
        if options.waiting_upstream and UPSTREAM_LINE not in hidden:
            graph = add_waiting_upstream(graph, options.waiting_upstream, head_id)
            all_lines.add(UPSTREAM_LINE)
            colours.setdefault(UPSTREAM_LINE, 1)
        runs = fold_for_screen(graph, options.screen_rows, keep=options.unfolded) if options.fold else []
        if runs:
            graph = fold_graph(graph, runs)
        laid = line_layout(graph)
        layout = laid.positions
        plan = ScenePlan(graph)
        plan.lines = laid.bands
        plan.all_lines = line_order(all_lines)
        plan.colours = colours
        plan.folded_runs = len(runs)
        plan.fold_of = {m: key for key, d in graph.nodes(data=True) if d.get("folded") for m in d["members"]}
        plan.max_row = max_row = int(max(y for _, y in layout.values()))
        max_lane = int(max(x for x, _ in layout.values()))

        n_bands = max_row // BLOCK_ROWS + 1
        plan.bands = [[] for _ in range(n_bands)]
        plan.solid = [QPainterPath() for _ in range(n_bands)]
        plan.dashed = [QPainterPath() for _ in range(n_bands)]
        plan.dots = [{} for _ in range(n_bands)]
        for key, (lane, row) in layout.items():
            lane_i, row_i = int(lane), int(row)
            point = QPointF(lane_i * LANE_W, (max_row - row_i) * ROW_H)
            plan.points[key] = point
            plan.lane_row[key] = (lane_i, row_i)
            plan.grid[(lane_i, row_i)] = key
            plan.row_members.setdefault(row_i, []).append(key)
            band = row_i // BLOCK_ROWS
            plan.bands[band].append(key)
            origin = graph.nodes[key].get("origin") or ""
            plan.dots[band].setdefault(origin, QPolygonF()).append(point)
        for members in plan.row_members.values():
            members.sort(key=lambda k: plan.lane_row[k][0])

        tracks = edge_tracks(graph, layout)
        for u, v, kind in graph.edges(data="kind"):
            band = plan.lane_row[v][1] // BLOCK_ROWS
            # Second parents (a redeploy's source, a push's project version, a merge) are dashed.
            path = plan.dashed[band] if kind in ("legacy", "second") else plan.solid[band]
            track = tracks.get((u, v))
            turn = None
            if track is not None:
                turn = track_y(max_row, track.gap, track.track, track.tracks)
            line = add_edge(path, plan.points[u], plan.points[v], turn)
            plan.edges[(u, v)] = line
            top, bottom = min(p.y() for p in line), max(p.y() for p in line)
            for b in range(max(int(top // (ROW_H * BLOCK_ROWS)), 0), int(bottom // (ROW_H * BLOCK_ROWS)) + 1):
                plan.edge_bands.setdefault(b, []).append((u, v))
        plan.landmarks = [(m.node, m.kind) for m in landmarks(graph)]

        left = BAND_LEFT  # the lanes' tint starts there; a ring or a dot never reaches past it
        right = max_lane * LANE_W + NODE_RECT.right()
        # Room above the newest row for the lane headers pinned to the view's top.
        top = -ROW_H / 2 - HEADER_ROOM
        plan.content = QRectF(left, top, right - left, max_row * ROW_H + ROW_H / 2 - top)
    return plan


def build_scene(scene: QGraphicsScene, plan: ScenePlan, style: GraphStyle) -> LineageScene:
    """Add the bands' edge items, empty node layers and the rings to an empty `scene`;
    node items come later, band by band (`LineageScene.ensure_rows`)."""
    built = LineageScene(plan, style)
    with gc_paused():
        for i in range(len(plan.bands)):
            layer = NodeLayer()
            layer.setZValue(1)
            scene.addItem(layer)
            built.layers.append(layer)
            block = BlockItem(plan.solid[i], plan.dashed[i], plan.dots[i])
            scene.addItem(block)
            built.blocks.append(block)
        built.selection = SelectionItem(style)
        scene.addItem(built.selection)
        built.match_ring = SelectionItem(style, dashed=True)
        scene.addItem(built.match_ring)
        built.compare_ring = SelectionItem(style, dotted=True)
        scene.addItem(built.compare_ring)
    return built


TRACK_GAP = 8.0  # scene px between two edges crossing lanes in one gap
TRACK_ROOM = 40.0  # the middle of a gap between rows the tracks spread over
CORNER = 6.0


def track_y(max_row: int, gap: int, track: int, tracks: int) -> float:
    """Scene y of a crossing on `track` of `tracks` in the gap above row `gap` (core's
    `edge_tracks`): centred between the rows, `TRACK_GAP` apart (closer when many)."""
    middle = (max_row - gap) * ROW_H - ROW_H / 2
    step = min(TRACK_GAP, TRACK_ROOM / max(tracks - 1, 1))
    return middle + (track - (tracks - 1) / 2) * step


def add_edge(path: QPainterPath, a: QPointF, b: QPointF, turn_y: float | None) -> tuple[QPointF, ...]:
    """Parent `a` (lower) to child `b` (higher); returns the edge as a polyline (for hit tests).
    An edge between lanes runs up its parent's lane to `turn_y` (its own track in a gap
    between rows, where no label is drawn), across, and up the child's lane, with rounded corners."""
    path.moveTo(a)
    if turn_y is None or a.x() == b.x():
        path.lineTo(b)
        return (QPointF(a), QPointF(b))
    r = min(CORNER, abs(b.x() - a.x()) / 2)
    sign = 1.0 if b.x() > a.x() else -1.0
    path.lineTo(a.x(), turn_y + r)
    path.quadTo(QPointF(a.x(), turn_y), QPointF(a.x() + sign * r, turn_y))
    path.lineTo(b.x() - sign * r, turn_y)
    path.quadTo(QPointF(b.x(), turn_y), QPointF(b.x(), turn_y - r))
    path.lineTo(b)
    return (QPointF(a), QPointF(a.x(), turn_y), QPointF(b.x(), turn_y), QPointF(b))

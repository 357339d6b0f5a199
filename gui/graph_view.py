"""The lineage graph of one artifact, drawn with QGraphicsScene / QGraphicsView.

Core builds the graph and its positions (`core.history.lineage`); this view only draws them.
The newest generation is drawn at the top, as in `git log --graph`, gitk or tig; the
oldest (a root or a ghost legacy parent) at the bottom. The head's first-parent line
runs straight down lane 0.

Interaction:
- click a node: select it, emit `versionSelected(id)` (a ghost emits `ghostSelected(hash)`);
- Ctrl+click another version: emit `compareRequested(selected_id, clicked_id)` and mark
  it with a dotted ring (cleared by the next plain selection);
- arrow keys follow the screen: Down = parent (older, below), Up = child (newer, above;
  the child continuing the lane first), Left / Right = neighbours in the same
  generation row; Home = head. A keyboard move emits like a click;
- wheel zooms around the cursor, dragging the background pans, `zoom_to_fit()`;
- hover shows a tooltip (full hashes, origin, local and UTC time, upstream commit, counts).

`select_version()` is programmatic and emits nothing (so a caller that reacts to
`versionSelected` by selecting cannot loop); `find_by_prefix()` is a user search and
emits `versionSelected` for the version it selects.

Level of detail: labels are skipped below `LABEL_LOD`; below `OVERVIEW_SCALE` node
items are hidden band by band and each band paints its nodes as device-pixel dots.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import networkx as nx
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QSizePolicy, QToolTip, QWidget

from core.history import VersionInfo
from gui import graph_export
from gui.graph_items import (
    LANE_W,
    NODE_RECT,
    OVERVIEW_SCALE,
    RADIUS,
    ROW_H,
    BlockItem,
    GraphStyle,
    NodeItem,
    NodeKey,
    NodeLayer,
    SelectionItem,
    node_tooltip,
)
from gui.graph_scene import LineageScene, build_scene, gc_paused

EMPTY_TEXT = "Select an artifact to see its history"
SCENE_MARGIN = 40.0


class LineageView(QGraphicsView):
    versionSelected = Signal(int)
    compareRequested = Signal(int, int)
    ghostSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scene = QGraphicsScene(self)
        # A static scene of many items: the BSP index makes "what is visible" cheap.
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setScene(scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        # Selecting repaints two small rects; scrolling is handled by Qt's blit.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        # Items set pen/brush/font on every paint, so saving painter state per item is waste;
        # the background is a flat fill, so caching it buys nothing.
        self.setOptimizationFlags(
            QGraphicsView.OptimizationFlag.DontSavePainterState
            | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
        )
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._style = GraphStyle.from_palette(self.palette(), self.font())
        self._message = EMPTY_TEXT
        self._reset_state()

    # ----------------------------------------------------------------- state
    def _reset_state(self) -> None:
        self._graph: nx.DiGraph | None = None
        self._built: LineageScene | None = None
        self._points: dict[NodeKey, QPointF] = {}  # node key -> QPointF (scene)
        self._lane_row: dict[NodeKey, tuple[int, int]] = {}  # node key -> (lane, row)
        self._grid: dict[tuple[int, int], NodeKey] = {}  # (lane, row) -> node key
        self._row_members: dict[int, list[NodeKey]] = {}  # row -> keys sorted by lane
        self._items: dict[NodeKey, NodeItem] = {}
        self._blocks: list[BlockItem] = []
        self._layers: list[NodeLayer] = []
        self._max_row = 0
        self._selected: NodeKey | None = None
        self._selection: SelectionItem | None = None
        self._match_ring: SelectionItem | None = None
        self._compare_ring: SelectionItem | None = None
        self._overview = False
        self._auto_view = True  # until the user zooms or pans, resizing re-applies it
        self._fitted_room: QSize | None = None  # maximumViewportSize() at the last resize
        self._content = QRectF()

    def clear_graph(self, message: str = "") -> None:
        """Remove the graph and show `message` (default: the empty-state hint)."""
        self.scene().clear()
        self._reset_state()
        self._message = message or EMPTY_TEXT
        self.scene().setSceneRect(QRectF(0, 0, 1, 1))
        self.resetTransform()
        self.viewport().update()

    def node_count(self) -> int:
        return len(self._items)

    def node_item(self, key: NodeKey) -> NodeItem | None:
        return self._items.get(key)

    def graph(self) -> nx.DiGraph | None:
        return self._graph

    # ------------------------------------------------------------ building
    def set_versions(self, versions: list[VersionInfo], head_id: int | None) -> None:
        """Draw the versions of one artifact (any order); `head_id` None means the newest."""
        with gc_paused():
            self._build(versions, head_id)

    def _build(self, versions: list[VersionInfo], head_id: int | None) -> None:
        self.scene().clear()
        self._reset_state()
        if not versions:
            self.clear_graph("This artifact has no recorded versions yet.")
            return
        built = build_scene(self.scene(), versions, head_id, self._style)
        self._built = built
        self._graph, self._max_row, self._content = built.graph, built.max_row, built.content
        self._points, self._lane_row, self._grid = built.points, built.lane_row, built.grid
        self._row_members, self._items = built.row_members, built.items
        self._blocks, self._layers = built.blocks, built.layers
        self._selection, self._match_ring = built.selection, built.match_ring
        self._compare_ring = built.compare_ring
        content = self._content
        self.scene().setSceneRect(content.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN))
        self._initial_view()

    # ------------------------------------------------------------- viewing
    def _fit_scale(self) -> float:
        if self._content.isEmpty():
            return 1.0
        # The room without scroll bars: whether one shows must not change the answer, or
        # fitting (no bars) and reading size (bars) would take turns on every resize.
        vp = self.maximumViewportSize()
        rect = self._content.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN)
        return min(vp.width() / rect.width(), vp.height() / rect.height())

    def _initial_view(self) -> None:
        """Small graphs fit the window; a long history opens at reading size on its head."""
        if self._fit_scale() >= 0.5:
            self.zoom_to_fit()
        else:
            self.setTransform(QTransform())
            head = self._head_key()
            if head is not None:
                self.centerOn(self._points[head] + QPointF(LANE_W / 2 - RADIUS, 0))
            self._apply_lod()
        self._auto_view = True

    def zoom_to_fit(self) -> None:
        """Fit the whole graph in the window, never magnifying beyond 100%."""
        if self._content.isEmpty():
            return
        rect = self._content.adjusted(-SCENE_MARGIN / 2, -SCENE_MARGIN / 2, SCENE_MARGIN / 2, SCENE_MARGIN / 2)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.0:
            self.setTransform(QTransform())
            self.centerOn(rect.center())
        self._auto_view = False
        self._apply_lod()

    def _apply_lod(self) -> None:
        scale = self.transform().m11()
        overview = scale < OVERVIEW_SCALE
        if overview != self._overview:
            self._overview = overview
            for layer in self._layers:
                layer.setVisible(not overview)
            for block in self._blocks:
                block.overview = overview
                block.update()
        if self._selection is not None:
            self._selection.set_scale(scale)
            self._match_ring.set_scale(scale)
            self._compare_ring.set_scale(scale)

    # Callers (and Qt's own helpers called from Python) change the zoom through these;
    # each re-checks the level of detail so the overview never outlives a zoom-in.
    def setTransform(self, matrix: QTransform, combine: bool = False) -> None:
        super().setTransform(matrix, combine)
        self._apply_lod()

    def resetTransform(self) -> None:
        super().resetTransform()
        self._apply_lod()

    def scale(self, sx: float, sy: float) -> None:
        super().scale(sx, sy)
        self._apply_lod()

    def fitInView(self, *args: object, **kwargs: object) -> None:
        super().fitInView(*args, **kwargs)
        self._apply_lod()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if not delta or self._graph is None:
            super().wheelEvent(event)
            return
        current = self.transform().m11()
        lowest = min(self._fit_scale(), 0.5) * 0.5
        target = min(max(current * math.pow(1.0015, delta), lowest), 4.0)
        factor = target / current
        self.scale(factor, factor)
        self._auto_view = False
        self._apply_lod()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        room = self.maximumViewportSize()
        if room == self._fitted_room:
            return  # only a scroll bar came or went: fitting again would bring it back, forever
        self._fitted_room = room
        if self._auto_view and self._graph is not None:
            self._initial_view()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, self._style.background)
        if self._graph is None:
            painter.save()
            painter.resetTransform()
            painter.setPen(self._style.muted)
            painter.setFont(self._style.font)
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._message)
            painter.restore()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            fresh = GraphStyle.from_palette(self.palette(), self.font())
            self._style.__dict__.update(fresh.__dict__)  # items share this object
            self.viewport().update()
        super().changeEvent(event)

    # ----------------------------------------------------------- selection
    def _head_key(self) -> NodeKey | None:
        if self._graph is None:
            return None
        return next((n for n, d in self._graph.nodes(data=True) if d.get("is_head")), None)

    def selected_version_id(self) -> int | None:
        key = self._selected
        return key if isinstance(key, int) else None

    def select_version(self, version_id: int, center: bool = True) -> None:
        """Select a version without emitting; an id not in the graph is ignored."""
        if version_id in self._items:
            self._select(version_id, emit=False, center=center)

    def _select(self, key: NodeKey, *, emit: bool, center: bool = False) -> None:
        self._selected = key
        sel = self._selection
        point = self._points[key]
        sel.setPos(point)
        sel.setVisible(True)
        self._compare_ring.setVisible(False)
        match = self._graph.nodes[key].get("matches_version")
        self._match_ring.setVisible(match in self._points)
        if match in self._points:
            self._match_ring.setPos(self._points[match])
        if center:
            self.centerOn(point + QPointF(LANE_W / 2 - RADIUS, 0) if self.transform().m11() > 0.3 else point)
        else:
            self.ensureVisible(QRectF(point.x() + NODE_RECT.left(), point.y() - ROW_H / 2, LANE_W / 2, ROW_H), 20, 20)
        if emit:
            if self._graph.nodes[key].get("ghost"):
                self.ghostSelected.emit(self._graph.nodes[key]["content_hash"])
            else:
                self.versionSelected.emit(key)

    def find_by_prefix(self, prefix: str) -> int | None:
        """Select and centre the newest version whose hash starts with `prefix`; emits."""
        prefix = prefix.strip().lower()
        if not prefix or self._graph is None:
            return None
        hits = [n for n, d in self._graph.nodes(data=True)
                if not d.get("ghost") and d["content_hash"].startswith(prefix)]
        if not hits:
            return None
        best = max(hits)
        self._select(best, emit=True, center=True)
        return best

    def node_at(self, view_pos: QPoint) -> NodeKey | None:
        """The node under a viewport position (its dot or its label), or None."""
        if self._graph is None:
            return None
        sp = self.mapToScene(view_pos)
        lane = math.floor((sp.x() - NODE_RECT.left()) / LANE_W)
        screen_row = round(sp.y() / ROW_H)
        key = self._grid.get((lane, self._max_row - screen_row))
        if key is None:
            return None
        local = sp - self._points[key]
        tolerance = 6.0 / max(self.transform().m11(), 1e-6)  # a few pixels when zoomed out
        if NODE_RECT.adjusted(-tolerance, -tolerance, tolerance, tolerance).contains(local):
            return key
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            key = self.node_at(event.position().toPoint())
            if key is not None:
                self.setFocus(Qt.FocusReason.MouseFocusReason)
                ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
                selected = self.selected_version_id()
                if ctrl and selected is not None and isinstance(key, int) and key != selected:
                    self._compare_ring.setPos(self._points[key])
                    self._compare_ring.setVisible(True)
                    self.compareRequested.emit(selected, key)
                else:
                    self._select(key, emit=True)
                event.accept()
                return
        self._auto_view = False
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._graph is None:
            super().keyPressEvent(event)
            return
        key = event.key()
        target = None
        current = self._selected
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home):
            if current is None or key == Qt.Key.Key_Home:
                target = self._head_key()
            else:
                target = self._built.neighbour(current, key)
            if target is not None:
                self._auto_view = False
                self._select(target, emit=True)
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------- tooltip
    def node_tooltip(self, key: NodeKey) -> str:
        return node_tooltip(self._graph, key)

    def viewportEvent(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            key = self.node_at(event.pos())
            if key is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.node_tooltip(key), self.viewport())
            return True
        return super().viewportEvent(event)

    # -------------------------------------------------------------- export
    # The writing is gui.graph_export's; the view only lends its scene and state.
    def content_rect(self) -> QRectF:
        return QRectF(self._content)

    def background_colour(self) -> QColor:
        return QColor(self._style.background)

    @contextmanager
    def export_mode(self, scale: float) -> Iterator[None]:
        """Hide the selection rings and pick the level of detail for `scale` while rendering."""
        selection_visible = self._selection.isVisible() if self._selection else False
        match_visible = self._match_ring.isVisible() if self._match_ring else False
        compare_visible = self._compare_ring.isVisible() if self._compare_ring else False
        try:
            if self._selection is not None:
                self._selection.setVisible(False)
                self._match_ring.setVisible(False)
                self._compare_ring.setVisible(False)
            for layer in self._layers:
                layer.setVisible(scale >= OVERVIEW_SCALE)
            for block in self._blocks:
                block.overview = scale < OVERVIEW_SCALE
            yield
        finally:
            if self._selection is not None:
                self._selection.setVisible(selection_visible)
                self._match_ring.setVisible(match_visible)
                self._compare_ring.setVisible(compare_visible)
            self._overview = None  # force _apply_lod to restore the window's mode
            self._apply_lod()

    def export_png(self, path: str | Path) -> Path:
        return graph_export.export_png(self, path)

    def export_svg(self, path: str | Path) -> Path:
        return graph_export.export_svg(self, path)

    def export_graphml(self, path: str | Path) -> Path:
        return graph_export.export_graphml(self, path)

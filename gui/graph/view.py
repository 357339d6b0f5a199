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
  generation row; the walk keys follow the lineage (`gui.graph.navigation`, rules in
  `core.history.lineage_walk`): Alt+Down first parent, Alt+Shift+Down second parent,
  Alt+Up child (a chooser where several), Home head, End root, Ctrl+Left/Right the
  neighbouring lane's version nearest in time. A keyboard move emits like a click and
  scrolls the selection into view; a move onto a folded run unfolds it there;
- selecting lights the selection's ancestors and descendants and dims the rest
  (`set_highlight_ancestry`, Ctrl+H); the edge under the pointer is lit with its two ends;
- the vertical scroll bar marks heads, merges, the waiting upstream and search hits;
- wheel zooms around the cursor, dragging the background pans, `zoom_to_fit()`;
- hover shows a tooltip (full hashes, origin, local and UTC time, upstream commit, counts).

`select_version()` is programmatic and emits nothing (so a caller that reacts to
`versionSelected` by selecting cannot loop); `find_by_prefix()` is a user search and
emits `versionSelected` for the version it selects.

Level of detail: labels are skipped below `LABEL_LOD`; below `OVERVIEW_SCALE` node
items are hidden band by band and each band paints its nodes as device-pixel dots.

Building: `show_plan` draws a `gui.graph.scene.ScenePlan` (made on a worker by the
window, or by `set_versions` on this thread). The edges of every band exist at once;
node items are made band by band as the view scrolls or zooms onto them, so showing
or leaving a 10,000-version history touches a few hundred items, not 10,000. Hit
tests, keys and selection read positions, never items.

Keys come from `gui.hotkeys`. Export is `gui.graph.export`'s: the view lends it its
scene, content rectangle, background and `export_mode`, and imports nothing of it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from typing import TYPE_CHECKING

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
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QMenu, QSizePolicy, QToolTip, QWidget

from core.history import VersionInfo
from gui import hotkeys
from gui.graph.items import (
    LANE_W,
    is_dimmed,
    NODE_RECT,
    OVERVIEW_SCALE,
    RADIUS,
    ROW_H,
    GraphStyle,
    NodeItem,
    NodeKey,
    PendingMergeItem,
    pending_merge_item,
    SelectionItem,
    node_tooltip,
)
from gui.graph.export_mode import export_rendering
from gui.graph.highlight import AncestryItem, OverlayItem, edge_under, hover_pen, lit_ancestry, polyline_path
from gui.graph.lanes import header_height, paint_band_backgrounds, paint_lane_headers
from gui.graph.markers import MarkerScrollBar
from gui.graph.navigation import child_menu, targets, towards_parent
from gui.graph.scene import LineageScene, ScenePlan, ViewOptions, build_scene, gc_paused, plan_scene
from gui.graph.search_marks import SearchMarks, prefix_hits
from gui.graph.zoom import fit_centre, fit_for, padded, room_scale, wheel_scale

if TYPE_CHECKING:
    import networkx as nx

EMPTY_TEXT = "Select an artifact to see its history"


class LineageView(QGraphicsView):
    versionSelected = Signal(int)
    compareRequested = Signal(int, int)
    ghostSelected = Signal(str)
    waitingSelected = Signal(str)  # the upstream state not synced yet (its content hash)
    foldActivated = Signal(object, object)  # a folded run's key, and the member to select (or None): unfold it
    highlightChanged = Signal(bool)  # the ancestry highlight was turned on or off (Ctrl+H)
    nodeMenuRequested = Signal(int, QPoint)  # a version's context menu, at a global position

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
        self._pending_merge: tuple[tuple[int, ...], str] | None = None  # kept across rebuilds
        self._search = SearchMarks()
        self.pending_item: PendingMergeItem | None = None
        self.marker_bar = MarkerScrollBar(self)
        self.setVerticalScrollBar(self.marker_bar)
        self.viewport().setMouseTracking(True)  # edges light up under the pointer
        self._highlight_ancestry = True
        self.child_chooser: QMenu | None = None  # Alt+Up's list when a version has several children
        self._reset_state()

    # ----------------------------------------------------------------- state
    def _reset_state(self) -> None:
        self._built: LineageScene | None = None
        self._plan: ScenePlan | None = None
        self._selected: NodeKey | None = None
        self._overview = False
        self._auto_view = True  # until the user zooms or pans, resizing re-applies it
        self._fitted_room: QSize | None = None  # maximumViewportSize() at the last resize
        self._content = QRectF()
        self._hover_edge: tuple[NodeKey, NodeKey] | None = None
        self._ancestry_item: AncestryItem | None = None
        self._hover_item: OverlayItem | None = None
        self._style.lit = None
        self._style.search = None
        self._style.fold_hits = {}
        if hasattr(self, "_search"):
            self._search.reset()

    @property
    def _graph(self) -> nx.DiGraph | None:
        return self._plan.graph if self._plan is not None else None

    @property
    def _points(self) -> dict[NodeKey, QPointF]:
        return self._plan.points if self._plan is not None else {}

    def _add_pending_merge(self) -> None:
        mark = self._pending_merge
        self.pending_item = pending_merge_item(self._points, *mark, self._style) if mark is not None else None
        if self.pending_item is not None:
            self.scene().addItem(self.pending_item)
            self._content = self._content.united(self.pending_item.sceneBoundingRect())

    def clear_graph(self, message: str = "") -> None:
        """Remove the graph and show `message` (default: the empty-state hint)."""
        self.scene().clear()
        self._reset_state()
        self._message = message or EMPTY_TEXT
        self.scene().setSceneRect(QRectF(0, 0, 1, 1))
        self.resetTransform()
        self.viewport().update()

    def node_count(self) -> int:
        """Nodes in the graph (versions and ghosts), whether or not their items exist yet."""
        return len(self._points)

    def item_count(self) -> int:
        """Node items made so far: only bands that have been on screen have them."""
        return len(self._built.items) if self._built is not None else 0

    def node_item(self, key: NodeKey) -> NodeItem | None:
        """The node's item (made, with its band, if it was not yet)."""
        if self._built is None:
            return None
        return self._built.item(key)

    def node_dimmed(self, key: NodeKey) -> bool:
        """Whether the node is drawn faint (outside the lit ancestry or a search's hits)."""
        return is_dimmed(self._style, key)

    def graph(self) -> nx.DiGraph | None:
        return self._graph

    def node_pos(self, key: NodeKey) -> QPointF | None:
        """Where the node is drawn (scene coordinates), or None if it is not in the graph."""
        point = self._points.get(key)
        return QPointF(point) if point is not None else None

    def compare_ring(self) -> SelectionItem | None:
        """The dotted ring marking the version a Ctrl+click compares with."""
        return self._built.compare_ring if self._built is not None else None

    # ------------------------------------------------------------ building
    def set_pending_merge(self, parents: tuple[int, ...] | None, label: str = "") -> None:
        """Mark a merge waiting on conflicts between these versions; applied when the graph is
        (re)built, so it may be set before `set_versions`. None clears it."""
        self._pending_merge = (parents, label) if parents else None

    def pending_merge(self) -> tuple[tuple[int, ...] | None, str]:
        """The mark set by `set_pending_merge`, as (parents, label); (None, "") when none."""
        return self._pending_merge if self._pending_merge is not None else (None, "")

    def set_versions(self, versions: list[VersionInfo], head_id: int | None, options: ViewOptions | None = None) -> None:
        """Draw the versions of one artifact (any order); `head_id` None means the newest.
        Nothing is folded unless `options` asks (the window's browser does).

        Plans on this thread; the window plans on a worker (`gui.graph.loader`) and
        calls `show_plan`."""
        if not versions:
            self.clear_graph("This artifact has no recorded versions yet.")
            return
        self.show_plan(plan_scene(versions, head_id, options or ViewOptions(fold=False)))

    def show_plan(self, plan: ScenePlan) -> None:
        """Draw a planned graph: every band's edges now, node items for what is on screen."""
        with gc_paused():
            self.scene().clear()
            self._reset_state()
            self._built = build_scene(self.scene(), plan, self._style)
            self._plan = plan
            self._content = plan.content
            self._hover_item = OverlayItem(hover_pen(self._style.highlight), 0.6)
            self._hover_item.setVisible(False)
            self.scene().addItem(self._hover_item)
            self._add_pending_merge()
            self.scene().setSceneRect(padded(plan.content))
            self._initial_view()
            self._materialize_visible()
            self._update_markers()

    def _update_markers(self) -> None:
        """Landmarks (core) as ticks on the vertical scroll bar, once per graph; then the hits."""
        plan = self._plan
        if plan is None:
            self.marker_bar.set_markers([])
            self.marker_bar.set_hits([])
            return
        rect = self.sceneRect()
        height = max(rect.height(), 1.0)
        self.marker_bar.set_markers([((plan.points[key].y() - rect.top()) / height, kind)
                                     for key, kind in plan.landmarks if key in plan.points])
        self._update_hit_marks()

    def _update_hit_marks(self) -> None:
        plan = self._plan
        if plan is None:
            return
        rect = self.sceneRect()
        self.marker_bar.set_hits(self._search.ticks(plan, rect.top(), max(rect.height(), 1.0)))

    def screen_rows(self) -> int:
        """Rows of the graph the view shows at the smallest readable zoom (what core's
        folding calls a screenful); a view not laid out yet answers the plan's default."""
        from gui.graph.scene import SCREEN_ROWS

        if not self.isVisible() or self.viewport().height() < 2 * ROW_H:
            return SCREEN_ROWS
        return max(int(self.viewport().height() / (ROW_H * self._readable_scale())), 4)

    def _label_px(self) -> float:
        return float(QFontInfo(self._style.small).pixelSize())

    def _readable_scale(self) -> float:
        from core.history.lineage_view import MIN_LABEL_PX

        return min(MIN_LABEL_PX / max(self._label_px(), 1.0), 1.0)

    def _materialize_visible(self) -> None:
        """Make the node items of the rows on screen, and of the bands beside them."""
        built = self._built
        if built is None or self._overview:
            return
        rect = self.mapToScene(self.viewport().rect()).boundingRect()
        max_row = self._plan.max_row
        built.ensure_rows(max_row - math.ceil(rect.bottom() / ROW_H) - 1, max_row - math.floor(rect.top() / ROW_H) + 1)

    def set_search_matches(self, ids: Iterable[int] | None) -> None:
        """A search's matches (version ids; None: no search): they stay lit, every other node
        dims, a folded run holding some is lit and counts them, the scroll bar marks them
        (gui.graph.search_marks). The one way a search reaches the graph."""
        self._search.set(self._plan, ids)
        self._style.search = self._search.lit
        self._style.fold_hits = self._search.fold_hits
        self._update_hit_marks()
        self.viewport().update()

    def search_matches(self) -> frozenset[int] | None:
        """The versions the search matched (None: no search)."""
        return self._search.versions

    def search_fold_hits(self) -> dict[NodeKey, int]:
        """Each folded run holding matches, and how many."""
        return dict(self._search.fold_hits)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._materialize_visible()

    # ------------------------------------------------------------- viewing
    def _initial_view(self) -> None:
        """Every graph opens fitted (core's rule: readable labels, the head at the top)."""
        self.zoom_to_fit()
        self._auto_view = True

    def fit_info(self):
        """Core's `Fit` for this graph in this view (scale, and where it still scrolls)."""
        headers = header_height(self._style) if self._plan is not None and self._plan.lines else 0
        return fit_for(self._content, self.maximumViewportSize(), headers, self._label_px(),
                       self.verticalScrollBar().sizeHint().width())

    def zoom_to_fit(self) -> None:
        """Fit the graph in the window (`core.history.lineage_view.fit_scale`): never magnified,
        never with labels under ~9 px; a graph taller than that fits its width, shows its
        top (the head) and scrolls vertically."""
        if self._content.isEmpty():
            return
        fit = self.fit_info()
        self.setTransform(QTransform.fromScale(fit.scale, fit.scale))
        self.centerOn(fit_centre(self._content, fit, self.viewport().size()))
        self._auto_view = False
        self._apply_lod()

    def _apply_lod(self) -> None:
        scale = self.transform().m11()
        overview = scale < OVERVIEW_SCALE
        built = self._built
        if built is None:
            self._overview = overview
            return
        if overview != self._overview:
            self._overview = overview
            built.set_overview(overview)
        built.set_ring_scale(scale)
        for item in (self._ancestry_item, self._hover_item):
            if item is not None:
                item.overview = overview
        self._materialize_visible()

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
        factor = wheel_scale(current, delta, room_scale(self._content, self.maximumViewportSize())) / current
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
        self._materialize_visible()

    def lines(self) -> dict[str, tuple[int, int]]:
        """The drawn lines' bands of lanes (line -> (first lane, lanes)), left to right."""
        return dict(self._plan.lines) if self._plan is not None else {}

    def all_lines(self) -> list[str]:
        """Every line of the artifact on screen, hidden ones included."""
        return list(self._plan.all_lines) if self._plan is not None else []

    def line_colours(self) -> dict[str, int]:
        """Each line's colour slot (`gui.style.palette.lane_color`), kept for the line's life."""
        return dict(self._plan.colours) if self._plan is not None else {}

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if self._plan is None or not self._plan.lines:
            return
        painter.save()
        painter.resetTransform()
        paint_lane_headers(painter, QRectF(self.viewport().rect()),
                           lambda x: self.mapFromScene(QPointF(x, 0)).x(), self._plan.lines, self._style,
                           self._plan.colours)
        painter.restore()

    def contextMenuEvent(self, event) -> None:
        key = self.node_at(event.pos())
        if isinstance(key, int):
            self._select(key, emit=True)
            self.nodeMenuRequested.emit(key, event.globalPos())
            event.accept()
            return
        super().contextMenuEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, self._style.background)
        if self._plan is not None and len(self._plan.lines) > 1:
            paint_band_backgrounds(painter, rect, self._plan.lines, self._style, self._plan.colours)
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
            fresh.lit, fresh.search, fresh.fold_hits = self._style.lit, self._style.search, self._style.fold_hits
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
        if version_id in self._points:
            self._select(version_id, emit=False, center=center)

    def reveal_version(self, version_id: int) -> bool:
        """Select and centre a version without emitting; one inside a folded run asks for the
        run to be unfolded there (`foldActivated(run, version_id)`: the window redraws and
        selects it). False when the version is not in the graph at all."""
        if version_id in self._points:
            self._select(version_id, emit=False, center=True)
            return True
        run = self._plan.fold_of.get(version_id) if self._plan is not None else None
        if run is None:
            return False
        self.foldActivated.emit(run, version_id)
        return True

    def highlight_ancestry(self) -> bool:
        return self._highlight_ancestry

    def set_highlight_ancestry(self, on: bool) -> None:
        """Light the selection's ancestors and descendants (dimming the rest), or stop."""
        if on == self._highlight_ancestry:
            return
        self._highlight_ancestry = on
        self._apply_ancestry()
        self.highlightChanged.emit(on)

    def lit_nodes(self) -> frozenset | None:
        """The nodes drawn at full strength while an ancestry is lit (None: nothing dimmed)."""
        return self._style.lit

    def _apply_ancestry(self) -> None:
        built, key = self._built, self._selected
        if built is None:
            return
        if self._ancestry_item is not None:
            self.scene().removeItem(self._ancestry_item)
            self._ancestry_item = None
        if self._highlight_ancestry and key is not None:
            self._ancestry_item = lit_ancestry(self._plan, key, bool(self._overview))
            if self._ancestry_item is not None:
                self.scene().addItem(self._ancestry_item)
        lit = self._ancestry_item.lit if self._ancestry_item is not None else None
        self._style.lit = lit
        for block in built.blocks:
            block.dim = lit is not None
        self.viewport().update()

    def _select(self, key: NodeKey, *, emit: bool, center: bool = False) -> None:
        self._selected = key
        point = self._points[key]
        self._built.show_selection(key)
        self._apply_ancestry()
        if center:
            self.centerOn(point + QPointF(LANE_W / 2 - RADIUS, 0) if self.transform().m11() > 0.3 else point)
        else:
            # The dot and its whole label (a walk to the next lane shows what it reached).
            self.ensureVisible(QRectF(point.x() + NODE_RECT.left(), point.y() - ROW_H / 2, NODE_RECT.width(), ROW_H), 20, 20)
        if emit:
            if self._graph.nodes[key].get("folded"):
                self.foldActivated.emit(key, None)
            elif self._graph.nodes[key].get("waiting"):
                self.waitingSelected.emit(self._graph.nodes[key]["content_hash"])
            elif self._graph.nodes[key].get("ghost"):
                self.ghostSelected.emit(self._graph.nodes[key]["content_hash"])
            else:
                self.versionSelected.emit(key)

    def find_by_prefix(self, prefix: str) -> int | None:
        """Select and centre the newest version whose hash starts with `prefix`; emits."""
        prefix = prefix.strip().lower()
        if not prefix or self._graph is None:
            return None
        hits = prefix_hits(self._plan, prefix)  # inside folded runs too: the run unfolds on the one found
        folded = self._plan.fold_of
        self.set_search_matches(hits)
        if not hits:
            return None
        best = max(hits)
        if best in folded:
            self.foldActivated.emit(folded[best], best)
            return best
        self._select(best, emit=True, center=True)
        return best

    def node_at(self, view_pos: QPoint) -> NodeKey | None:
        """The node under a viewport position (its dot or its label), or None."""
        if self._plan is None:
            return None
        # A few pixels of tolerance when zoomed out.
        return self._plan.node_at(self.mapToScene(view_pos), 6.0 / max(self.transform().m11(), 1e-6))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            key = self.node_at(event.position().toPoint())
            if key is not None:
                self.setFocus(Qt.FocusReason.MouseFocusReason)
                ctrl = bool(event.modifiers() & hotkeys.COMPARE_CLICK.modifiers)
                selected = self.selected_version_id()
                if ctrl and selected is not None and isinstance(key, int) and key != selected:
                    self._built.compare_ring.setPos(self._points[key])
                    self._built.compare_ring.setVisible(True)
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
        hotkey = next((k for k in hotkeys.GRAPH_KEYS if k.matches(event)), None)
        if hotkey is hotkeys.GRAPH_HIGHLIGHT:
            self.set_highlight_ancestry(not self._highlight_ancestry)
            event.accept()
            return
        if hotkey is not None:
            current = self._selected
            if current is not None and current not in self._points:
                current = None
            found = targets(self._plan, current, hotkey)
            if len(found) > 1:
                self._choose_child(current, found)
            elif found:
                self.walk_to(found[0], towards_parent=towards_parent(hotkey))
            event.accept()
            return
        super().keyPressEvent(event)

    def walk_to(self, key: NodeKey, towards_parent: bool = False) -> None:
        """Select `key` as a key press does (emits; scrolls it into view). A folded run is
        unfolded on the member next to where the walk came from (its newest going down)."""
        data = self._graph.nodes[key]
        if data.get("folded"):
            members = data["members"]
            self.foldActivated.emit(key, members[-1] if towards_parent else members[0])
            return
        self._auto_view = False
        self._select(key, emit=True)

    def _choose_child(self, current: NodeKey, children: list[NodeKey]) -> None:
        """A menu of the children (gui.graph.navigation.child_menu): Enter takes the first."""
        self.child_chooser = child_menu(self, self._plan, children, self.walk_to)
        point = self.mapFromScene(self._points[current])
        self.child_chooser.popup(self.viewport().mapToGlobal(point + QPoint(12, -12)))

    # ----------------------------------------------------------- hover edges
    def hovered_edge(self) -> tuple[NodeKey, NodeKey] | None:
        return self._hover_edge

    def hover_at(self, view_pos: QPoint) -> None:
        """Light the edge under a viewport position (not over a node) with its two ends."""
        edge = None
        if self._plan is not None:
            scale = max(self.transform().m11(), 1e-6)
            edge = edge_under(self._plan, self.mapToScene(view_pos), self.node_at(view_pos), scale)
        if edge == self._hover_edge or self._hover_item is None:
            return
        self._hover_edge = edge
        if edge is None:
            self._hover_item.clear()
            return
        line = self._plan.edges[edge]
        self._hover_item.show_path(polyline_path(line), ends=(line[0], line[-1]))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() == Qt.MouseButton.NoButton:
            self.hover_at(event.position().toPoint())
        super().mouseMoveEvent(event)

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
    # The writing is gui.graph.export's; the view only lends its scene and state.
    def content_rect(self) -> QRectF:
        return QRectF(self._content)

    def background_colour(self) -> QColor:
        return QColor(self._style.background)

    @contextmanager
    def export_mode(self, scale: float) -> Iterator[None]:
        """Hide the selection rings and pick the level of detail for `scale` while rendering
        (gui.graph.export_mode; node items of every band are made first when `scale` shows them)."""
        if self._built is None:
            yield
            return
        try:
            with export_rendering(self._built, self._style, (self._ancestry_item, self._hover_item), scale):
                yield
        finally:
            self._overview = None  # force _apply_lod to restore the window's mode
            self._apply_lod()

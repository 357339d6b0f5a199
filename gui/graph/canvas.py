"""The drawing half of the lineage graph: a QGraphicsView that shows a planned graph at any size.

`GraphCanvas` draws a `gui.graph.scene.ScenePlan` (made on a worker by the window, or by
`set_versions` on this thread) and keeps it readable and cheap; `gui.graph.view.LineageView`
adds what a person does with it (selection, the ancestry highlight, keys, clicks, hover).

Building: `show_plan` makes the edges of every band at once; node items are made band by
band as the view scrolls or zooms onto them, so showing or leaving a 10,000-version history
touches a few hundred items, not 10,000. Hit tests, keys and selection read positions, never items.

Zoom (`gui.graph.zoom`'s arithmetic): every graph opens fitted (core's `fit_scale`: readable
labels, all lanes, the head at the top) and is fitted again on resizes until the person zooms
or pans; the wheel zooms around the cursor; dragging the background pans. Level of detail:
labels are skipped below `LABEL_LOD`; below `OVERVIEW_SCALE` node items are hidden band by
band and each band paints its nodes as device-pixel dots.

Marks: the lane headers stay pinned to the top, the bands of lanes are tinted, the vertical
scroll bar marks heads, merges, the waiting upstream and search hits (`gui.graph.markers`);
a search's matches stay lit and the rest dims (`set_search_matches`, `gui.graph.search_marks`).

Export is `gui.graph.export`'s: the canvas lends it its scene, content rectangle, background
and `export_mode` (`gui.graph.export_mode`), and imports nothing of it.

Subclasses hook in with `reset_interaction` (a graph is shown or cleared), `add_overlays`
(the scene was built) and `overlays` (the items that follow the level of detail).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QFontInfo, QPainter, QResizeEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView, QSizePolicy, QWidget

from core.history import VersionInfo
from gui.graph.export_mode import export_rendering
from gui.graph.items import (
    OVERVIEW_SCALE,
    ROW_H,
    GraphStyle,
    NodeItem,
    NodeKey,
    PendingMergeItem,
    SelectionItem,
    is_dimmed,
    pending_merge_item,
)
from gui.graph.lanes import header_height, paint_band_backgrounds, paint_lane_headers
from gui.graph.markers import MarkerScrollBar
from gui.graph.scene import LineageScene, ScenePlan, ViewOptions, build_scene, gc_paused, plan_scene
from gui.graph.search_marks import SearchMarks
from gui.graph.zoom import fit_centre, fit_for, padded, room_scale, wheel_scale

if TYPE_CHECKING:
    import networkx as nx

EMPTY_TEXT = "Select an artifact to see its history"


class GraphCanvas(QGraphicsView):
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
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.graph_style = GraphStyle.from_palette(self.palette(), self.font())  # the items share it
        self._message = EMPTY_TEXT
        self._pending_merge: tuple[tuple[int, ...], str] | None = None  # kept across rebuilds
        self._search = SearchMarks()
        self.pending_item: PendingMergeItem | None = None
        self.marker_bar = MarkerScrollBar(self)
        self.setVerticalScrollBar(self.marker_bar)
        # A scroll bar moved by the person (dragged, clicked, wheeled; not set by the program)
        # ends the automatic view: a later resize must not throw them back to the head.
        self.marker_bar.actionTriggered.connect(self._moved_by_person)
        self.horizontalScrollBar().actionTriggered.connect(self._moved_by_person)
        self._reset_state()

    # ------------------------------------------------------------- hooks
    def reset_interaction(self) -> None:
        """A graph is shown or cleared: forget what the person did with the last one."""

    def add_overlays(self) -> None:
        """The scene was just built: add items drawn over it."""

    def overlays(self) -> tuple[QGraphicsItem | None, ...]:
        """Items over the graph that follow the level of detail (their `overview`) and hide for an export."""
        return ()

    # ----------------------------------------------------------------- state
    def _reset_state(self) -> None:
        self.built: LineageScene | None = None
        self.plan: ScenePlan | None = None
        self.overview = False
        self.auto_view = True  # until the user zooms or pans, resizing re-applies it
        self._fitted_room: QSize | None = None  # maximumViewportSize() at the last resize
        self._content = QRectF()
        self.graph_style.lit = None
        self.graph_style.search = None
        self.graph_style.fold_hits = {}
        if hasattr(self, "_search"):
            self._search.reset()
        self.reset_interaction()

    @property
    def _graph(self) -> nx.DiGraph | None:
        return self.plan.graph if self.plan is not None else None

    @property
    def points(self) -> dict[NodeKey, QPointF]:
        return self.plan.points if self.plan is not None else {}

    def _add_pending_merge(self) -> None:
        mark = self._pending_merge
        self.pending_item = pending_merge_item(self.points, *mark, self.graph_style) if mark is not None else None
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
        return len(self.points)

    def item_count(self) -> int:
        """Node items made so far: only bands that have been on screen have them."""
        return len(self.built.items) if self.built is not None else 0

    def node_item(self, key: NodeKey) -> NodeItem | None:
        """The node's item (made, with its band, if it was not yet)."""
        if self.built is None:
            return None
        return self.built.item(key)

    def node_dimmed(self, key: NodeKey) -> bool:
        """Whether the node is drawn faint (outside the lit ancestry or a search's hits)."""
        return is_dimmed(self.graph_style, key)

    def graph(self) -> nx.DiGraph | None:
        return self._graph

    def node_pos(self, key: NodeKey) -> QPointF | None:
        """Where the node is drawn (scene coordinates), or None if it is not in the graph."""
        point = self.points.get(key)
        return QPointF(point) if point is not None else None

    def compare_ring(self) -> SelectionItem | None:
        """The dotted ring marking the version a Ctrl+click compares with."""
        return self.built.compare_ring if self.built is not None else None

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
            self.built = build_scene(self.scene(), plan, self.graph_style)
            self.plan = plan
            self._content = plan.content
            self.add_overlays()
            self._add_pending_merge()
            self.scene().setSceneRect(padded(plan.content))
            self._initial_view()
            self.materialize_visible()
            self._update_markers()

    def _update_markers(self) -> None:
        """Landmarks (core) as ticks on the vertical scroll bar, once per graph; then the hits."""
        plan = self.plan
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
        plan = self.plan
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

    def label_px(self) -> float:
        return float(QFontInfo(self.graph_style.small).pixelSize())

    def _readable_scale(self) -> float:
        from core.history.lineage_view import MIN_LABEL_PX

        return min(MIN_LABEL_PX / max(self.label_px(), 1.0), 1.0)

    def materialize_visible(self) -> None:
        """Make the node items of the rows on screen, and of the bands beside them."""
        built = self.built
        if built is None or self.overview:
            return
        rect = self.mapToScene(self.viewport().rect()).boundingRect()
        max_row = self.plan.max_row
        built.ensure_rows(max_row - math.ceil(rect.bottom() / ROW_H) - 1, max_row - math.floor(rect.top() / ROW_H) + 1)

    def set_search_matches(self, ids: Iterable[int] | None) -> None:
        """A search's matches (version ids; None: no search): they stay lit, every other node
        dims, a folded run holding some is lit and counts them, the scroll bar marks them
        (gui.graph.search_marks). The one way a search reaches the graph."""
        self._search.set(self.plan, ids)
        self.graph_style.search = self._search.lit
        self.graph_style.fold_hits = self._search.fold_hits
        self._update_hit_marks()
        self.viewport().update()

    def search_matches(self) -> frozenset[int] | None:
        """The versions the search matched (None: no search)."""
        return self._search.versions

    def search_fold_hits(self) -> dict[NodeKey, int]:
        """Each folded run holding matches, and how many."""
        return dict(self._search.fold_hits)

    @Slot(int)
    def _moved_by_person(self, _action: int) -> None:
        self.auto_view = False

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.materialize_visible()

    # ------------------------------------------------------------- viewing
    def _initial_view(self) -> None:
        """Every graph opens fitted (core's rule: readable labels, the head at the top)."""
        self.zoom_to_fit()
        self.auto_view = True

    def fit_info(self):
        """Core's `Fit` for this graph in this view (scale, and where it still scrolls)."""
        headers = header_height(self.graph_style) if self.plan is not None and self.plan.lines else 0
        return fit_for(self._content, self.maximumViewportSize(), headers, self.label_px(),
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
        self.auto_view = False
        self.apply_lod()

    def apply_lod(self) -> None:
        scale = self.transform().m11()
        overview = scale < OVERVIEW_SCALE
        built = self.built
        if built is None:
            self.overview = overview
            return
        if overview != self.overview:
            self.overview = overview
            built.set_overview(overview)
        built.set_ring_scale(scale)
        for item in self.overlays():
            if item is not None:
                item.overview = overview
        self.materialize_visible()

    def setTransform(self, matrix: QTransform, combine: bool = False) -> None:
        super().setTransform(matrix, combine)
        self.apply_lod()

    def resetTransform(self) -> None:
        super().resetTransform()
        self.apply_lod()

    def scale(self, sx: float, sy: float) -> None:
        super().scale(sx, sy)
        self.apply_lod()

    def fitInView(self, *args: object, **kwargs: object) -> None:
        super().fitInView(*args, **kwargs)
        self.apply_lod()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if not delta or self._graph is None:
            super().wheelEvent(event)
            return
        current = self.transform().m11()
        factor = wheel_scale(current, delta, room_scale(self._content, self.maximumViewportSize())) / current
        self.scale(factor, factor)
        self.auto_view = False
        self.apply_lod()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        room = self.maximumViewportSize()
        if room == self._fitted_room:
            return  # only a scroll bar came or went: fitting again would bring it back, forever
        self._fitted_room = room
        if self.auto_view and self._graph is not None:
            self._initial_view()
        self.materialize_visible()

    def lines(self) -> dict[str, tuple[int, int]]:
        """The drawn lines' bands of lanes (line -> (first lane, lanes)), left to right."""
        return dict(self.plan.lines) if self.plan is not None else {}

    def all_lines(self) -> list[str]:
        """Every line of the artifact on screen, hidden ones included."""
        return list(self.plan.all_lines) if self.plan is not None else []

    def line_colours(self) -> dict[str, int]:
        """Each line's colour slot (`gui.style.palette.lane_color`), kept for the line's life."""
        return dict(self.plan.colours) if self.plan is not None else {}

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if self.plan is None or not self.plan.lines:
            return
        painter.save()
        painter.resetTransform()
        paint_lane_headers(painter, QRectF(self.viewport().rect()),
                           lambda x: self.mapFromScene(QPointF(x, 0)).x(), self.plan.lines, self.graph_style,
                           self.plan.colours)
        painter.restore()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, self.graph_style.background)
        if self.plan is not None and len(self.plan.lines) > 1:
            paint_band_backgrounds(painter, rect, self.plan.lines, self.graph_style, self.plan.colours)
        if self._graph is None:
            painter.save()
            painter.resetTransform()
            painter.setPen(self.graph_style.muted)
            painter.setFont(self.graph_style.font)
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._message)
            painter.restore()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            fresh = GraphStyle.from_palette(self.palette(), self.font())
            fresh.lit, fresh.search, fresh.fold_hits = self.graph_style.lit, self.graph_style.search, self.graph_style.fold_hits
            self.graph_style.__dict__.update(fresh.__dict__)  # items share this object
            self.viewport().update()
        super().changeEvent(event)

    def content_rect(self) -> QRectF:
        return QRectF(self._content)

    def background_colour(self) -> QColor:
        return QColor(self.graph_style.background)

    # -------------------------------------------------------------- export
    # The writing is gui.graph.export's; the canvas only lends its scene and state.
    @contextmanager
    def export_mode(self, scale: float) -> Iterator[None]:
        """Hide the selection rings and pick the level of detail for `scale` while rendering
        (gui.graph.export_mode; node items of every band are made first when `scale` shows them)."""
        if self.built is None:
            yield
            return
        try:
            with export_rendering(self.built, self.graph_style, self.overlays(), scale):
                yield
        finally:
            self.overview = None  # force _apply_lod to restore the window's mode
            self.apply_lod()

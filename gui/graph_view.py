"""The lineage graph of one artifact, drawn with QGraphicsScene / QGraphicsView.

Core builds the graph and its positions (`core.lineage`); this view only draws them.
The newest generation is drawn at the top, as in `git log --graph`, gitk or tig; the
oldest (a root or a ghost legacy parent) at the bottom. The head's first-parent line
runs straight down lane 0.

Interaction:
- click a node: select it, emit `versionSelected(id)` (a ghost emits `ghostSelected(hash)`);
- Ctrl+click another version: emit `compareRequested(selected_id, clicked_id)`;
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

import gc
import math
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import networkx as nx
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QSizePolicy, QToolTip, QWidget

from core.errors import LineageError
from core.history import VersionInfo
from core.lineage import build_graph, first_parent, layered_layout, to_graphml
from gui import palette
from gui.graph_items import (
    BLOCK_ROWS,
    LANE_W,
    NODE_RECT,
    OVERVIEW_SCALE,
    RADIUS,
    ROW_H,
    BlockItem,
    GraphStyle,
    NodeItem,
    NodeLayer,
    SelectionItem,
)

EMPTY_TEXT = "Select an artifact to see its history"
MAX_EXPORT_PX = 16000  # a 10,000-row graph at 2x would be a 1 GB image
SCENE_MARGIN = 40.0


class ExportError(LineageError):
    """The graph could not be written to a file."""


def _fmt_time(dt: datetime | None) -> str:
    if not isinstance(dt, datetime):
        return "unknown"
    aware = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    local = aware.astimezone()
    utc = aware.astimezone(timezone.utc)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname() or 'local'} ({utc:%Y-%m-%d %H:%M:%S} UTC)"


@contextmanager
def _gc_paused():
    """Building 10,000 nodes allocates ~100,000 objects and no cycles: without this the
    cyclic collector runs dozens of full passes mid-build and doubles the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        self._points: dict = {}  # node key -> QPointF (scene)
        self._lane_row: dict = {}  # node key -> (lane, row)
        self._grid: dict = {}  # (lane, row) -> node key
        self._row_members: dict[int, list] = {}  # row -> keys sorted by lane
        self._items: dict = {}
        self._blocks: list[BlockItem] = []
        self._layers: list[NodeLayer] = []
        self._max_row = 0
        self._selected = None
        self._selection: SelectionItem | None = None
        self._match_ring: SelectionItem | None = None
        self._overview = False
        self._auto_view = True  # until the user zooms or pans, resizing re-applies it
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

    def node_item(self, key) -> NodeItem | None:
        return self._items.get(key)

    def graph(self) -> nx.DiGraph | None:
        return self._graph

    # ------------------------------------------------------------ building
    def set_versions(self, versions: list[VersionInfo], head_id: int | None) -> None:
        """Draw the versions of one artifact (any order); `head_id` None means the newest."""
        with _gc_paused():
            self._build(versions, head_id)

    def _build(self, versions: list[VersionInfo], head_id: int | None) -> None:
        self.scene().clear()
        self._reset_state()
        if not versions:
            self.clear_graph("This artifact has no recorded versions yet.")
            return
        graph = build_graph(versions, head_id)
        layout = layered_layout(graph)
        self._graph = graph
        self._max_row = max_row = int(max(y for _, y in layout.values()))
        max_lane = int(max(x for x, _ in layout.values()))
        scene = self.scene()
        style = self._style

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
            self._points[key] = point
            self._lane_row[key] = (lane_i, row_i)
            self._grid[(lane_i, row_i)] = key
            self._row_members.setdefault(row_i, []).append(key)
            block = row_i // BLOCK_ROWS
            item = NodeItem(key, graph.nodes[key], style, layers[block])
            item.setPos(point)
            self._items[key] = item
            origin = graph.nodes[key].get("origin") or ""
            dots[block].setdefault(origin, QPolygonF()).append(point)
        for members in self._row_members.values():
            members.sort(key=lambda k: self._lane_row[k][0])

        for u, v, kind in graph.edges(data="kind"):
            block = self._lane_row[v][1] // BLOCK_ROWS
            path = dashed[block] if kind == "legacy" else solid[block]
            self._add_edge(path, self._points[u], self._points[v], kind)

        for i in range(n_blocks):
            block_item = BlockItem(solid[i], dashed[i], dots[i])
            scene.addItem(block_item)
            self._blocks.append(block_item)
        self._layers = layers

        self._selection = SelectionItem(style)
        scene.addItem(self._selection)
        self._match_ring = SelectionItem(style, dashed=True)
        scene.addItem(self._match_ring)

        left = -RADIUS - 24.0
        right = max_lane * LANE_W + NODE_RECT.right()
        self._content = QRectF(left, -ROW_H / 2, right - left, max_row * ROW_H + ROW_H)
        scene.setSceneRect(self._content.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN))
        self._initial_view()

    @staticmethod
    def _add_edge(path: QPainterPath, a: QPointF, b: QPointF, kind: str | None) -> None:
        """Parent `a` (lower) to child `b` (higher). Lane changes bend in the gap between
        two rows, where no label is drawn: right above the parent for a branch, right
        below the child for a merge's second parent (see core.lineage's reservations)."""
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

    # ------------------------------------------------------------- viewing
    def _fit_scale(self) -> float:
        if self._content.isEmpty():
            return 1.0
        vp = self.viewport().size()
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

    def fitInView(self, *args, **kwargs) -> None:
        super().fitInView(*args, **kwargs)
        self._apply_lod()

    def wheelEvent(self, event) -> None:
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

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
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

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            fresh = GraphStyle.from_palette(self.palette(), self.font())
            self._style.__dict__.update(fresh.__dict__)  # items share this object
            self.viewport().update()
        super().changeEvent(event)

    # ----------------------------------------------------------- selection
    def _head_key(self):
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

    def _select(self, key, *, emit: bool, center: bool = False) -> None:
        self._selected = key
        sel = self._selection
        point = self._points[key]
        sel.setPos(point)
        sel.setVisible(True)
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

    def node_at(self, view_pos) -> object | None:
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

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            key = self.node_at(event.position().toPoint())
            if key is not None:
                self.setFocus(Qt.FocusReason.MouseFocusReason)
                ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
                selected = self.selected_version_id()
                if ctrl and selected is not None and isinstance(key, int) and key != selected:
                    self.compareRequested.emit(selected, key)
                else:
                    self._select(key, emit=True)
                event.accept()
                return
        self._auto_view = False
        super().mousePressEvent(event)

    def keyPressEvent(self, event) -> None:
        if self._graph is None:
            super().keyPressEvent(event)
            return
        key = event.key()
        target = None
        current = self._selected
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home):
            if current is None or key == Qt.Key.Key_Home:
                target = self._head_key()
            elif key == Qt.Key.Key_Down:
                target = first_parent(self._graph, current)
            elif key == Qt.Key.Key_Up:
                target = self._first_child(current)
            else:
                row = self._row_members[self._lane_row[current][1]]
                i = row.index(current) + (1 if key == Qt.Key.Key_Right else -1)
                target = row[i] if 0 <= i < len(row) else None
            if target is not None:
                self._auto_view = False
                self._select(target, emit=True)
            event.accept()
            return
        super().keyPressEvent(event)

    def _first_child(self, key):
        kids = list(self._graph.successors(key))
        if not kids:
            return None
        lane = self._lane_row[key][0]
        # The child continuing this lane first (the line the eye follows), then the oldest.
        return min(kids, key=lambda k: (self._lane_row[k][0] != lane, self._lane_row[k][1], str(k)))

    # ------------------------------------------------------------- tooltip
    def node_tooltip(self, key) -> str:
        d = self._graph.nodes[key]
        if d.get("ghost"):
            return (f"<b>Legacy parent</b> (content never stored)<br>hash <code>{d['content_hash']}</code><br>"
                    "This content existed before tracking began, so it cannot be compared.")
        rows = [f"<b>v{key}</b> · {palette.origin_label(d.get('origin'))}" + (" · <b>HEAD</b>" if d.get("is_head") else "")]
        rows.append(f"hash <code>{d['content_hash']}</code>")
        parents = list(self._graph.predecessors(key))
        if d.get("parent_hash"):
            legacy = any(self._graph.nodes[p].get("ghost") for p in parents)
            note = " (legacy: never stored)" if legacy else ""
            rows.append(f"parent <code>{d['parent_hash']}</code>{note}")
        else:
            rows.append("parent: none (root version)")
        for p in parents:
            if self._graph.edges[p, key].get("kind") == "second":
                rows.append(f"second parent v{p} <code>{self._graph.nodes[p]['content_hash']}</code>")
        rows.append(f"time {_fmt_time(d.get('created_at'))}")
        meta = d.get("metadata") or {}
        if meta.get("resolved_commit"):
            rows.append(f"upstream commit <code>{meta['resolved_commit']}</code>")
        counts = [(meta.get(f"files_{k}"), k) for k in ("added", "removed", "changed")]
        if any(c is not None for c, _ in counts):
            rows.append("files: " + ", ".join(f"{c or 0} {k}" for c, k in counts))
        if d.get("matches_version") is not None:
            rows.append(f"same content as v{d['matches_version']} (a revert)")
        return "<br>".join(rows)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            key = self.node_at(event.pos())
            if key is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.node_tooltip(key), self.viewport())
            return True
        return super().viewportEvent(event)

    # -------------------------------------------------------------- export
    def _render_to(self, device, size: QSize, scale: float) -> None:
        painter = QPainter(device)
        selection_visible = match_visible = False
        try:
            painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
            painter.fillRect(QRectF(0, 0, size.width(), size.height()), self._style.background)
            selection_visible = self._selection.isVisible()
            match_visible = self._match_ring.isVisible()
            self._selection.setVisible(False)
            self._match_ring.setVisible(False)
            # The level of detail follows the export's scale, not the window's.
            for layer in self._layers:
                layer.setVisible(scale >= OVERVIEW_SCALE)
            for block in self._blocks:
                block.overview = scale < OVERVIEW_SCALE
            self.scene().render(painter, QRectF(0, 0, size.width(), size.height()), self._export_rect(),
                                Qt.AspectRatioMode.KeepAspectRatio)
        finally:
            painter.end()
            self._selection.setVisible(selection_visible)
            self._match_ring.setVisible(match_visible)
            self._overview = None  # force _apply_lod to restore the window's mode
            self._apply_lod()

    def _export_rect(self) -> QRectF:
        return self._content.adjusted(-16, -16, 16, 16)

    def _export_geometry(self, want_scale: float) -> tuple[QSize, float]:
        if self._graph is None:
            raise ExportError("There is no graph to export; select an artifact with recorded versions first.")
        w, h = self._export_rect().width(), self._export_rect().height()
        scale = min(want_scale, MAX_EXPORT_PX / max(w, h))
        return QSize(max(1, math.ceil(w * scale)), max(1, math.ceil(h * scale))), scale

    def export_png(self, path) -> Path:
        """Write the whole graph as a PNG at 2x (large histories are scaled to fit 16,000 px)."""
        size, scale = self._export_geometry(2.0)
        image = QImage(size, QImage.Format.Format_ARGB32)
        self._render_to(image, size, scale)
        if not image.save(str(path), "PNG"):
            raise ExportError(f"Could not write the PNG {path}; check the folder exists and is writable.")
        return Path(path)

    def export_svg(self, path) -> Path:
        """Write the whole graph as SVG (vector; labels stay text)."""
        size, scale = self._export_geometry(1.0)
        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(size)
        gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
        gen.setTitle("Artifact lineage")
        gen.setDescription("Lineage graph exported by Artifact Lineage")
        self._render_to(gen, size, scale)
        if not Path(path).is_file() or Path(path).stat().st_size == 0:
            raise ExportError(f"Could not write the SVG {path}; check the folder exists and is writable.")
        return Path(path)

    def export_graphml(self, path) -> Path:
        """Write the graph's data (nodes, attributes, edges) as GraphML."""
        if self._graph is None:
            raise ExportError("There is no graph to export; select an artifact with recorded versions first.")
        try:
            return to_graphml(self._graph, path)
        except OSError as exc:
            raise ExportError(f"Could not write the GraphML {path}: {exc.strerror or exc}.") from exc


class GraphLegend(QWidget):
    """What the node colours and marks mean; wraps onto more lines when narrow."""

    ENTRIES = ("sync", "local_modification", "deployment", "merge", "rollback", "head", "ghost", "revert")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _labels(self) -> list[tuple[str, str]]:
        out = []
        for e in self.ENTRIES:
            text = {"head": "head (newest)", "ghost": "legacy parent (never stored)",
                    "revert": "revert: same content as vN"}.get(e, palette.origin_label(e))
            out.append((e, text))
        return out

    def _layout(self, width: int) -> tuple[list[tuple[str, str, QRectF]], int]:
        fm = self.fontMetrics()
        line_h = max(fm.height(), 16) + 6
        x, y, placed = 6.0, 4.0, []
        for kind, text in self._labels():
            mark_w = fm.horizontalAdvance("= v3") + 10 if kind == "revert" else 16
            w = mark_w + 6 + fm.horizontalAdvance(text) + 14
            if x > 6 and x + w > width:
                x, y = 6.0, y + line_h
            placed.append((kind, text, QRectF(x, y, w, line_h - 6)))
            x += w
        return placed, int(y + line_h + 2)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._layout(width)[1]

    def sizeHint(self) -> QSize:
        return QSize(640, self.heightForWidth(640))

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.heightForWidth(120))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.setFixedHeight(self.heightForWidth(self.width()))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        text_color = self.palette().color(self.palette().ColorRole.WindowText)
        for kind, text, rect in self._layout(self.width())[0]:
            cy = rect.center().y()
            center = QPointF(rect.left() + 8, cy)
            text_x = rect.left() + 22
            if kind == "ghost":
                painter.setPen(QPen(QColor(palette.GHOST_COLOR), 1.5, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(center, 6, 6)
            elif kind == "head":
                painter.setPen(QPen(text_color, 2.5))
                painter.setBrush(palette.origin_color("sync"))
                painter.drawEllipse(center, 6, 6)
            elif kind == "revert":
                badge = "= v3"
                bw = fm.horizontalAdvance(badge) + 10
                brect = QRectF(rect.left(), cy - fm.height() / 2 - 1, bw, fm.height() + 2)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(palette.origin_color("rollback"))
                painter.drawRoundedRect(brect, 4, 4)
                painter.setPen(QColor("white"))
                painter.drawText(brect, Qt.AlignmentFlag.AlignCenter, badge)
                text_x = rect.left() + bw + 6
            else:
                painter.setPen(QPen(palette.outline_color(kind), 1.5))
                painter.setBrush(palette.origin_color(kind))
                painter.drawEllipse(center, 6, 6)
            painter.setPen(text_color)
            painter.drawText(QPointF(text_x, cy + fm.ascent() / 2 - 1), text)
        painter.end()

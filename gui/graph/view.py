"""The lineage graph of one artifact as a person uses it: select, walk, highlight, find.

Core builds the graph and its positions (`core.history.lineage`); `gui.graph.canvas.GraphCanvas`
draws them (building band by band, zoom, level of detail, lane headers, scroll-bar marks,
search dimming, export). The newest generation is drawn at the top, as in `git log --graph`,
gitk or tig; the oldest (a root or a ghost legacy parent) at the bottom. The head's
first-parent line runs straight down lane 0.

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
- a search reaches the graph through `set_search_matches` (the canvas's); `reveal_version`
  selects a match, asking for its folded run to be unfolded (`foldActivated`) when it is inside one;
- hover shows a tooltip (full hashes, origin, local and UTC time, upstream commit, counts).

`select_version()` is programmatic and emits nothing (so a caller that reacts to
`versionSelected` by selecting cannot loop); `find_by_prefix()` is a user search and
emits `versionSelected` for the version it selects.

Keys come from `gui.hotkeys`.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QHelpEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QGraphicsItem, QMenu, QToolTip, QWidget

from gui import hotkeys
from gui.graph.canvas import GraphCanvas
from gui.graph.highlight import AncestryItem, OverlayItem, edge_under, hover_pen, lit_ancestry, polyline_path
from gui.graph.items import LANE_W, NODE_RECT, RADIUS, ROW_H, NodeKey, node_tooltip
from gui.graph.navigation import child_menu, targets, towards_parent
from gui.graph.search_marks import prefix_hits

__all__ = ["LineageView"]


class LineageView(GraphCanvas):
    versionSelected = Signal(int)
    compareRequested = Signal(int, int)
    ghostSelected = Signal(str)
    waitingSelected = Signal(str)  # the upstream state not synced yet (its content hash)
    foldActivated = Signal(object, object)  # a folded run's key, and the member to select (or None): unfold it
    highlightChanged = Signal(bool)  # the ancestry highlight was turned on or off (Ctrl+H)
    nodeMenuRequested = Signal(int, QPoint)  # a version's context menu, at a global position

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)  # edges light up under the pointer
        self._highlight_ancestry = True
        self.child_chooser: QMenu | None = None  # Alt+Up's list when a version has several children

    # ------------------------------------------------------------- hooks
    def reset_interaction(self) -> None:
        self._selected: NodeKey | None = None
        self._hover_edge: tuple[NodeKey, NodeKey] | None = None
        self._ancestry_item: AncestryItem | None = None
        self._hover_item: OverlayItem | None = None

    def add_overlays(self) -> None:
        self._hover_item = OverlayItem(hover_pen(self.graph_style.highlight), 0.6)
        self._hover_item.setVisible(False)
        self.scene().addItem(self._hover_item)

    def overlays(self) -> tuple[QGraphicsItem | None, ...]:
        return (self._ancestry_item, self._hover_item)

    # ----------------------------------------------------------- selection
    def contextMenuEvent(self, event) -> None:
        key = self.node_at(event.pos())
        if isinstance(key, int):
            self._select(key, emit=True)
            self.nodeMenuRequested.emit(key, event.globalPos())
            event.accept()
            return
        super().contextMenuEvent(event)

    def selected_version_id(self) -> int | None:
        key = self._selected
        return key if isinstance(key, int) else None

    def select_version(self, version_id: int, center: bool = True) -> None:
        """Select a version without emitting; an id not in the graph is ignored."""
        if version_id in self.points:
            self._select(version_id, emit=False, center=center)

    def reveal_version(self, version_id: int) -> bool:
        """Select and centre a version without emitting; one inside a folded run asks for the
        run to be unfolded there (`foldActivated(run, version_id)`: the window redraws and
        selects it). False when the version is not in the graph at all."""
        if version_id in self.points:
            self._select(version_id, emit=False, center=True)
            return True
        run = self.plan.fold_of.get(version_id) if self.plan is not None else None
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
        return self.graph_style.lit

    def _apply_ancestry(self) -> None:
        built, key = self.built, self._selected
        if built is None:
            return
        if self._ancestry_item is not None:
            self.scene().removeItem(self._ancestry_item)
            self._ancestry_item = None
        if self._highlight_ancestry and key is not None:
            self._ancestry_item = lit_ancestry(self.plan, key, bool(self.overview))
            if self._ancestry_item is not None:
                self.scene().addItem(self._ancestry_item)
        lit = self._ancestry_item.lit if self._ancestry_item is not None else None
        self.graph_style.lit = lit
        for block in built.blocks:
            block.dim = lit is not None
        self.viewport().update()

    def _select(self, key: NodeKey, *, emit: bool, center: bool = False) -> None:
        self._selected = key
        point = self.points[key]
        self.built.show_selection(key)
        self._apply_ancestry()
        if center:
            shown = self.viewport().rect().contains(self.mapFromScene(point))
            self.centerOn(point + QPointF(LANE_W / 2 - RADIUS, 0) if self.transform().m11() > 0.3 else point)
            if not shown:
                # Brought into view from off screen (a remembered or revealed version, away from
                # the fit's top): a later resize must not fit the view back to the head and lose it.
                self.auto_view = False
        else:
            # The dot and its whole label (a walk to the next lane shows what it reached).
            self.ensureVisible(QRectF(point.x() + NODE_RECT.left(), point.y() - ROW_H / 2, NODE_RECT.width(), ROW_H), 20, 20)
        if emit:
            if self.plan.graph.nodes[key].get("folded"):
                self.foldActivated.emit(key, None)
            elif self.plan.graph.nodes[key].get("waiting"):
                self.waitingSelected.emit(self.plan.graph.nodes[key]["content_hash"])
            elif self.plan.graph.nodes[key].get("ghost"):
                self.ghostSelected.emit(self.plan.graph.nodes[key]["content_hash"])
            else:
                self.versionSelected.emit(key)

    def find_by_prefix(self, prefix: str) -> int | None:
        """Select and centre the newest version whose hash starts with `prefix`; emits."""
        prefix = prefix.strip().lower()
        if not prefix or self.plan is None:
            return None
        hits = prefix_hits(self.plan, prefix)  # inside folded runs too: the run unfolds on the one found
        folded = self.plan.fold_of
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
        if self.plan is None:
            return None
        # A few pixels of tolerance when zoomed out.
        return self.plan.node_at(self.mapToScene(view_pos), 6.0 / max(self.transform().m11(), 1e-6))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.auto_view = False  # the person chose where to look: a later resize keeps it
        if event.button() == Qt.MouseButton.LeftButton:
            key = self.node_at(event.position().toPoint())
            if key is not None:
                self.setFocus(Qt.FocusReason.MouseFocusReason)
                ctrl = bool(event.modifiers() & hotkeys.COMPARE_CLICK.modifiers)
                selected = self.selected_version_id()
                if ctrl and selected is not None and isinstance(key, int) and key != selected:
                    self.built.compare_ring.setPos(self.points[key])
                    self.built.compare_ring.setVisible(True)
                    self.compareRequested.emit(selected, key)
                else:
                    self._select(key, emit=True)
                event.accept()
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.plan is None:
            super().keyPressEvent(event)
            return
        hotkey = next((k for k in hotkeys.GRAPH_KEYS if k.matches(event)), None)
        if hotkey is hotkeys.GRAPH_HIGHLIGHT:
            self.set_highlight_ancestry(not self._highlight_ancestry)
            event.accept()
            return
        if hotkey is not None:
            current = self._selected
            if current is not None and current not in self.points:
                current = None
            found = targets(self.plan, current, hotkey)
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
        data = self.plan.graph.nodes[key]
        if data.get("folded"):
            members = data["members"]
            self.foldActivated.emit(key, members[-1] if towards_parent else members[0])
            return
        self.auto_view = False
        self._select(key, emit=True)

    def _choose_child(self, current: NodeKey, children: list[NodeKey]) -> None:
        """A menu of the children (gui.graph.navigation.child_menu): Enter takes the first."""
        self.child_chooser = child_menu(self, self.plan, children, self.walk_to)
        point = self.mapFromScene(self.points[current])
        self.child_chooser.popup(self.viewport().mapToGlobal(point + QPoint(12, -12)))

    # ----------------------------------------------------------- hover edges
    def hovered_edge(self) -> tuple[NodeKey, NodeKey] | None:
        return self._hover_edge

    def hover_at(self, view_pos: QPoint) -> None:
        """Light the edge under a viewport position (not over a node) with its two ends."""
        edge = None
        if self.plan is not None:
            scale = max(self.transform().m11(), 1e-6)
            edge = edge_under(self.plan, self.mapToScene(view_pos), self.node_at(view_pos), scale)
        if edge == self._hover_edge or self._hover_item is None:
            return
        self._hover_edge = edge
        if edge is None:
            self._hover_item.clear()
            return
        line = self.plan.edges[edge]
        self._hover_item.show_path(polyline_path(line), ends=(line[0], line[-1]))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() == Qt.MouseButton.NoButton:
            self.hover_at(event.position().toPoint())
        super().mouseMoveEvent(event)

    # ------------------------------------------------------------- tooltip
    def node_tooltip(self, key: NodeKey) -> str:
        return node_tooltip(self.plan.graph, key)

    def viewportEvent(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            key = self.node_at(event.pos())
            if key is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.node_tooltip(key), self.viewport())
            return True
        return super().viewportEvent(event)

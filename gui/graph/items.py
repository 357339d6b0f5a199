"""The scene items of the lineage graph: light enough for 10,000 versions.

- `NodeItem`: one per version (and per ghost), a custom item that paints a dot and,
  when zoomed in enough, a two-line label. No QGraphicsTextItem per node: text is
  drawn with QPainter.drawText and its strings are built on first paint only.
- `BlockItem`: the edges of a band of rows as one precomputed QPainterPath, plus an
  overview (one device pixel dot per node, per origin colour) painted when zoomed so
  far out that the node items are hidden. One paint call per band instead of one per
  node and edge is what keeps a fit-to-window repaint of 10,000 versions fast.
- `NodeLayer`: a content-less parent of a band's nodes, so hiding one item hides a
  band's nodes when the view switches to the overview.
- `SelectionItem`: the selection ring (and the dotted arrow to the version a revert
  matches), kept apart so selecting never touches thousands of items.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Union

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QFontMetricsF, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from gui.style import palette

if TYPE_CHECKING:
    import networkx as nx

# Wide enough for "v257 · sync · 2026-04-28"; a longer origin drops its day ("v256 · local modification"):
# four lanes fit beside each other at the readable floor in the graph of a 1280×800 window.
LANE_W = 168.0
ROW_H = 60.0
RADIUS = 8.0
BLOCK_ROWS = 64
LABEL_LOD = 0.45  # below this a row is < ~25 px tall: labels would be unreadable
OVERVIEW_SCALE = 0.12  # below this the node items are hidden and bands paint dots
DIM_OPACITY = 0.25  # nodes and edges outside the highlighted ancestry
LABEL_X = RADIUS + 8.0
LABEL_W = LANE_W - LABEL_X - RADIUS - 6.0
NODE_RECT = QRectF(-RADIUS - 6.0, -24.0, LABEL_X + LABEL_W + RADIUS + 6.0, 48.0)


@dataclass
class GraphStyle:
    """Colours and fonts taken from the view's palette (light or dark)."""

    text: QColor
    muted: QColor
    background: QColor
    highlight: QColor
    font: QFont
    mono: QFont
    small: QFont
    mono_metrics: QFontMetricsF = field(init=False)
    small_metrics: QFontMetricsF = field(init=False)
    lit: frozenset | None = None  # the selection's ancestry while highlighted: every other node is dimmed
    search: frozenset | None = None  # the nodes a search lit (gui.graph.search_marks): every other node is dimmed
    fold_hits: dict = field(default_factory=dict)  # folded run -> search hits inside it

    def __post_init__(self) -> None:
        self.mono_metrics = QFontMetricsF(self.mono)
        self.small_metrics = QFontMetricsF(self.small)

    @classmethod
    def from_palette(cls, pal: QPalette, base_font: QFont) -> "GraphStyle":
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(base_font.pointSizeF(), 9.0))
        mono.setBold(True)
        small = QFont(base_font)
        small.setPointSizeF(max(base_font.pointSizeF() - 0.5, 8.0))
        return cls(
            text=pal.color(pal.ColorRole.Text),
            muted=pal.color(pal.ColorRole.PlaceholderText),
            background=pal.color(pal.ColorRole.Base),
            highlight=pal.color(pal.ColorRole.Highlight),
            font=QFont(base_font),
            mono=mono,
            small=small,
        )


NodeKey = Union[int, str]  # a version id, or "legacy:<hash>" for a ghost


def is_dimmed(style: GraphStyle, key: NodeKey) -> bool:
    """Whether a node is drawn faint: outside the lit ancestry, or not among a search's hits."""
    return (style.lit is not None and key not in style.lit) or (style.search is not None and key not in style.search)


def fold_detail(count: int, hits: int) -> str:
    """A folded run's second label line: the search hits it holds, if any."""
    if hits:
        return f"{hits} of {count} {'matches' if hits == 1 else 'match'} · click to unfold"
    return "folded · click to unfold"


def node_origin_text(d: dict) -> str:
    """'sync', 'merge'…; an upstream state kept aside says so (its origin is `sync` too)."""
    if d.get("line") == "upstream":
        return "upstream state"
    return palette.origin_label(d.get("origin"))


def version_label(d: dict, which: str = "self") -> str:
    """'v3': the artifact's own number (see core.history.ordinal_by_id); the database id
    only when the view was fed a node without one."""
    if which == "matches":
        number = d.get("matches_ordinal")
        return f"v{number}" if number is not None else f"#{d.get('matches_version')}"
    number = d.get("ordinal")
    return f"v{number}" if number is not None else f"#{d.get('version_id')}"


def short(h: str | None) -> str:
    return (h or "")[:12]


def local_day(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d") if isinstance(dt, datetime) else ""


class NodeItem(QGraphicsItem):
    """One version (or ghost) in the graph. `data` is the networkx node attribute dict."""

    def __init__(self, key, data: dict, style: GraphStyle, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.data = data
        self.style = style
        self._lines: tuple[str, str, str] | None = None

    def boundingRect(self) -> QRectF:
        return NODE_RECT

    def label_lines(self) -> tuple[str, str, str]:
        """(hash line, badge, detail line); built once, on first paint."""
        if self._lines is None:
            d = self.data
            if d.get("folded"):
                self._lines = (f"{d['count']} versions", "", fold_detail(d["count"], 0))
            elif d.get("waiting"):
                self._lines = (f"upstream {short(d['content_hash'])}", "", "waiting upstream · not synced yet")
            elif d.get("ghost"):
                self._lines = (f"legacy {short(d['content_hash'])}", "", "content never stored")
            else:
                badge = []
                if d.get("matches_version") is not None:
                    badge.append(f"= {version_label(d, 'matches')}")
                # The day only, and no day where the origin is long: four lanes must fit beside
                # each other at a readable size; the tooltip and the compare panel give the time.
                fm = self.style.small_metrics
                detail = f"{version_label(d)} · {node_origin_text(d)} · {local_day(d.get('created_at'))}"
                if fm.horizontalAdvance(detail) > LABEL_W:
                    detail = f"{version_label(d)} · {node_origin_text(d)}"
                detail = fm.elidedText(detail, Qt.TextElideMode.ElideRight, LABEL_W)
                self._lines = (short(d["content_hash"]), "  ".join(badge), detail)
        return self._lines

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        d = self.data
        st = self.style
        origin = d.get("origin")
        painter.setOpacity(DIM_OPACITY if is_dimmed(st, self.key) else 1.0)
        hits = st.fold_hits.get(self.key, 0) if d.get("folded") else 0
        if d.get("folded"):
            # A short stack of dots: many versions drawn as one (ringed in the hit colour when a search matched inside).
            painter.setPen(QPen(QColor(palette.HIT_COLOR), 3.0) if hits else QPen(QColor(palette.EDGE_COLOR), 1.5))
            painter.setBrush(st.background)
            painter.drawRoundedRect(QRectF(-RADIUS, -RADIUS - 6, 2 * RADIUS, 2 * RADIUS + 12), RADIUS, RADIUS)
            painter.setBrush(QColor(palette.EDGE_COLOR))
            for dy in (-7.0, 0.0, 7.0):
                painter.drawEllipse(QPointF(0, dy), 2.0, 2.0)
        elif d.get("ghost"):
            color = palette.WAITING_COLOR if d.get("waiting") else palette.GHOST_COLOR
            painter.setPen(QPen(QColor(color), 2.0, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        else:
            head = d.get("is_head")
            painter.setPen(QPen(st.text if head else palette.outline_color(origin), 3.0 if head else 1.5))
            painter.setBrush(QBrush(palette.origin_color(origin)))
        if not d.get("folded"):
            painter.drawEllipse(QPointF(0, 0), RADIUS, RADIUS)

        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < LABEL_LOD:
            return
        line1, badge, line2 = self.label_lines()
        painter.setFont(st.mono)
        painter.setPen(st.muted if d.get("ghost") else st.text)
        painter.drawText(QPointF(LABEL_X, -3.0), line1)
        x = LABEL_X + st.mono_metrics.horizontalAdvance(line1) + 8.0
        painter.setFont(st.small)
        if d.get("is_head"):
            x = self._pill(painter, x, "HEAD", QColor(palette.HEAD_COLOR))
        if badge and x + self._pill_width(badge) <= LABEL_X + LABEL_W:  # else in the tooltip and the details
            x = self._pill(painter, x, badge, palette.origin_color("rollback"))
        if hits:
            line2 = fold_detail(d["count"], hits)
        painter.setPen(QColor(palette.HIT_COLOR) if hits else st.muted)
        painter.drawText(QPointF(LABEL_X, 14.0), line2)

    def _pill_width(self, text: str) -> float:
        return self.style.small_metrics.horizontalAdvance(text) + 10.0

    def _pill(self, painter: QPainter, x: float, text: str, color: QColor) -> float:
        fm = self.style.small_metrics
        w = self._pill_width(text)
        rect = QRectF(x, -16.0, w, fm.height() + 2.0)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, 4.0, 4.0)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        return x + w + 6.0


class NodeLayer(QGraphicsItem):
    """Parent of one band's NodeItems; paints nothing itself."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:  # pragma: no cover - never called
        pass


class BlockItem(QGraphicsItem):
    """Edges of one band of rows, and its overview dots when zoomed far out."""

    def __init__(self, solid: QPainterPath, dashed: QPainterPath, dots: dict[str, QPolygonF]) -> None:
        super().__init__()
        self.solid = solid
        self.dashed = dashed
        self.dots = dots
        rect = solid.boundingRect().united(dashed.boundingRect())
        for poly in dots.values():
            rect = rect.united(poly.boundingRect())
        self._rect = rect.adjusted(-RADIUS - 4, -RADIUS - 4, RADIUS + 4, RADIUS + 4)
        self.overview = False
        self.dim = False  # an ancestry is highlighted: the lit edges are drawn again on top
        self._edge_pen = QPen(QColor(palette.EDGE_COLOR), 2.0)
        self._dash_pen = QPen(QColor(palette.GHOST_COLOR), 2.0, Qt.PenStyle.DashLine)
        self._thin_pen = QPen(QColor(palette.EDGE_COLOR), 1.0)
        self._thin_pen.setCosmetic(True)
        self._dot_pens = {}
        for origin in dots:
            pen = QPen(palette.origin_color(origin), 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
            pen.setCosmetic(True)  # 3 device pixels at any zoom
            self._dot_pens[origin] = pen

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setOpacity(DIM_OPACITY if self.dim else 1.0)
        if self.overview:
            painter.setPen(self._thin_pen)
            painter.drawPath(self.solid)
            painter.drawPath(self.dashed)
            for origin, poly in self.dots.items():
                painter.setPen(self._dot_pens[origin])
                painter.drawPoints(poly)
            return
        painter.setPen(self._edge_pen)
        painter.drawPath(self.solid)
        painter.setPen(self._dash_pen)
        painter.drawPath(self.dashed)


class SelectionItem(QGraphicsItem):
    """A ring around the selected node, (dashed) around the earlier version a selected
    revert matches, or (dotted) around the version it is being compared with (Ctrl+click);
    kept apart so selecting never touches the node items."""

    def __init__(self, style: GraphStyle, *, dashed: bool = False, dotted: bool = False) -> None:
        super().__init__()
        self.style = style
        self.dashed = dashed
        self.dotted = dotted
        self.setZValue(10)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._ring_r = RADIUS + 5
        self.setVisible(False)

    def set_scale(self, scale: float) -> None:
        """Keep the ring at least ~7 device pixels wide when zoomed far out."""
        r = max(RADIUS + 5, 7.0 / max(scale, 1e-6))
        if r != self._ring_r:
            self.prepareGeometryChange()
            self._ring_r = r

    def boundingRect(self) -> QRectF:
        r = self._ring_r + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setOpacity(1.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.dashed:
            painter.setPen(QPen(palette.origin_color("rollback"), 2.5, Qt.PenStyle.DashLine))
        elif self.dotted:
            painter.setPen(QPen(self.style.highlight, 2.5, Qt.PenStyle.DotLine))
        else:
            painter.setPen(QPen(self.style.highlight, 3.0))
        painter.drawEllipse(QPointF(0, 0), self._ring_r, self._ring_r)


def _fmt_time(dt: datetime | None) -> str:
    if not isinstance(dt, datetime):
        return "unknown"
    aware = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    local = aware.astimezone()
    utc = aware.astimezone(timezone.utc)
    if local.utcoffset() == utc.utcoffset():  # local time is UTC: say it once
        return f"{utc:%Y-%m-%d %H:%M:%S} UTC"
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname() or 'local'} ({utc:%Y-%m-%d %H:%M:%S} UTC)"


def node_tooltip(graph: nx.DiGraph, key: NodeKey) -> str:
    """Hover text of a node: full hashes, origin, local and UTC time, upstream commit, counts."""
    d = graph.nodes[key]
    if d.get("folded"):
        return (f"<b>{d['count']} versions</b> of the {d.get('line')} line folded into one row "
                "(a straight run: no branch, join or deployment).<br>Click to unfold.")
    if d.get("waiting"):
        return (f"<b>Waiting upstream</b>: the upstream's state, not synced yet<br>hash <code>{d['content_hash']}</code>"
                "<br>Sync now brings it in. Click to compare it with the collection's copy.")
    if d.get("ghost"):
        return (f"<b>Legacy parent</b> (content never stored)<br>hash <code>{d['content_hash']}</code><br>"
                "This content existed before tracking began, so it cannot be compared.")
    rows = [f"<b>{version_label(d)}</b> · {node_origin_text(d)}" + (" · <b>HEAD</b>" if d.get("is_head") else "")
            + (f" · line <b>{d['line']}</b>" if d.get("line") else "")]
    if d.get("line") == "upstream":
        decided = (d.get("metadata") or {}).get("decision")
        rows.append("an upstream state not applied as it was (diverged)"
                    + {"kept_local": ": local was kept", "merged_into_local": ": local already had it"}.get(decided or "", ""))
    rows.append(f"hash <code>{d['content_hash']}</code>")
    parents = list(graph.predecessors(key))
    if d.get("parent_hash"):
        legacy = any(graph.nodes[p].get("ghost") for p in parents)
        note = " (legacy: never stored)" if legacy else ""
        rows.append(f"parent <code>{d['parent_hash']}</code>{note}")
    else:
        rows.append("parent: none (root version)")
    for p in parents:
        if graph.edges[p, key].get("kind") == "second":
            rows.append(f"second parent {version_label(graph.nodes[p])} <code>{graph.nodes[p]['content_hash']}</code>")
    rows.append(f"time {_fmt_time(d.get('created_at'))}")
    meta = d.get("metadata") or {}
    if meta.get("resolved_commit"):
        rows.append(f"upstream commit <code>{meta['resolved_commit']}</code>")
    counts = [(meta.get(f"files_{k}"), k) for k in ("added", "removed", "changed")]
    if any(c is not None for c, _ in counts):
        rows.append("files: " + ", ".join(f"{c or 0} {k}" for c, k in counts))
    if d.get("matches_version") is not None:
        rows.append(f"same content as {version_label(d, 'matches')} (a revert)")
    return "<br>".join(rows)


class PendingMergeItem(QGraphicsItem):
    """A merge that waits for a person: a hollow, dashed node one row above the newest,
    with dashed edges from the two versions it would join (DESIGN.md "Merge and restore")."""

    COLOUR = QColor("#d9662b")

    def __init__(self, at: QPointF, parents: list[QPointF], label: str, style: GraphStyle) -> None:
        super().__init__()
        self.setAcceptHoverEvents(True)
        self.setPos(at)
        self.style = style
        self.label = label
        self.parents = [p - at for p in parents]
        self.setZValue(2)
        self.setToolTip(label)

    def boundingRect(self) -> QRectF:
        rect = QRectF(NODE_RECT)
        for p in self.parents:
            rect = rect.united(QRectF(p, p).adjusted(-RADIUS, -RADIUS, RADIUS, RADIUS))
        return rect.adjusted(-4, -4, 4, 4)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setOpacity(1.0)
        painter.setPen(QPen(self.COLOUR, 2.0, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for p in self.parents:
            direction = p / max((p.x() ** 2 + p.y() ** 2) ** 0.5, 1e-6)
            painter.drawLine(direction * (RADIUS + 2), p - direction * (RADIUS + 2))
        painter.setBrush(QBrush(self.style.background))
        painter.drawEllipse(QPointF(0, 0), RADIUS + 1, RADIUS + 1)
        painter.setPen(QPen(self.COLOUR, 2.5))
        painter.drawLine(QPointF(0, -RADIUS * 0.55), QPointF(0, RADIUS * 0.15))
        painter.drawPoint(QPointF(0, RADIUS * 0.55))
        painter.setFont(self.style.font)
        painter.setPen(self.COLOUR)
        painter.drawText(QRectF(LABEL_X, -26, LABEL_W, 24), Qt.AlignmentFlag.AlignVCenter, "merge waiting: conflicts")


def pending_merge_item(points: dict, parents: tuple[int, ...], label: str, style: GraphStyle) -> PendingMergeItem | None:
    """The merge waiting on conflicts between `parents` (those drawn), two rows above the newest
    row so the dashed edge to a parent in another lane clears the head's badge; None if none is drawn."""
    drawn = [points[k] for k in parents if k in points]
    if not drawn:
        return None
    top = min(p.y() for p in points.values())
    return PendingMergeItem(QPointF(drawn[0].x(), top - 2 * ROW_H), drawn, label, style)

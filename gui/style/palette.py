"""Colours shared by the graph, its legend and the compare panel.

One colour per change origin, chosen mid-tone (not too light, not too dark) so a
filled node reads on a light and on a dark window background; labels use the
widget palette's text colour, never these.
"""
from __future__ import annotations

from PySide6.QtGui import QColor

ORIGIN_COLORS: dict[str, str] = {
    "sync": "#3b7ddd",  # blue
    "local_modification": "#e8871e",  # orange
    "deployment": "#2f9e44",  # green
    "merge": "#8e5bd6",  # purple
    "rollback": "#b5525c",  # grey-red
    "legacy": "#8a8f98",  # ghost: drawn dashed, unfilled
}
UNKNOWN_COLOR = "#8a8f98"
GHOST_COLOR = ORIGIN_COLORS["legacy"]
WAITING_COLOR = ORIGIN_COLORS["sync"]  # the upstream state not synced yet: a dashed sync-blue ring
EDGE_COLOR = "#8a8f98"
HEAD_COLOR = "#d6336c"  # the HEAD tag, distinct from every origin colour

ORIGIN_LABELS: dict[str, str] = {
    "sync": "sync",
    "local_modification": "local modification",
    "deployment": "deployment",
    "merge": "merge",
    "rollback": "rollback",
    "legacy": "legacy (never stored)",
}


def origin_color(origin: str | None) -> QColor:
    return QColor(ORIGIN_COLORS.get(origin or "", UNKNOWN_COLOR))


def origin_label(origin: str | None) -> str:
    return ORIGIN_LABELS.get(origin or "", origin or "unknown")


def outline_color(origin: str | None) -> QColor:
    """A darker rim so a node stays distinct on a background of similar lightness."""
    return origin_color(origin).darker(150)


HIT_COLOR = "#f59f00"  # a search hit: scroll-bar ticks, a folded run holding hits


# One colour per line for its whole life (core.history.lineage_view.line_colours gives each
# line a slot): slot 0 the collection, 1 the upstream, the rest projects. Painted as the lane
# header's bar, a faint band tint and the legend's chips; nodes keep their origin colours.
LANE_COLORS: tuple[str, ...] = (
    "#5c6f82",  # collection: slate
    "#1098ad",  # upstream: teal
    "#9c36b5",  # projects…: grape
    "#5c940d",  # olive
    "#c92a2a",  # red
    "#364fc7",  # indigo
    "#e67700",  # amber
    "#087f5b",  # pine
    "#a61e4d",  # wine
    "#8d5524",  # brown
)


def lane_color(slot: int | None) -> QColor:
    return QColor(LANE_COLORS[(slot or 0) % len(LANE_COLORS)])

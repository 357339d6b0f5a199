"""The view's zoom, as plain arithmetic on rectangles: Zoom to fit, the wheel, the level of detail.

`LineageView` asks these and applies the answer; nothing here holds state or touches an item.
- `fit_for` is core's `fit_scale` (readable labels, all lanes, the head at the top) for the
  room a view has, less the pinned lane headers and, when the fitted graph scrolls, the
  vertical scroll bar's width; `fit_centre` where the view centres for that fit.
- `wheel_scale` is the scale a wheel turn goes to (around the cursor, bounded).
- `room_scale` the whole graph's scale in the room, whatever labels it leaves.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize

SCENE_MARGIN = 40.0  # scene space above and below the graph's content
SIDE_MARGIN = 8.0  # and beside it: the lanes' own padding is room enough, and four lanes must fit at 1280 px
MAX_ZOOM = 4.0


def padded(content: QRectF) -> QRectF:
    """The content with the scene's margin around it."""
    return content.adjusted(-SIDE_MARGIN, -SCENE_MARGIN, SIDE_MARGIN, SCENE_MARGIN)


def room_scale(content: QRectF, room: QSize) -> float:
    """The scale that shows the whole graph in `room` (the room without scroll bars: whether
    one shows must not change the answer, or fitting and reading size would take turns)."""
    if content.isEmpty():
        return 1.0
    rect = padded(content)
    return min(room.width() / rect.width(), room.height() / rect.height())


def fit_for(content: QRectF, room: QSize, header_h: float, label_px: float, bar_w: int):
    """Core's `Fit` (core.history.lineage_view.fit_scale) for a graph in a view's room: below
    the pinned lane headers (`header_h`), and without the scroll bar's width (`bar_w`) when it scrolls."""
    from core.history.lineage_view import fit_scale

    rect = padded(content)  # the scene's own margin: fitting less would leave a scroll bar for a few pixels
    height = room.height() - header_h
    fit = fit_scale(rect.width(), rect.height(), room.width(), height, label_px)
    if fit.scrolls_vertically:
        fit = fit_scale(rect.width(), rect.height(), room.width() - bar_w, height, label_px)
    return fit


def fit_centre(content: QRectF, fit, viewport: QSize) -> QPointF:
    """Where the view centres after fitting: the middle, or the first lanes and the head's
    row when the fitted graph still scrolls that way."""
    rect = padded(content)
    x = rect.center().x()
    if fit.scrolls_horizontally:  # the first lanes, from the edge of the content (not the margin)
        x = content.left() - 4 + viewport.width() / 2 / fit.scale
    y = rect.center().y()
    if fit.scrolls_vertically:
        y = rect.top() + viewport.height() / 2 / fit.scale
    return QPointF(x, y)


def wheel_scale(current: float, delta: int, whole: float) -> float:
    """The scale a wheel turn of `delta` (eighths of a degree) goes to from `current`: never
    below half the whole graph's scale (`whole`, at most 0.5), never above `MAX_ZOOM`."""
    lowest = min(whole, 0.5) * 0.5
    return min(max(current * math.pow(1.0015, delta), lowest), MAX_ZOOM)

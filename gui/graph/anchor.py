"""Keeping the person's place when a graph is drawn again with more versions in it.

A live update (gui.sync.live_watch) redraws the shown artifact's graph while someone may
be looking at any part of it. `capture` notes the zoom and where the selected node sits in
the viewport (or the scroll bars when nothing is selected); `restore`, after the new plan is
drawn, puts the zoom back and scrolls so that node sits where it sat, wherever the new rows
were added. Uses only LineageView's public face.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF
from PySide6.QtGui import QTransform

from gui.graph.view import LineageView

__all__ = ["ViewAnchor", "capture", "restore"]


@dataclass(frozen=True)
class ViewAnchor:
    transform: QTransform
    version_id: int | None  # the selected node, if any
    at: QPointF | None  # where that node's centre was, in viewport pixels
    scroll: tuple[int, int]  # the scroll bars, when nothing is selected
    auto_view: bool  # the view still followed its automatic fit (the person had not moved it)


def capture(view: LineageView) -> ViewAnchor | None:
    """Where the person is looking (None when no graph is drawn)."""
    if view.graph() is None:
        return None
    selected = view.selected_version_id()
    pos = view.node_pos(selected) if selected is not None else None
    at = QPointF(view.mapFromScene(pos)) if pos is not None else None
    return ViewAnchor(QTransform(view.transform()), selected if pos is not None else None, at,
                      (view.horizontalScrollBar().value(), view.verticalScrollBar().value()), view.auto_view)


def restore(view: LineageView, anchor: ViewAnchor) -> None:
    """Zoom and scroll back to `anchor`, the selected node where it was on screen; a view the
    person had moved stays theirs (a later resize does not fit it again)."""
    view.setTransform(anchor.transform)
    view.auto_view = anchor.auto_view
    pos = view.node_pos(anchor.version_id) if anchor.version_id is not None else None
    if pos is None or anchor.at is None:
        view.horizontalScrollBar().setValue(anchor.scroll[0])
        view.verticalScrollBar().setValue(anchor.scroll[1])
        return
    now = QPointF(view.mapFromScene(pos))
    hbar, vbar = view.horizontalScrollBar(), view.verticalScrollBar()
    hbar.setValue(hbar.value() + round(now.x() - anchor.at.x()))
    vbar.setValue(vbar.value() + round(now.y() - anchor.at.y()))

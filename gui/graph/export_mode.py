"""The graph as an export shows it: the whole graph at one level of detail, no ring, nothing dimmed.

`export_rendering` is what `LineageView.export_mode` holds open while `gui.graph.export`
renders its scene: the selection, match and compare rings and the highlight overlays are
hidden, the ancestry and search dimming lifted, and node items of every band made when the
export's scale shows them; all of it is put back afterwards (the view then re-applies its
own level of detail).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from PySide6.QtWidgets import QGraphicsItem

from gui.graph.items import OVERVIEW_SCALE, GraphStyle
from gui.graph.scene import LineageScene


@contextmanager
def export_rendering(built: LineageScene, style: GraphStyle, overlays: Sequence[QGraphicsItem | None],
                     scale: float) -> Iterator[None]:
    rings = tuple(r for r in (built.selection, built.match_ring, built.compare_ring, *overlays) if r is not None)
    visible = [ring.isVisible() for ring in rings]
    lit, style.lit = style.lit, None  # an export shows the whole graph, nothing dimmed
    search, style.search = style.search, None
    try:
        for block in built.blocks:
            block.dim = False
        for ring in rings:
            ring.setVisible(False)
        if scale >= OVERVIEW_SCALE:
            built.ensure_all()
        for layer in built.layers:
            layer.setVisible(scale >= OVERVIEW_SCALE)
        for block in built.blocks:
            block.overview = scale < OVERVIEW_SCALE
        yield
    finally:
        for ring, was in zip(rings, visible):
            ring.setVisible(was)
        style.lit = lit
        style.search = search
        for block in built.blocks:
            block.dim = lit is not None

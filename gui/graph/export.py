"""Export the lineage graph: PNG and SVG of the drawing, GraphML of the data.

Every failure is an `ExportError` (a LineageError) with one sentence saying what
to check, so the window can show it instead of losing it on the console.

What is exported is any `ExportableGraph`: the lineage view is one, and neither module
imports the other (the view never needs to know how files are written).
"""
from __future__ import annotations

import math
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPaintDevice, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsScene, QWidget

from core.errors import LineageError

if TYPE_CHECKING:
    import networkx as nx

MAX_EXPORT_PX = 16000  # a 10,000-row graph at 2x would be a 1 GB image
EXPORT_FILTERS = {"PNG image (*.png)": ".png", "SVG image (*.svg)": ".svg", "GraphML data (*.graphml)": ".graphml"}
NO_GRAPH = "There is no graph to export; select an artifact with recorded versions first."


class ExportError(LineageError):
    """The graph could not be written to a file."""


class ExportableGraph(Protocol):
    """What an export needs from the view that shows the graph."""

    def graph(self) -> nx.DiGraph | None: ...

    def scene(self) -> QGraphicsScene: ...

    def content_rect(self) -> QRectF: ...

    def background_colour(self) -> QColor: ...

    def export_mode(self, scale: float) -> AbstractContextManager[None]:
        """Rings hidden and the level of detail for `scale` while rendering."""
        ...


def _export_rect(view: ExportableGraph) -> QRectF:
    return view.content_rect().adjusted(-16, -16, 16, 16)


def _geometry(view: ExportableGraph, want_scale: float) -> tuple[QSize, float]:
    if view.graph() is None:
        raise ExportError(NO_GRAPH)
    rect = _export_rect(view)
    scale = min(want_scale, MAX_EXPORT_PX / max(rect.width(), rect.height()))
    return QSize(max(1, math.ceil(rect.width() * scale)), max(1, math.ceil(rect.height() * scale))), scale


def _render(view: ExportableGraph, device: QPaintDevice, size: QSize, scale: float) -> None:
    # The level of detail follows the export's scale, not the window's.
    with view.export_mode(scale):
        painter = QPainter(device)
        try:
            painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
            painter.fillRect(QRectF(0, 0, size.width(), size.height()), view.background_colour())
            view.scene().render(painter, QRectF(0, 0, size.width(), size.height()), _export_rect(view),
                                Qt.AspectRatioMode.KeepAspectRatio)
        finally:
            painter.end()


def _check_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise ExportError(f"Cannot export to {path}: the folder {path.parent} does not exist; pick another folder.")


def export_png(view: ExportableGraph, path: str | Path) -> Path:
    """The whole graph as a PNG at 2x (large histories are scaled to fit 16,000 px)."""
    target = Path(path)
    _check_folder(target)
    size, scale = _geometry(view, 2.0)
    image = QImage(size, QImage.Format.Format_ARGB32)
    _render(view, image, size, scale)
    if not image.save(str(target), "PNG"):
        raise ExportError(f"Could not write the PNG {target}; check the folder is writable.")
    return target


def export_svg(view: ExportableGraph, path: str | Path) -> Path:
    """The whole graph as SVG (vector; labels stay text)."""
    target = Path(path)
    _check_folder(target)
    size, scale = _geometry(view, 1.0)
    gen = QSvgGenerator()
    gen.setFileName(str(target))
    gen.setSize(size)
    gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
    gen.setTitle("Artifact lineage")
    gen.setDescription("Lineage graph exported by Artifact Lineage")
    _render(view, gen, size, scale)
    if not target.is_file() or target.stat().st_size == 0:
        raise ExportError(f"Could not write the SVG {target}; check the folder is writable.")
    return target


def export_graphml(view: ExportableGraph, path: str | Path) -> Path:
    """The graph's data (nodes, attributes, edges) as GraphML."""
    from core.history.lineage import to_graphml  # networkx is loaded by then: a graph is shown

    graph = view.graph()
    if graph is None:
        raise ExportError(NO_GRAPH)
    target = Path(path)
    _check_folder(target)
    try:
        return to_graphml(graph, target)
    except OSError as exc:
        raise ExportError(f"Could not write the GraphML {target}: {exc.strerror or exc}.") from exc


def export_graph(view: ExportableGraph, path: str | Path, suffix: str | None = None) -> Path:
    """Write by file type: the path's own suffix if it is one we write, else `suffix` (default PNG)."""
    target = Path(path)
    known = set(EXPORT_FILTERS.values())
    chosen = target.suffix.lower() if target.suffix.lower() in known else (suffix if suffix in known else ".png")
    if target.suffix.lower() != chosen:
        target = target.with_name(target.name + chosen)
    writer = {".png": export_png, ".svg": export_svg, ".graphml": export_graphml}[chosen]
    return writer(view, target)


def ask_export_target(parent: QWidget, stem: str) -> tuple[str, str | None] | None:
    """Ask where to save (PNG, SVG or GraphML by the chosen filter): (path, suffix), or None."""
    dialog = QFileDialog(parent, "Export graph", str(Path.home() / f"{stem}-lineage"))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters(list(EXPORT_FILTERS))
    # The suffix is added before the dialog checks for an existing file, so "graph"
    # typed over an existing graph.png asks before replacing it instead of after.
    dialog.setDefaultSuffix("png")
    dialog.filterSelected.connect(lambda f: dialog.setDefaultSuffix(EXPORT_FILTERS.get(f, ".png")[1:]))
    if dialog.exec() and dialog.selectedFiles():
        return dialog.selectedFiles()[0], EXPORT_FILTERS.get(dialog.selectedNameFilter())
    return None

"""One colour per line of versions (collection, upstream, each project), kept for the line's
whole life: the same name always gets the same colour. Used by the blame view's chips.
(The graph's lane colours should come from here too; see docs/gui.md.)"""
from __future__ import annotations

import zlib

from PySide6.QtGui import QColor

LINE_COLORS: dict[str, str] = {"collection": "#4263eb", "upstream": "#1098ad"}
PROJECT_COLORS = ("#2b8a3e", "#e67700", "#c2255c", "#6741d9", "#d9480f", "#0b7285", "#5c940d", "#862e9c")


def line_color(line: str) -> QColor:
    """The colour of a line of versions: fixed for collection and upstream, and for a project
    one of PROJECT_COLORS chosen by its name (stable across runs and machines)."""
    fixed = LINE_COLORS.get(line)
    if fixed is not None:
        return QColor(fixed)
    return QColor(PROJECT_COLORS[zlib.crc32(line.encode("utf-8", "surrogateescape")) % len(PROJECT_COLORS)])

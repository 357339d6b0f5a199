"""Colours chosen from the current palette, shared by every part of the window."""
from __future__ import annotations

from PySide6.QtGui import QPalette


def error_colour(palette: QPalette) -> str:
    """A red that reads on the current palette (lighter on dark backgrounds)."""
    return "#ff6b6b" if palette.color(QPalette.ColorRole.Window).lightness() < 128 else "#c62828"

#!/usr/bin/env python3
"""Render resources/icons/artifact-lineage.svg to the 256×256 PNG shipped beside it.

Run after editing the SVG: `python resources/make_icons.py`. Uses Qt's own SVG
renderer so no extra tool is needed.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent / "icons"


def render(svg: Path, png: Path, size: int = 256) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG file; fix it and run again.")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(png)):
        raise SystemExit(f"Could not write {png}; check the folder is writable.")


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    render(ICONS / "artifact-lineage.svg", ICONS / "artifact-lineage.png")
    print(ICONS / "artifact-lineage.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

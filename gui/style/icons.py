"""Icons: the application icon from resources/, state badges and toolbar icons drawn in code.

State badges are painted at the device pixel ratio so they stay sharp at 200%
scaling, and use colours chosen to read on both light and dark palettes.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QApplication

from core.sync import SyncState

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"

# (colour, glyph) per state; "checking" is the state before the first status run.
STATE_STYLE: dict[str, tuple[str, str]] = {
    SyncState.UP_TO_DATE.value: ("#2e9d57", "check"),
    SyncState.UPSTREAM_CHANGED.value: ("#2f7ee6", "down"),
    SyncState.LOCALLY_MODIFIED.value: ("#e08a1e", "dot"),
    SyncState.DIVERGED.value: ("#9b59d0", "fork"),
    SyncState.KEPT_LOCAL.value: ("#8a6fb0", "fork"),
    SyncState.BEHIND.value: ("#1f9bb8", "down"),
    SyncState.CONFLICT.value: ("#d9662b", "bang"),
    SyncState.NEW.value: ("#13a3a3", "plus"),
    SyncState.ERROR.value: ("#d93b3b", "bang"),
    SyncState.NOT_CHECKED.value: ("#8a8f98", "ellipsis"),
    "checking": ("#8a8f98", "ellipsis"),
}

STATE_TEXT: dict[str, str] = {
    SyncState.UP_TO_DATE.value: "up to date",
    SyncState.UPSTREAM_CHANGED.value: "upstream changed",
    SyncState.LOCALLY_MODIFIED.value: "locally modified",
    SyncState.DIVERGED.value: "diverged",
    SyncState.KEPT_LOCAL.value: "diverged (kept local)",
    SyncState.BEHIND.value: "behind the team",  # Sync now brings it forward
    SyncState.CONFLICT.value: "merge waiting",  # the header's button beside it: "Resolve…"
    SyncState.NEW.value: "new",
    SyncState.ERROR.value: "error",
    SyncState.NOT_CHECKED.value: "not checked",
    "checking": "checking…",
}


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("artifact-lineage.svg", "artifact-lineage.png"):
        path = ICON_DIR / name
        if path.exists():
            icon.addFile(str(path))
    return icon


def _ratio() -> float:
    app = QGuiApplication.instance()
    return app.devicePixelRatio() if app else 1.0  # type: ignore[union-attr]


@lru_cache(maxsize=None)
def _state_pixmap(state: str, size: int, ratio: float) -> QPixmap:
    colour, glyph = STATE_STYLE.get(state, STATE_STYLE["checking"])
    pix = QPixmap(int(size * ratio), int(size * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    m = size * 0.06
    p.drawEllipse(QRectF(m, m, size - 2 * m, size - 2 * m))
    pen = QPen(QColor("white"), max(1.5, size * 0.12), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    s = size
    if glyph == "check":
        path = QPainterPath(QPointF(s * 0.28, s * 0.52))
        path.lineTo(s * 0.44, s * 0.68)
        path.lineTo(s * 0.72, s * 0.34)
        p.drawPath(path)
    elif glyph == "down":
        p.drawLine(QPointF(s * 0.5, s * 0.27), QPointF(s * 0.5, s * 0.72))
        path = QPainterPath(QPointF(s * 0.31, s * 0.54))
        path.lineTo(s * 0.5, s * 0.73)
        path.lineTo(s * 0.69, s * 0.54)
        p.drawPath(path)
    elif glyph == "dot":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("white"))
        p.drawEllipse(QPointF(s * 0.5, s * 0.5), s * 0.17, s * 0.17)
    elif glyph == "fork":
        p.drawLine(QPointF(s * 0.5, s * 0.72), QPointF(s * 0.5, s * 0.5))
        p.drawLine(QPointF(s * 0.5, s * 0.5), QPointF(s * 0.3, s * 0.3))
        p.drawLine(QPointF(s * 0.5, s * 0.5), QPointF(s * 0.7, s * 0.3))
    elif glyph == "plus":
        p.drawLine(QPointF(s * 0.5, s * 0.28), QPointF(s * 0.5, s * 0.72))
        p.drawLine(QPointF(s * 0.28, s * 0.5), QPointF(s * 0.72, s * 0.5))
    elif glyph == "bang":
        p.drawLine(QPointF(s * 0.5, s * 0.26), QPointF(s * 0.5, s * 0.58))
        p.drawPoint(QPointF(s * 0.5, s * 0.74))
    else:  # ellipsis
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("white"))
        for x in (0.3, 0.5, 0.7):
            p.drawEllipse(QPointF(s * x, s * 0.5), s * 0.07, s * 0.07)
    p.end()
    return pix


def state_icon(state: str, size: int = 16) -> QIcon:
    icon = QIcon()
    ratio = _ratio()
    icon.addPixmap(_state_pixmap(state, size, ratio))
    if ratio != 2.0:
        icon.addPixmap(_state_pixmap(state, size, 2.0))
    return icon


def state_text(state: str) -> str:
    return STATE_TEXT.get(state, state.replace("_", " "))


def _drawn(draw, size: int = 24) -> QIcon:
    """An icon painted by `draw(painter, colour)` at 1× and 2×, in the palette's text colour."""
    icon = QIcon()
    app = QApplication.instance()
    colour = QApplication.palette().buttonText().color() if app else QColor("#333333")
    for ratio in (1.0, 2.0):
        pix = QPixmap(int(size * ratio), int(size * ratio))
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(colour, 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        draw(p, colour)
        p.end()
        icon.addPixmap(pix)
    return icon


def sync_icon() -> QIcon:
    """Two arrows chasing each other round a circle, in the palette's highlight colour."""
    themed = QIcon.fromTheme("view-refresh")
    if not themed.isNull():
        return themed

    def draw(p: QPainter, _colour: QColor) -> None:
        accent = QApplication.palette().highlight().color() if QApplication.instance() else QColor("#2f7ee6")
        p.setPen(QPen(accent, 2.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        rect = QRectF(4.5, 4.5, 15, 15)
        p.drawArc(rect, 20 * 16, 140 * 16)
        p.drawArc(rect, 200 * 16, 140 * 16)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(accent)
        for tip in ((QPointF(4.2, 8.2), QPointF(9.0, 8.6), QPointF(5.6, 3.6)),
                    (QPointF(19.8, 15.8), QPointF(15.0, 15.4), QPointF(18.4, 20.4))):
            path = QPainterPath(tip[0])
            path.lineTo(tip[1])
            path.lineTo(tip[2])
            path.closeSubpath()
            p.drawPath(path)

    return _drawn(draw)


def add_icon() -> QIcon:
    themed = QIcon.fromTheme("list-add")
    if not themed.isNull():
        return themed

    def draw(p: QPainter, _colour: QColor) -> None:
        p.drawRoundedRect(QRectF(4, 4, 16, 16), 3, 3)
        p.drawLine(QPointF(12, 8), QPointF(12, 16))
        p.drawLine(QPointF(8, 12), QPointF(16, 12))

    return _drawn(draw)


def fit_icon() -> QIcon:
    themed = QIcon.fromTheme("zoom-fit-best")
    if not themed.isNull():
        return themed

    def draw(p: QPainter, _colour: QColor) -> None:
        for (x, y), (dx, dy) in (((4, 4), (1, 1)), ((20, 4), (-1, 1)), ((4, 20), (1, -1)), ((20, 20), (-1, -1))):
            path = QPainterPath(QPointF(x, y + 5 * dy))
            path.lineTo(x, y)
            path.lineTo(x + 5 * dx, y)
            p.drawPath(path)
        p.drawRect(QRectF(9, 9, 6, 6))

    return _drawn(draw)


def export_icon() -> QIcon:
    themed = QIcon.fromTheme("document-save-as")
    if not themed.isNull():
        return themed

    def draw(p: QPainter, _colour: QColor) -> None:
        p.drawLine(QPointF(12, 4), QPointF(12, 15))
        path = QPainterPath(QPointF(7.5, 10.5))
        path.lineTo(12, 15)
        path.lineTo(16.5, 10.5)
        p.drawPath(path)
        path = QPainterPath(QPointF(4, 15))
        path.lineTo(4, 20)
        path.lineTo(20, 20)
        path.lineTo(20, 15)
        p.drawPath(path)

    return _drawn(draw)


def group_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setBold(True)
    return font

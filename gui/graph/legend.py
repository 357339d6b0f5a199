"""What the lineage graph's colours and marks mean, drawn under the graph."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui import hotkeys
from gui.style import palette


class GraphLegend(QWidget):
    """What the node colours and marks mean; wraps onto more lines when narrow."""

    ENTRIES = (
        "sync", "local_modification", "deployment", "merge", "rollback", "head", "ghost", "waiting", "second",
        "revert", "matched", "compared",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _labels(self) -> list[tuple[str, str]]:
        out = []
        for e in self.ENTRIES:
            text = {"head": "head (newest)", "ghost": "legacy parent (never stored)",
                    "waiting": "waiting upstream (not synced)", "second": "second parent (push, redeploy)",
                    "revert": "revert: same content as vN",
                    "matched": "the vN a selected revert matches",
                    "compared": f"compared with ({hotkeys.COMPARE_CLICK.text})"}.get(e, palette.origin_label(e))
            out.append((e, text))
        return out

    def _layout(self, width: int) -> tuple[list[tuple[str, str, QRectF]], int]:
        fm = self.fontMetrics()
        line_h = max(fm.height(), 16) + 6
        x, y, placed = 6.0, 4.0, []
        for kind, text in self._labels():
            mark_w = fm.horizontalAdvance("= v3") + 10 if kind == "revert" else 16
            w = mark_w + 6 + fm.horizontalAdvance(text) + 14
            if x > 6 and x + w > width:
                x, y = 6.0, y + line_h
            placed.append((kind, text, QRectF(x, y, w, line_h - 6)))
            x += w
        return placed, int(y + line_h + 2)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._layout(width)[1]

    def sizeHint(self) -> QSize:
        return QSize(640, self.heightForWidth(640))

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.heightForWidth(120))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.setFixedHeight(self.heightForWidth(self.width()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        text_color = self.palette().color(self.palette().ColorRole.WindowText)
        for kind, text, rect in self._layout(self.width())[0]:
            cy = rect.center().y()
            center = QPointF(rect.left() + 8, cy)
            text_x = rect.left() + 22
            if kind == "second":
                painter.setPen(QPen(QColor(palette.GHOST_COLOR), 2.0, Qt.PenStyle.DashLine))
                painter.drawLine(QPointF(rect.left(), cy), QPointF(rect.left() + 16, cy))
            elif kind in ("ghost", "waiting"):
                color = palette.WAITING_COLOR if kind == "waiting" else palette.GHOST_COLOR
                painter.setPen(QPen(QColor(color), 1.5, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(center, 6, 6)
            elif kind == "matched":  # drawn as SelectionItem rings the version a revert matches
                painter.setPen(QPen(palette.origin_color("rollback"), 2.0, Qt.PenStyle.DashLine))
                painter.setBrush(palette.origin_color("sync"))
                painter.drawEllipse(center, 5, 5)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(center, 7.5, 7.5)
            elif kind == "compared":  # drawn as SelectionItem(dotted=True) around a Ctrl+clicked version
                highlight = self.palette().color(self.palette().ColorRole.Highlight)
                painter.setPen(QPen(highlight, 2.0, Qt.PenStyle.DotLine))
                painter.setBrush(palette.origin_color("sync"))
                painter.drawEllipse(center, 5, 5)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(center, 7.5, 7.5)
            elif kind == "head":
                painter.setPen(QPen(text_color, 2.5))
                painter.setBrush(palette.origin_color("sync"))
                painter.drawEllipse(center, 6, 6)
            elif kind == "revert":
                badge = "= v3"
                bw = fm.horizontalAdvance(badge) + 10
                brect = QRectF(rect.left(), cy - fm.height() / 2 - 1, bw, fm.height() + 2)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(palette.origin_color("rollback"))
                painter.drawRoundedRect(brect, 4, 4)
                painter.setPen(QColor("white"))
                painter.drawText(brect, Qt.AlignmentFlag.AlignCenter, badge)
                text_x = rect.left() + bw + 6
            else:
                painter.setPen(QPen(palette.outline_color(kind), 1.5))
                painter.setBrush(palette.origin_color(kind))
                painter.drawEllipse(center, 6, 6)
            painter.setPen(text_color)
            painter.drawText(QPointF(text_x, cy + fm.ascent() / 2 - 1), text)
        painter.end()

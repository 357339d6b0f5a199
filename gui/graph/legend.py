"""What the lineage graph's colours and marks mean.

Under the graph sits a one-line `LegendStrip`: a chip in each line's colour (the
colour it keeps for life, core.history.lineage_view.line_colours) with the line's name,
and a **Key** button whose popover holds the full `GraphLegend` (origins, head, ghosts,
second parents, reverts, rings), so the legend never takes the graph's height.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QMenu, QSizePolicy, QToolButton, QWidget, QWidgetAction

from core.textsafe import printable

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


class LineChips(QWidget):
    """The shown artifact's lines, each as a dot of its colour and its name, on one row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: list[tuple[str, int]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_lines(self, lines: list[tuple[str, int]]) -> None:
        """(line, colour slot) left to right."""
        self._lines = list(lines)
        self.setToolTip("Lanes: " + ", ".join(printable(line) for line, _slot in self._lines) if self._lines else "")
        self.updateGeometry()
        self.update()

    def lines(self) -> list[tuple[str, int]]:
        return list(self._lines)

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        width = sum(fm.horizontalAdvance(printable(line)) + 30 for line, _ in self._lines)
        return QSize(max(width, 40), max(fm.height(), 16) + 6)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        text_color = self.palette().color(self.palette().ColorRole.WindowText)
        x, cy = 6.0, self.height() / 2
        for line, slot in self._lines:
            name = fm.elidedText(printable(line), Qt.TextElideMode.ElideRight, 160)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.lane_color(slot))
            painter.drawRoundedRect(QRectF(x, cy - 5, 14, 10), 3, 3)
            painter.setPen(text_color)
            painter.drawText(QPointF(x + 19, cy + fm.ascent() / 2 - 1), name)
            x += 19 + fm.horizontalAdvance(name) + 12
            if x > self.width():
                break
        painter.end()


class LegendStrip(QWidget):
    """One row under the graph: the lines' colours, and the full legend behind **Key**."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chips = LineChips()
        self.key_button = QToolButton()
        self.key_button.setText("Key")
        self.key_button.setToolTip("What the colours and marks of the graph mean")
        self.key_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.key_menu = QMenu(self.key_button)
        self.legend = GraphLegend()
        self.legend.setFixedWidth(560)
        holder = QWidgetAction(self.key_menu)
        holder.setDefaultWidget(self.legend)
        self.key_menu.addAction(holder)
        self.key_button.setMenu(self.key_menu)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 0)
        row.addWidget(self.chips, 1)
        row.addWidget(self.key_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_lines(self, lines: list[tuple[str, int]]) -> None:
        self.chips.set_lines(lines)

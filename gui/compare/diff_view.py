"""The text diff of one file: numbered, coloured lines in a read-only monospace view.

Long lines scroll sideways, or wrap at the view's width (`set_wrap`, View → Wrap long
diff lines); the gutter's numbers stay on each line's first row. A last line without a
newline is followed by git's "\\ No newline at end of file" marker line."""
from __future__ import annotations

import html

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QPaintEvent, QPalette, QResizeEvent, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from core import diff as core_diff
from gui.compare.diff_model import line_background
from gui.compare.hash_label import blend
from core.textsafe import printable


NO_NEWLINE = "\\ No newline at end of file"


class _Gutter(QWidget):
    def __init__(self, view: "DiffView") -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.view.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        self.view.paint_gutter(event)


class DiffView(QPlainTextEdit):
    """Read-only monospace diff; a gutter shows old and new line numbers per line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.numbers: list[tuple[int | None, int | None]] = []
        self.kinds: list[str] = []
        self._lines: tuple[core_diff.DiffLine, ...] = ()
        self._wrap = False
        self._gutter = _Gutter(self)
        self.blockCountChanged.connect(lambda _n: self._update_margins())
        self.updateRequest.connect(self._on_update_request)
        self._update_margins()

    def gutter_width(self) -> int:
        biggest = max((n or 0 for pair in self.numbers for n in pair), default=0)
        digits = max(3, len(str(biggest)))
        return self.fontMetrics().horizontalAdvance("9") * (2 * digits + 3)

    def _update_margins(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_gutter()

    def _place_gutter(self) -> None:
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        pal = self.palette()
        painter.fillRect(event.rect(), pal.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(blend(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.5))
        painter.setFont(self.font())
        digit = self.fontMetrics().horizontalAdvance("9")
        half = (self._gutter.width() - digit) // 2
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            number = block.blockNumber()
            if block.isVisible() and number < len(self.numbers):
                old, new = self.numbers[number]
                flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                if old is not None:
                    painter.drawText(0, top, half - digit // 2, height, flags, str(old))
                if new is not None:
                    painter.drawText(half, top, half - digit // 2, height, flags, str(new))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()

    @property
    def wraps(self) -> bool:
        return self._wrap

    def set_wrap(self, wrap: bool) -> None:
        """Wrap long lines at the view's width (True) or scroll sideways (False)."""
        if wrap == self._wrap:
            return
        self._wrap = wrap
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if wrap else QPlainTextEdit.LineWrapMode.NoWrap)
        self.show_lines(self._lines)

    def show_lines(self, lines: tuple[core_diff.DiffLine, ...]) -> None:
        """Fill the view: one block per diff line, coloured by kind.

        The whole diff goes in as one HTML document: one call into Qt instead of
        several per line, which is much faster for long files (and sidesteps a
        PySide6 6.12 / Python 3.11 leak of one None reference per void call).
        """
        pal = self.palette()
        self._lines = lines
        shown: list[core_diff.DiffLine] = []
        for ln in lines:
            shown.append(ln)
            if ln.no_newline:
                shown.append(core_diff.DiffLine("\\", NO_NEWLINE, None, None))
        self.numbers = [(ln.old_lineno, ln.new_lineno) for ln in shown]
        self.kinds = [ln.kind for ln in shown]
        styles: dict[str, str] = {}
        for kind in (" ", "+", "-", "@", "\\"):
            parts = []
            background = line_background(kind, pal)
            if background is not None:
                parts.append(f"background-color:{background.name()}")
            if kind in ("@", "\\"):
                dim = blend(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.45)
                parts.append(f"color:{dim.name()}")
            styles[kind] = f' style="{";".join(parts)}"' if parts else ""
        body = "".join(
            f"<p{styles.get(line.kind, '')}>"
            f"{html.escape(('' if line.kind in ('@', chr(92)) else line.kind + ' ') + printable(line.text, keep_tabs=True), quote=False)}</p>"
            for line in shown
        )
        space = "pre-wrap" if self._wrap else "pre"
        self.document().setHtml(f'<body style="white-space:{space}">{body}</body>' if shown else "")
        self._update_margins()
        self._place_gutter()
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def block_background(self, number: int) -> QColor | None:
        """Background colour of line `number` (for tests and accessibility tools)."""
        brush = self.document().findBlockByNumber(number).blockFormat().background()
        return None if brush.style() == Qt.BrushStyle.NoBrush else brush.color()

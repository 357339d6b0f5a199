"""The window's status bar: a running sync's progress and Cancel (from the sync
controller), the state counts (`core.sync.summary.count_states`) and the last sync time
(`History.last_sync_at`, so each data folder shows its own).

Messages (`showMessage`) are shown in a label of their own left of those, elided with
"…" to the room left (the whole text in its tooltip) and kept a gap away from the
counters: QStatusBar's own message painting runs a long text up to them and cuts it
mid-word, so it reads as one line with the counts.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from core.sync import count_states

LAST_SYNC_TIP = "When the newest version recorded by a sync in this data folder was made"
MESSAGE_GAP = 16  # px between a message and the counters


def local_time(stamp: datetime) -> str:
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


class MessageLabel(QLabel):
    """A one-line label that elides its text to its width (the whole text in the tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as painted: elided to the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, max(self.width() - 2, 0))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.rect().adjusted(1, 0, -1, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.shown_text())
        painter.end()


class WindowStatusBar(QStatusBar):
    def __init__(self, progress_widgets: Iterable[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_label = MessageLabel()
        self.addWidget(self.message_label, 1)
        self._message = ""
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(self.clearMessage)
        self.counts_label = QLabel()
        self.counts_label.setContentsMargins(MESSAGE_GAP, 0, 0, 0)
        self.last_sync_label = QLabel()
        self.last_sync_label.setToolTip(LAST_SYNC_TIP)
        for w in progress_widgets:
            self.addPermanentWidget(w)
        self.addPermanentWidget(self.counts_label)
        self.addPermanentWidget(self.last_sync_label)

    # Messages go to the label (QStatusBar would paint them over its own area, up to the counters).
    def showMessage(self, text: str, timeout: int = 0) -> None:
        self._message = text
        self.message_label.setText(text)
        self.message_label.setToolTip(text)
        if timeout > 0:
            self._clear.start(timeout)
        else:
            self._clear.stop()
        self.messageChanged.emit(text)

    def clearMessage(self) -> None:
        self._clear.stop()
        if self._message:
            self._message = ""
            self.message_label.clear()
            self.message_label.setToolTip("")
            self.messageChanged.emit("")

    def currentMessage(self) -> str:
        return self._message

    def show_counts(self, states: Iterable[str]) -> None:
        self.counts_label.setText(count_states(states).text())

    def show_last_sync(self, last: datetime | None) -> None:
        self.last_sync_label.setText(f"Last sync: {local_time(last)}" if last else "Last sync: never")

"""The window's status bar: a running sync's progress and Cancel (from the sync
controller), the state counts (`core.sync.summary.count_states`) and the last sync time
(`History.last_sync_at`, so each data folder shows its own)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from core.sync import count_states

LAST_SYNC_TIP = "When the newest version recorded by a sync in this data folder was made"


def local_time(stamp: datetime) -> str:
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


class WindowStatusBar(QStatusBar):
    def __init__(self, progress_widgets: Iterable[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts_label = QLabel()
        self.last_sync_label = QLabel()
        self.last_sync_label.setToolTip(LAST_SYNC_TIP)
        for w in progress_widgets:
            self.addPermanentWidget(w)
        self.addPermanentWidget(self.counts_label)
        self.addPermanentWidget(self.last_sync_label)

    def show_counts(self, states: Iterable[str]) -> None:
        self.counts_label.setText(count_states(states).text())

    def show_last_sync(self, last: datetime | None) -> None:
        self.last_sync_label.setText(f"Last sync: {local_time(last)}" if last else "Last sync: never")

"""The first-start page shown while the collection has no artifacts.

"Open demo collection" builds `core.demo` on a worker (`build_demo`), showing its
progress here; the window reacts to `demoBuilt` / `demoFailed`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from gui.style import icons
from gui.workers import DemoWorker, WorkerPool

if TYPE_CHECKING:
    from core.history import ArtifactInfo
    from core.workspace import Workspace


class WelcomeView(QWidget):
    addRequested = Signal()
    demoRequested = Signal()
    demoBuilt = Signal(object)  # list[ArtifactInfo]
    demoFailed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        logo = QLabel()
        logo.setPixmap(icons.app_icon().pixmap(96, 96))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Welcome to Artifact Lineage")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Keep Claude Code skills, commands and agents in a local collection, synced from "
            "their upstream folders or git repositories. Every change — a sync, a local edit — "
            "is recorded as a version, and each artifact's versions are drawn as a lineage graph "
            "you can click through and compare, parent against child, down to the changed line."
            "<br><br>Your collection is empty. Add an artifact from an upstream, or open the demo "
            "collection to see a real history in a few seconds."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setMinimumWidth(460)
        text.setMaximumWidth(600)
        text.setTextFormat(Qt.TextFormat.RichText)

        self.add_button = QPushButton("Add artifact…")
        self.demo_button = QPushButton("Open demo collection")
        self.demo_button.setDefault(True)
        for b in (self.add_button, self.demo_button):
            b.setMinimumHeight(b.sizeHint().height() + 8)
            b.setMinimumWidth(180)
        self.add_button.clicked.connect(self.addRequested)
        self.demo_button.clicked.connect(self.demoRequested)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(360)
        self.progress.setFormat("Building the demo… %v / %m")
        self.progress.hide()

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.progress)
        bar.addStretch(1)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(text)
        centre.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(logo)
        layout.addSpacing(8)
        layout.addWidget(title)
        layout.addSpacing(12)
        layout.addLayout(centre)
        layout.addSpacing(20)
        layout.addLayout(buttons)
        layout.addSpacing(12)
        layout.addLayout(bar)
        layout.addStretch(3)

    def set_busy(self, busy: bool, done: int = 0, total: int = 0) -> None:
        self.add_button.setEnabled(not busy)
        self.demo_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, total)  # total 0 → indeterminate until the first report
        self.progress.setValue(done)

    def build_demo(self, ws: Workspace, pool: WorkerPool) -> None:
        """Build the demo collection on a worker of `pool`, with progress on this page."""
        self.set_busy(True)
        worker = DemoWorker(ws)
        pool.start(worker, progress=self._on_demo_progress, finished=self._on_demo_built,
                   failed=self._on_demo_failed)

    @Slot(int, int, str)
    def _on_demo_progress(self, done: int, total: int, _name: str) -> None:
        self.set_busy(True, done, total)

    @Slot(object)
    def _on_demo_built(self, artifacts: list[ArtifactInfo]) -> None:
        self.set_busy(False)
        self.demoBuilt.emit(artifacts)

    @Slot(str)
    def _on_demo_failed(self, message: str) -> None:
        self.set_busy(False)
        self.demoFailed.emit(message)

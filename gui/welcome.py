"""The first-start page shown while the collection has no artifacts."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from gui import icons


class WelcomeView(QWidget):
    addRequested = Signal()
    demoRequested = Signal()

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

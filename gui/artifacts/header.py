"""The header above the graph: the artifact's name, then type · state · versions · upstream,
and its error (in red) when the last status run or sync failed for it."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.history import ArtifactInfo
from gui.style import icons
from gui.style.colours import error_colour
from core.textsafe import printable


def upstream_text(info: ArtifactInfo) -> str:
    up = info.upstream
    return up.location + (f" @ {up.ref}" if up.ref else "") + (f" / {up.subdir}" if up.subdir else "")


class ArtifactHeader(QWidget):
    resolveRequested = Signal()  # "Resolve…": the shown artifact has a merge waiting
    chooseAgainRequested = Signal()  # "Choose again…": keep-local was chosen for this upstream state

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a name is never markup
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Wraps at the " · " separators rather than making the window as wide as a long upstream path.
        self.subtitle.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.resolve_button = QPushButton("Resolve…")  # beside the state: "merge waiting — Resolve…"
        self.resolve_button.setToolTip("A merge stopped on conflicts: pick a side per conflict, then finish it")
        self.resolve_button.clicked.connect(self.resolveRequested)
        self.resolve_button.hide()
        self.choose_button = QPushButton("Choose again…")
        self.choose_button.setToolTip("Local was kept for this upstream state: sync now and choose keep local, "
                                      "take upstream or merge again")
        self.choose_button.clicked.connect(self.chooseAgainRequested)
        self.choose_button.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.resolve_button)
        top.addWidget(self.choose_button)
        layout.addLayout(top)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.error_label)

    def show_artifact(self, info: ArtifactInfo, state: str, version_count: int | None, error: str | None) -> None:
        """`version_count` None: not known yet (the versions are still loading)."""
        n = version_count
        count = "" if n is None else f" · {n} version{'s' if n != 1 else ''}"
        self.title.setText(printable(info.name))
        self.subtitle.setText(
            f"{info.type} · {icons.state_text(state)}{count} · upstream: {printable(upstream_text(info))}"
        )
        self.subtitle.setToolTip(f"In the collection: {printable(info.place)}")
        self.resolve_button.setVisible(state == "conflict")
        self.choose_button.setVisible(state == "kept_local")
        if error:
            self.error_label.setStyleSheet(f"color: {error_colour(self.palette())};")
            self.error_label.setText(f"Error: {printable(error)}")
            self.error_label.show()
        else:
            self.error_label.hide()

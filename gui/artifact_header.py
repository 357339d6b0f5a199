"""The header above the graph: the artifact's name, then type · state · versions · upstream,
and its error (in red) when the last status run or sync failed for it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.history import ArtifactInfo
from gui import icons
from gui.add_dialog import error_colour
from core.textsafe import printable


def upstream_text(info: ArtifactInfo) -> str:
    up = info.upstream
    return up.location + (f" @ {up.ref}" if up.ref else "") + (f" / {up.subdir}" if up.subdir else "")


class ArtifactHeader(QWidget):
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.error_label)

    def show_artifact(self, info: ArtifactInfo, state: str, version_count: int, error: str | None) -> None:
        n = version_count
        self.title.setText(printable(info.name))
        self.subtitle.setText(
            f"{info.type} · {icons.state_text(state)} · {n} version{'s' if n != 1 else ''}"
            f" · upstream: {printable(upstream_text(info))}"
        )
        self.subtitle.setToolTip(f"In the collection: {printable(info.place)}")
        if error:
            self.error_label.setStyleSheet(f"color: {error_colour(self.palette())};")
            self.error_label.setText(f"Error: {printable(error)}")
            self.error_label.show()
        else:
            self.error_label.hide()

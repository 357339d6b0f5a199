"""Asked once per Sync now when artifacts diverged: keep local (default) or take upstream."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from core.sync import ArtifactStatus, Strategy


class DivergedDialog(QDialog):
    def __init__(self, diverged: list[ArtifactStatus], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Diverged artifacts")
        self.setMinimumWidth(440)  # the explanation reads in three lines, not five
        layout = QVBoxLayout(self)
        text = QLabel(
            "These artifacts were edited in the collection <b>and</b> changed upstream. "
            "Local edits are kept unless you tick <i>take upstream</i> (the local content "
            "stays in the history either way)."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.boxes: dict[int, QCheckBox] = {}
        for status in diverged:
            box = QCheckBox(f"take upstream for {status.name} ({status.type})")
            self.boxes[status.artifact_id] = box
            layout.addWidget(box, 0, Qt.AlignmentFlag.AlignLeft)  # as wide as its text: a click beside it is not a tick
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.sync_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sync_button.setText("Sync")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def strategies(self) -> dict[int, Strategy]:
        return {
            aid: (Strategy.TAKE_UPSTREAM if box.isChecked() else Strategy.KEEP_LOCAL)
            for aid, box in self.boxes.items()
        }

"""Asked once per Sync now when artifacts diverged: keep local (default) or take upstream."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from core.diff import FileChange
from core.sync import ArtifactStatus, Strategy
from core.textsafe import printable

SHOWN_FILES = 4  # per side; the rest is counted

_VERBS = {"added": "added", "removed": "removed", "modified": "changed", "mode_changed": "mode changed"}


def describe_changes(changes: tuple[FileChange, ...]) -> str:
    """'SKILL.md (changed), notes.md (added) and 3 more' — the files one side touched."""
    if not changes:
        return "nothing"
    shown = [f"{printable(c.display_path)} ({_VERBS.get(c.status, c.status)})" for c in changes[:SHOWN_FILES]]
    more = len(changes) - SHOWN_FILES
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


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
        self.details: dict[int, QLabel] = {}
        for status in diverged:
            box = QCheckBox(f"take upstream for {printable(status.name)} ({status.type})")
            self.boxes[status.artifact_id] = box
            layout.addWidget(box, 0, Qt.AlignmentFlag.AlignLeft)  # as wide as its text: a click beside it is not a tick
            if status.changed_locally or status.changed_upstream:
                detail = QLabel(
                    f"Edited here: {html.escape(describe_changes(status.changed_locally))}<br>"
                    f"Changed upstream: {html.escape(describe_changes(status.changed_upstream))}"
                )
                detail.setTextFormat(Qt.TextFormat.RichText)
                detail.setWordWrap(True)
                detail.setContentsMargins(24, 0, 0, 6)  # under its checkbox's text
                self.details[status.artifact_id] = detail
                layout.addWidget(detail)
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

"""Edit upstream… : another source, ref or sub-folder for one artifact.

OK runs `core.sync.edit_upstream` on a worker (the new upstream is fetched and
checked first); a failure is shown inside the dialog and nothing changes. On
success the dialog closes with `outcome` set; the next Sync brings the new content.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.history import ArtifactInfo
from core.textsafe import printable
from gui.artifacts.worker_dialog import WorkerDialog
from gui.workers import EditWorker

if TYPE_CHECKING:
    from core.sync import EditOutcome
    from core.workspace import Workspace


class EditUpstreamDialog(WorkerDialog):
    edited = Signal(object)  # EditOutcome

    def __init__(self, workspace: "Workspace", artifact: ArtifactInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit upstream of {printable(artifact.name)}")
        self.setMinimumWidth(560)
        self._ws = workspace
        self._artifact = artifact
        self.outcome: "EditOutcome | None" = None
        up = artifact.upstream
        self.source_edit = QLineEdit(up.location)
        self.ref_edit = QLineEdit(up.ref or "")
        self.ref_edit.setPlaceholderText("git only: branch, tag or commit (empty: default branch)")
        self.subdir_edit = QLineEdit(up.subdir or "")
        self.subdir_edit.setPlaceholderText("empty: the upstream's root")
        intro = QLabel(f"The {artifact.type} <b>{html.escape(printable(artifact.name))}</b> keeps its place "
                       f"({html.escape(printable(artifact.place))}) and its "
                       "history; the next Sync brings the new upstream's content as a new version.")
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Upstream:", self.source_edit)
        form.addRow("&Ref:", self.ref_edit)
        form.addRow("&Sub-folder:", self.subdir_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Change")
        self.buttons.accepted.connect(self._apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_label)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def inputs(self) -> list[QWidget]:
        return [self.source_edit, self.ref_edit, self.subdir_edit, self.ok_button]

    @Slot()
    def _apply(self) -> None:
        if self.checking or not self.source_edit.text().strip():
            return
        worker = EditWorker(self._ws, self._artifact.id, source=self.source_edit.text().strip(),
                            ref=self.ref_edit.text().strip(), subdir=self.subdir_edit.text().strip())
        self.run_worker(worker, "Checking the new upstream…", finished=self._on_edited)

    @Slot(object)
    def _on_edited(self, outcome: "EditOutcome") -> None:
        if not self.finish_busy():
            return
        self.outcome = outcome
        self.edited.emit(outcome)
        self.validationFinished.emit(True)
        self.accept()

"""Add artifact… : name, type, upstream (folder/file or git URL), ref, sub-folder.

OK runs `core.sync.add_artifact` on a worker thread; core validates the source
and ref. A failure is shown inside the dialog, which stays open; success closes
it with `artifact` set to the new ArtifactInfo.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.history import ARTIFACT_TYPES, ArtifactInfo
from gui.workers import AddWorker, WorkerPool

if TYPE_CHECKING:
    from core.workspace import Workspace

AUTO_TYPE = "auto (from the upstream's layout)"


def error_colour(palette: QPalette) -> str:
    """A red that reads on the current palette (lighter on dark backgrounds)."""
    return "#ff6b6b" if palette.color(QPalette.ColorRole.Window).lightness() < 128 else "#c62828"


class AddArtifactDialog(QDialog):
    artifactAdded = Signal(object)  # ArtifactInfo
    validationFinished = Signal(bool)  # True: added; False: error shown

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add artifact")
        self.setMinimumWidth(560)
        self._ws = workspace
        self._pool = WorkerPool(self)
        self.artifact: ArtifactInfo | None = None
        self._checking = False
        self._worker: AddWorker | None = None
        self._cancel_requested = False  # Cancel pressed while the upstream was being checked

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. pdf")
        self.type_combo = QComboBox()
        self.type_combo.addItem(AUTO_TYPE, None)
        for t in ARTIFACT_TYPES:
            self.type_combo.addItem(t, t)
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("a folder or file path, or a git URL")
        self.folder_button = QPushButton("Folder…")
        self.file_button = QPushButton("File…")
        source_row = QHBoxLayout()
        source_row.setContentsMargins(0, 0, 0, 0)
        source_row.addWidget(self.source_edit, 1)
        source_row.addWidget(self.folder_button)
        source_row.addWidget(self.file_button)
        self.ref_edit = QLineEdit()
        self.ref_edit.setPlaceholderText("git only: branch, tag or commit (empty: default branch)")
        self.subdir_edit = QLineEdit()
        self.subdir_edit.setPlaceholderText("optional: path inside the folder or repository")

        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Type:", self.type_combo)
        source_label = QLabel("&Upstream:")
        source_label.setBuddy(self.source_edit)  # a row holding a layout gets no buddy by itself
        form.addRow(source_label, source_row)
        form.addRow("&Ref:", self.ref_edit)
        form.addRow("&Sub-folder:", self.subdir_edit)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {error_colour(self.palette())};")
        self.error_label.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the upstream is being checked
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.hide()
        self.busy_label = QLabel("Checking the upstream…")
        self.busy_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add")
        self.buttons.accepted.connect(self._validate)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_label)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.name_edit.textChanged.connect(self._update_ok)
        self.source_edit.textChanged.connect(self._update_ok)
        self.source_edit.textEdited.connect(self._clear_error)
        self.name_edit.textEdited.connect(self._clear_error)
        self.folder_button.clicked.connect(self._pick_folder)
        self.file_button.clicked.connect(self._pick_file)
        self._update_ok()

    # --- form ---------------------------------------------------------------
    @Slot()
    def _update_ok(self) -> None:
        ready = bool(self.name_edit.text().strip() and self.source_edit.text().strip())
        self.ok_button.setEnabled(ready and not self._checking)

    @Slot()
    def _clear_error(self) -> None:
        self.error_label.hide()

    def _picked(self, path: str) -> None:
        if not path:
            return
        self.source_edit.setText(path)
        if not self.name_edit.text().strip():
            p = Path(path)
            self.name_edit.setText(p.stem if p.suffix == ".md" else p.name)

    @Slot()
    def _pick_folder(self) -> None:
        self._picked(QFileDialog.getExistingDirectory(self, "Upstream folder"))

    @Slot()
    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Upstream file", "", "Markdown (*.md);;All files (*)")
        self._picked(path)

    def values(self) -> dict[str, str | None]:
        return {
            "name": self.name_edit.text().strip(),
            "source": self.source_edit.text().strip(),
            "type": self.type_combo.currentData(),
            "ref": self.ref_edit.text().strip() or None,
            "subdir": self.subdir_edit.text().strip() or None,
        }

    # --- validation on a worker -------------------------------------------
    def _set_busy(self, busy: bool) -> None:
        self._checking = busy
        for w in (self.name_edit, self.type_combo, self.source_edit, self.folder_button, self.file_button,
                  self.ref_edit, self.subdir_edit):
            w.setEnabled(not busy)
        self.busy.setVisible(busy)
        self.busy_label.setVisible(busy)
        self._update_ok()

    @Slot()
    def _validate(self) -> None:
        v = self.values()
        if not (v["name"] and v["source"]) or self._checking:
            return
        self.error_label.hide()
        self.busy_label.setText("Checking the upstream…")
        self._set_busy(True)
        source = v["source"]
        if "://" not in source and not source.startswith("git@"):
            source = str(Path(source).expanduser())
        worker = AddWorker(self._ws, v["name"], source, type=v["type"], ref=v["ref"], subdir=v["subdir"])
        worker.finished.connect(self._on_added)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._pool.start(worker)

    @Slot(object)
    def _on_added(self, info: ArtifactInfo) -> None:
        self._set_busy(False)
        self.artifact = info
        self.artifactAdded.emit(info)
        self.validationFinished.emit(True)
        self.accept()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._set_busy(False)
        if self._cancel_requested:
            self._cancel_requested = False
            self.validationFinished.emit(False)
            super().reject()
            return
        self.error_label.setText(message)
        self.error_label.show()
        self._update_ok()
        self.validationFinished.emit(False)

    def reject(self) -> None:
        if self._checking:
            # Cancel the check (a git clone is killed); the dialog closes once the worker
            # reports back, so an artifact added in the meantime is never left unseen.
            self._cancel_requested = True
            self.busy_label.setText("Cancelling…")
            if self._worker is not None:
                self._worker.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._pool.wait_all()
        super().done(result)

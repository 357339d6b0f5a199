"""Add artifact… : upstream (folder/file or git URL), ref, sub-folder; then one artifact by
name and type, or several picked from what the upstream holds.

**Look inside** runs `core.sync.discover_source` on a worker (a git upstream is fetched
at the ref) and lists the skills, commands and agents found, with checkboxes; those
already tracked are shown greyed. With some ticked, Add runs `core.sync.add_found` on
a worker; otherwise `core.sync.add_artifact` adds one by name (and when core refuses
because the upstream holds several, the list is shown instead). A failure is shown
inside the dialog, which stays open; success closes it with `artifact` (one) or
`outcome` (several) set.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.history import ARTIFACT_TYPES, ArtifactInfo
from core.sync import AddOutcome, describe_upstream
from core.textsafe import printable
from core.upstreams import Discovery, FoundArtifact
from gui.artifacts.worker_dialog import WorkerDialog
from gui.workers import AddFoundWorker, AddWorker, DiscoverWorker

if TYPE_CHECKING:
    from core.workspace import Workspace

AUTO_TYPE = "auto (from the upstream's layout)"


class AddArtifactDialog(WorkerDialog):
    artifactAdded = Signal(object)  # ArtifactInfo
    artifactsAdded = Signal(object)  # AddOutcome: several added from the list
    discovered = Signal(int)  # the list now shows this many artifacts (after Look inside)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add artifact")
        self.setMinimumWidth(560)
        self._ws = workspace
        self.artifact: ArtifactInfo | None = None
        self.outcome: AddOutcome | None = None
        self._discovery: Discovery | None = None

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

        upstream_form = QFormLayout()
        source_label = QLabel("&Upstream:")
        source_label.setBuddy(self.source_edit)  # a row holding a layout gets no buddy by itself
        upstream_form.addRow(source_label, source_row)
        upstream_form.addRow("&Ref:", self.ref_edit)
        upstream_form.addRow("&Sub-folder:", self.subdir_edit)

        # What the upstream holds, to pick several at once.
        self.look_button = QPushButton("&Look inside")
        self.look_button.setToolTip("List the skills, commands and agents this upstream holds (at the ref), "
                                    "to add several at once")
        self.found_label = QLabel("Or add one artifact by name below.")
        self.found_label.setWordWrap(True)
        look_row = QHBoxLayout()
        look_row.setContentsMargins(0, 0, 0, 0)
        look_row.addWidget(self.look_button)
        look_row.addWidget(self.found_label, 1)
        self.found_list = QTreeWidget()
        self.found_list.setHeaderLabels(["Artifact", "Type", "Sub-folder"])
        self.found_list.setRootIsDecorated(False)
        self.found_list.setUniformRowHeights(True)
        self.found_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.found_list.setMinimumHeight(200)
        self.found_list.hide()
        self.all_button = QPushButton("Select &all")
        self.none_button = QPushButton("Select n&one")
        pick_row = QHBoxLayout()
        pick_row.setContentsMargins(0, 0, 0, 0)
        pick_row.addWidget(self.all_button)
        pick_row.addWidget(self.none_button)
        pick_row.addStretch(1)
        self.pick_row = QWidget()
        self.pick_row.setLayout(pick_row)
        self.pick_row.hide()

        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Type:", self.type_combo)
        self.single_box = QWidget()
        self.single_box.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)


        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add")
        self.buttons.accepted.connect(self._validate)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(upstream_form)
        layout.addLayout(look_row)
        layout.addWidget(self.found_list, 1)
        layout.addWidget(self.pick_row)
        layout.addWidget(self.single_box)
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
        self.look_button.clicked.connect(self.look_inside)
        self.all_button.clicked.connect(lambda: self._check_all(True))
        self.none_button.clicked.connect(lambda: self._check_all(False))
        self.found_list.itemChanged.connect(self._update_ok)
        for edit in (self.source_edit, self.ref_edit, self.subdir_edit):
            edit.textEdited.connect(self._forget_discovery)  # the list described another upstream
        self._update_ok()

    # --- form ---------------------------------------------------------------
    def checked_found(self) -> list[FoundArtifact]:
        """The artifacts ticked in the list, in list order."""
        items = (self.found_list.topLevelItem(i) for i in range(self.found_list.topLevelItemCount()))
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in items
                if item.checkState(0) == Qt.CheckState.Checked and not item.isDisabled()]

    @Slot()
    def _update_ok(self) -> None:
        picked = len(self.checked_found())
        self.single_box.setEnabled(not picked and not self.checking)
        self.ok_button.setText(f"Add {picked}" if picked else "Add")
        ready = bool(picked or (self.name_edit.text().strip() and self.source_edit.text().strip()))
        self.ok_button.setEnabled(ready and not self.checking)
        self.look_button.setEnabled(bool(self.source_edit.text().strip()) and not self.checking)

    def _check_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for i in range(self.found_list.topLevelItemCount()):
            item = self.found_list.topLevelItem(i)
            if not item.isDisabled():
                item.setCheckState(0, state)

    @Slot()
    def _forget_discovery(self) -> None:
        if self._discovery is None:
            return
        self._discovery = None
        self.found_list.clear()
        self.found_list.hide()
        self.pick_row.hide()
        self.found_label.setText("Or add one artifact by name below.")
        self._update_ok()

    def show_discovery(self, discovery: Discovery) -> None:
        """Fill the list: everything found, ticked unless already tracked (then greyed)."""
        self._discovery = discovery
        tracked = {(a.name, a.type) for a in self._ws.history.list_artifacts()}
        self.found_list.blockSignals(True)
        self.found_list.clear()
        for found in discovery.artifacts:
            have = (found.name, found.type) in tracked
            item = QTreeWidgetItem([printable(found.name), found.type,
                                    printable(found.subdir) + ("  (already tracked)" if have else "")])
            item.setData(0, Qt.ItemDataRole.UserRole, found)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked if have else Qt.CheckState.Checked)
            if have:
                item.setDisabled(True)
                item.setToolTip(0, "Already tracked")
            self.found_list.addTopLevelItem(item)
        self.found_list.blockSignals(False)
        for column in range(3):
            self.found_list.resizeColumnToContents(column)
            if column < 2:  # breathing room between the short columns
                self.found_list.setColumnWidth(column, self.found_list.columnWidth(column) + 16)
        count = len(discovery.artifacts)
        where = printable(describe_upstream(discovery.spec))
        commit = discovery.fetched.commit
        at = f" (commit {commit[:10]})" if commit else ""
        if count:
            self.found_label.setText(f"{count} artifact{'s' if count != 1 else ''} in {where}{at}: tick the ones "
                                     "to add, or untick all and add one by name.")
        elif discovery.root_is_skill:
            self.found_label.setText("This upstream is one skill: give it a name below.")
        else:
            self.found_label.setText("No skills, commands or agents found here; add the upstream by name below, "
                                     "or give a sub-folder.")
        self.found_list.setVisible(bool(count))
        self.pick_row.setVisible(bool(count))
        self._update_ok()
        self.discovered.emit(count)

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
    def inputs(self) -> list[QWidget]:
        return [self.name_edit, self.type_combo, self.source_edit, self.folder_button, self.file_button,
                self.ref_edit, self.subdir_edit, self.found_list, self.pick_row]

    def busy_changed(self) -> None:
        self._update_ok()

    def _source(self) -> str:
        source = self.source_edit.text().strip()
        if "://" not in source and not source.startswith("git@"):
            source = str(Path(source).expanduser())
        return source

    @Slot()
    def look_inside(self) -> None:
        """List what the upstream holds (fetched on a worker; a git upstream at the ref)."""
        v = self.values()
        if not v["source"] or self.checking:
            return
        worker = DiscoverWorker(self._ws, self._source(), ref=v["ref"], subdir=v["subdir"])
        self.run_worker(worker, "Looking inside the upstream…", finished=self._on_discovered)

    @Slot(object)
    def _on_discovered(self, discovery: Discovery) -> None:
        if not self.finish_busy():
            return
        self.show_discovery(discovery)
        self.validationFinished.emit(False)

    @Slot()
    def _validate(self) -> None:
        if self.checking:
            return
        picked = self.checked_found()
        if picked and self._discovery is not None:
            worker = AddFoundWorker(self._ws, self._discovery.spec, picked)
            self.run_worker(worker, f"Adding {len(picked)} artifacts…", finished=self._on_added_several)
            return
        v = self.values()
        if not (v["name"] and v["source"]):
            return
        worker = AddWorker(self._ws, v["name"], self._source(), type=v["type"], ref=v["ref"], subdir=v["subdir"])
        self.run_worker(worker, "Checking the upstream…", finished=self._on_added, several=self._on_several)

    @Slot(str)
    def _on_several(self, message: str) -> None:
        """core refused to add a whole repository as one artifact: show what it holds instead."""
        self.set_busy(False)
        self.show_error(message)
        self.look_inside()

    @Slot(object)
    def _on_added_several(self, outcome: AddOutcome) -> None:
        if not self.finish_busy():
            return
        self.outcome = outcome
        self.artifactsAdded.emit(outcome)
        self.validationFinished.emit(True)
        self.accept()

    @Slot(object)
    def _on_added(self, info: ArtifactInfo | None) -> None:
        if info is None:
            return  # refused as several artifacts: _on_several shows the list instead
        if not self.finish_busy():
            return
        self.artifact = info
        self.artifactAdded.emit(info)
        self.validationFinished.emit(True)
        self.accept()

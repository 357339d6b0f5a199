"""What can be done to one artifact: Sync this one, Edit upstream…, Remove….

The actions live in the menu bar's Artifact menu and in the artifact list's context
menu, and act on the artifact given to `set_artifact` (the current one, or the
one right-clicked). Editing and removing run core on workers (gui.workers);
when one finishes, `changed(message)` tells the window to reload its list.
Sync this one is the window's Sync now flow for one artifact (`syncRequested`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from core.history import ArtifactInfo
from core.textsafe import printable
from gui import hotkeys
from gui.artifacts.edit_dialog import EditUpstreamDialog
from gui.workers import RemoveWorker, WorkerPool

if TYPE_CHECKING:
    from core.sync import EditOutcome, RemoveOutcome
    from core.workspace import Workspace


class ArtifactActions(QObject):
    syncRequested = Signal(int)  # artifact id
    changed = Signal(str)  # the collection changed (edited, removed): reload; the text says what happened
    failed = Signal(str)

    def __init__(self, ws: "Workspace", pool: WorkerPool, parent: QWidget) -> None:
        super().__init__(parent)
        self._ws = ws
        self._pool = pool
        self._parent = parent
        self._artifact: ArtifactInfo | None = None
        self.edit_dialog: EditUpstreamDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.purge_box: QCheckBox | None = None

        self.sync_one_action = QAction("S&ync this one", self)
        hotkeys.SYNC_ONE.apply(self.sync_one_action)
        self.sync_one_action.setToolTip(hotkeys.tip("Sync only the selected artifact", hotkeys.SYNC_ONE))
        self.edit_action = QAction("&Edit upstream…", self)
        hotkeys.EDIT_UPSTREAM.apply(self.edit_action)
        self.edit_action.setToolTip("Point the selected artifact at another source, ref or sub-folder")
        self.remove_action = QAction("&Remove…", self)
        hotkeys.REMOVE.apply(self.remove_action)
        self.remove_action.setToolTip("Stop tracking the selected artifact (its history is kept)")
        self.sync_one_action.triggered.connect(self.sync_one)
        self.edit_action.triggered.connect(self.edit)
        self.remove_action.triggered.connect(self.remove)
        self.set_artifact(None)

    def actions(self) -> list[QAction]:
        return [self.sync_one_action, self.edit_action, self.remove_action]

    def set_artifact(self, info: ArtifactInfo | None) -> None:
        self._artifact = info
        for action in self.actions():
            action.setEnabled(info is not None)
        if info is not None:
            self.sync_one_action.setText(f"S&ync {printable(info.name).replace('&', '&&')}")
        else:
            self.sync_one_action.setText("S&ync this one")

    def set_sync_running(self, running: bool) -> None:
        self.sync_one_action.setEnabled(self._artifact is not None and not running)

    @Slot()
    def sync_one(self) -> None:
        if self._artifact is not None:
            self.syncRequested.emit(self._artifact.id)

    @Slot()
    def edit(self) -> EditUpstreamDialog | None:
        if self._artifact is None:
            return None
        dialog = EditUpstreamDialog(self._ws, self._artifact, self._parent)
        dialog.edited.connect(self._on_edited)
        self.edit_dialog = dialog
        dialog.open()
        return dialog

    @Slot(object)
    def _on_edited(self, outcome: "EditOutcome") -> None:
        from core.sync import describe_upstream

        name = outcome.artifact.name
        if outcome.changed:
            self.changed.emit(f"{name} now follows {describe_upstream(outcome.new)}; "
                              "Sync brings its content as a new version.")
        else:
            self.changed.emit(f"{name} already follows {describe_upstream(outcome.new)}; nothing changed.")

    @Slot()
    def remove(self) -> QMessageBox | None:
        """Ask first (non-modal), with a box to delete the history too; then remove on a worker."""
        if self._artifact is None:
            return None
        info = self._artifact
        box = QMessageBox(QMessageBox.Icon.Question, "Remove artifact",
                          f"Remove the {info.type} {printable(info.name)}?", parent=self._parent)
        box.setInformativeText(
            f"Its collection copy ({printable(info.place)}) is deleted; edits not recorded yet are recorded first. "
            "Its history is kept and shown by `log`; adding it again continues it.")
        self.purge_box = QCheckBox("Also delete its history (cannot be undone)")
        box.setCheckBox(self.purge_box)
        self.remove_button = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.buttonClicked.connect(lambda button: self._on_confirm(button, info))
        self.confirm_box = box
        box.open()
        return box

    def _on_confirm(self, button: object, info: ArtifactInfo) -> None:
        if button is not self.remove_button:
            return
        purge = self.purge_box is not None and self.purge_box.isChecked()
        worker = RemoveWorker(self._ws, info.id, purge=purge)
        self._pool.start(worker, finished=self._on_removed, failed=self.failed.emit)

    @Slot(object)
    def _on_removed(self, outcome: "RemoveOutcome") -> None:
        art = outcome.artifact
        parts = [f"Removed the {art.type} {art.name}"]
        if outcome.recorded_version_id is not None:
            parts.append("its unrecorded edits were recorded first")
        parts.append("its history was deleted" if outcome.purged else "its history is kept")
        message = "; ".join(parts) + "."
        if outcome.copy_error:
            message += " " + outcome.copy_error
        self.changed.emit(message)

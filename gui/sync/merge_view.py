"""The merge view: resolve a merge that stopped on conflicts, file by file, hunk by hunk.

Left, the conflicting files (a tick once resolved); right, the selected file's hunks
(gui/sync/merge_hunks.py). "Finish merge" is enabled once every hunk of every file has a
choice; it first shows what will be recorded — each resolved file's diff against the
local copy (core.sync.review_resolution, on a worker) — and only "Record merge" there
hands the choices to core (core.sync.merging: resolve, then finish_merge) on a worker.
"Back to conflicts" returns with every choice kept. Nothing here decides how a file
merges: the hunks and rules are core.merge's.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter, QStackedWidget,
    QVBoxLayout, QWidget,
)

from core.textsafe import printable
from gui.compare.diff_view import DiffView
from gui.sync.merge_hunks import FilePage, choice_labels

if TYPE_CHECKING:
    from core.history import ArtifactInfo
    from core.merge import PendingMerge
    from core.sync import FilePick, ResolvedFile
    from core.workspace import Workspace
    from gui.workers import WorkerPool


class ReviewPage(QWidget):
    """What Finish merge will record: each resolved file's diff against the local copy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.files: list[ResolvedFile] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.about = QLabel()
        self.about.setWordWrap(True)
        layout.addWidget(self.about)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.list = QListWidget()
        self.diff = DiffView()
        split.addWidget(self.list)
        split.addWidget(self.diff)
        split.setStretchFactor(1, 4)
        split.setSizes([220, 880])
        layout.addWidget(split, 1)
        self.list.currentRowChanged.connect(self._show)

    def show_files(self, files: list[ResolvedFile], local: str = "local", into: str = "the collection") -> None:
        self.files = files
        changed = sum(not f.unchanged for f in files)
        self.about.setText(
            "Check the result before it is recorded: each file below as the merge will leave it, "
            f"against the {html.escape(local)} copy ({changed} of {len(files)} changed). <i>Record merge</i> replaces "
            f"{html.escape(into)}'s copy and records a merge version; <i>Back to conflicts</i> keeps every choice."
        )
        self.list.clear()
        for f in files:
            what = "deleted" if f.after is None else ("unchanged" if f.unchanged else "changed")
            self.list.addItem(QListWidgetItem(f"{printable(f.display_path)}  ({what})"))
        self.list.setCurrentRow(0)

    @Slot(int)
    def _show(self, row: int) -> None:
        if 0 <= row < len(self.files):
            self.diff.show_lines(self.files[row].diff())


class MergeView(QDialog):
    """Resolve one artifact's pending merge; `merged(outcome)` once finished and recorded."""

    merged = Signal(object)  # core.sync.merging.MergeOutcome
    recorded = Signal(str)  # what was recorded, in one sentence (the window's status bar)
    failed = Signal(str)
    reviewed = Signal()  # the review page is showing

    def __init__(
        self, ws: "Workspace", pool: "WorkerPool", artifact: "ArtifactInfo", pending: "PendingMerge",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ws, self._pool, self.artifact, self.pending = ws, pool, artifact, pending
        # A push or deploy merge waits under the project's name and names its own sides.
        self.line = pending.context.get("pending_line", "collection")
        self.target_line = pending.context.get("line", "collection")
        self.labels = choice_labels(pending.labels.local, pending.labels.other)
        self.into = "the collection" if self.target_line == "collection" else f"{self.target_line}'s copy"
        self.setWindowTitle(f"Merge {printable(artifact.name)}")
        self.resize(1100, 720)
        layout = QVBoxLayout(self)
        name, local, other = (html.escape(printable(t)) for t in (artifact.name, self.labels["local"], self.labels["other"]))
        intro = QLabel(
            f"<b>{name}</b> changed in the {local} copy and the {other} copy in the same places. Pick a side per "
            f"conflict, or edit the result; nothing changes in {html.escape(printable(self.into))} until "
            "<i>Record merge</i>."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.steps = QStackedWidget()
        split = QSplitter(Qt.Orientation.Horizontal)
        self.files = QListWidget()
        self.pages = QStackedWidget()
        self.file_pages: list[FilePage] = []
        for conflict in pending.unresolved():
            page = FilePage(conflict, labels=self.labels)
            page.changed.connect(self._update)
            self.file_pages.append(page)
            self.pages.addWidget(page)
            self.files.addItem(QListWidgetItem(printable(conflict.display_path)))
        self.files.currentRowChanged.connect(self.pages.setCurrentIndex)
        split.addWidget(self.files)
        split.addWidget(self.pages)
        split.setStretchFactor(1, 4)
        split.setSizes([220, 880])
        self.steps.addWidget(split)
        self.review = ReviewPage()
        self.steps.addWidget(self.review)
        layout.addWidget(self.steps, 1)
        bottom = QHBoxLayout()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.abort_button = QPushButton("Abort merge")
        self.abort_button.setToolTip(f"Drop this merge and every choice made here; {self.into} stays as it is")
        self.later_button = QPushButton("Later")
        self.later_button.setToolTip("Close; the merge waits, saved, until you come back")
        self.back_button = QPushButton("Back to conflicts")
        self.finish_button = QPushButton("Finish merge…")
        self.finish_button.setToolTip("Show the merged files against the local copy, then record")
        self.finish_button.setDefault(True)
        self.record_button = QPushButton("Record merge")
        for button in (self.abort_button, self.later_button, self.back_button, self.finish_button, self.record_button):
            bottom.addWidget(button)
        bottom.insertWidget(0, self.status, 1)
        layout.addLayout(bottom)
        self.finish_button.clicked.connect(self.finish)
        self.record_button.clicked.connect(self.record)
        self.back_button.clicked.connect(self.back)
        self.abort_button.clicked.connect(self.abort)
        self.later_button.clicked.connect(self.reject)
        self.files.setCurrentRow(0)
        self._show_step(reviewing=False)
        self._update()

    def page(self, path: str) -> FilePage:
        return next(p for p in self.file_pages if p.conflict.display_path == path)

    def _show_step(self, reviewing: bool) -> None:
        self.steps.setCurrentIndex(1 if reviewing else 0)
        self.back_button.setVisible(reviewing)
        self.record_button.setVisible(reviewing)
        self.record_button.setEnabled(reviewing)
        self.finish_button.setVisible(not reviewing)
        self.record_button.setDefault(reviewing)
        self.finish_button.setDefault(not reviewing)

    @Slot()
    def _update(self) -> None:
        left = 0
        for row, page in enumerate(self.file_pages):
            done = page.resolved()
            left += not done
            self.files.item(row).setText(f"{'✓' if done else '•'} {printable(page.conflict.display_path)}  ({page.progress()})")
        self.finish_button.setEnabled(left == 0)
        self.status.setText("Every conflict has a choice: Finish merge shows the result before it is recorded."
                            if left == 0 else f"{left} file{'s' if left != 1 else ''} still to resolve.")

    def picks(self) -> list[FilePick]:
        from core.sync import FilePick

        return [FilePick(p.conflict.path, hunk_choices=tuple(p.choices())) if p.hunks
                else FilePick(p.conflict.path, side=p.side) for p in self.file_pages]

    @Slot()
    def finish(self) -> None:
        """Work out the merged files (on a worker) and show them against local."""
        from core.sync import review_resolution
        from gui.workers import Worker

        objects, pending, picks = self._ws.objects, self.pending, self.picks()
        self.finish_button.setEnabled(False)
        self.status.setText("Putting the merged files together…")
        worker = Worker(lambda: review_resolution(objects, pending, picks))
        self._pool.start(worker, finished=self._on_reviewed, failed=self._on_failed)

    @Slot(object)
    def _on_reviewed(self, files: list[ResolvedFile]) -> None:
        self.review.show_files(files, printable(self.labels["local"]), printable(self.into))
        self._show_step(reviewing=True)
        self.status.setText("Nothing is recorded yet.")
        self.reviewed.emit()

    @Slot()
    def back(self) -> None:
        self._show_step(reviewing=False)
        self._update()

    @Slot()
    def record(self) -> None:
        from core.sync.merging import finish_merge, resolve_with_choices, resolve_with_side
        from gui.workers import Worker

        ws, pending, artifact, picks, line = self._ws, self.pending, self.artifact, self.picks(), self.target_line

        def job():
            for pick in picks:
                if pick.hunk_choices is not None:
                    resolve_with_choices(ws, pending, pick.path, list(pick.hunk_choices))
                else:
                    resolve_with_side(pending, pick.path, pick.side)
            outcome = finish_merge(ws, artifact, pending, how="window")
            return outcome, recorded_sentence(ws, artifact, outcome, line)

        self.record_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.status.setText("Recording the merge…")
        worker = Worker(job)
        self._pool.start(worker, finished=self._on_finished, failed=self._on_failed)

    @Slot(object)
    def _on_finished(self, reply: Any) -> None:
        outcome, sentence = reply
        self.merged.emit(outcome)
        self.recorded.emit(sentence)
        self.accept()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.status.setText(f"The merge could not be recorded: {message}")
        self.back_button.setEnabled(True)
        self.record_button.setEnabled(True)
        if self.steps.currentIndex() == 0:
            self._update()
        self.failed.emit(message)

    def choices_made(self) -> int:
        return sum(h.resolved() for p in self.file_pages for h in p.hunks) + sum(
            p.side is not None for p in self.file_pages if not p.hunks)

    @Slot()
    def abort(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from core.sync.merging import abort_merge

        made = self.choices_made()
        if made:
            answer = QMessageBox.question(
                self, "Abort merge",
                f"Abort the merge of {printable(self.artifact.name)}? The {made} choice{'s' if made != 1 else ''} "
                f"made here will be lost; {printable(self.into)} stays as it is.",
                QMessageBox.StandardButton.Abort | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Abort:
                return
        abort_merge(self._ws, self.artifact, self.line)  # removes one small file: no worker needed
        self.reject()


def recorded_sentence(ws: "Workspace", artifact: "ArtifactInfo", outcome: Any, line: str) -> str:
    """What Record merge recorded, for the status bar ("Recorded the merge of pdf as v7 on the
    collection line."); read on the worker, after the merge."""
    from core.history import ordinal_by_id

    name = printable(artifact.name)
    if outcome.version_recorded and outcome.version_id is not None:
        number = ordinal_by_id(ws.history.versions(artifact.id)).get(outcome.version_id)
        which = f"v{number}" if number is not None else "a new version"
        return f"Recorded the merge of {name} as {which} on the {printable(line)} line."
    reason = outcome.not_recorded_reason or "nothing new to record"
    return f"Finished the merge of {name}; no version was recorded: {printable(reason)}"

"""The selected file of a comparison: its path and status, then its numbered text diff —
unified, or side by side (the "Side by side" box; gui/compare/side_by_side.py) — or a note
instead of lines (binary, too large, mode only, nothing differs).

The diff is computed by `core.diff.file_diff` on a worker ("Computing diff…"
meanwhile); a reply for a file no longer selected is dropped.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core import diff as core_diff
from gui.compare.diff_model import status_color
from gui.compare.diff_view import DiffView
from gui.compare.side_by_side import SideBySideView
from gui.workers import DiffReply, DiffWorker, WorkerPool
from core.textsafe import printable

if TYPE_CHECKING:
    from core.store import ObjectStore

COMPUTING = "Computing diff…"


class FileDiffPane(QWidget):
    diffShown = Signal(object)  # the FileDiff now in the diff view (after its worker finished)

    def __init__(self, objects: ObjectStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.objects = objects
        self.current_diff: core_diff.FileDiff | None = None
        self._pool = WorkerPool(self)
        self._seq = 0  # bumped per file shown; a reply for an older one is dropped
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.file_title = QLabel()
        self.file_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title_row = QHBoxLayout()
        title_row.addWidget(self.file_title, 1)
        self.side_by_side_box = QCheckBox("Side by side")
        self.side_by_side_box.setToolTip("Old text on the left, new on the right (else one unified diff)")
        self.side_by_side_box.toggled.connect(self.set_side_by_side)
        title_row.addWidget(self.side_by_side_box)
        layout.addLayout(title_row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self.diff_view = DiffView()
        layout.addWidget(self.diff_view, 1)
        self.side_view = SideBySideView(self.palette())
        self.side_view.hide()
        layout.addWidget(self.side_view, 1)
        # Binary, large and mode-only changes have a note and no lines: the note takes the space.
        self.no_lines = QLabel()
        self.no_lines.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_lines.setWordWrap(True)
        self.no_lines.setFrameShape(QFrame.Shape.StyledPanel)
        self.no_lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.no_lines, 1)

    def busy(self) -> bool:
        return self._pool.busy()

    def close_workers(self) -> None:
        """Wait for a diff still being computed (the window is closing)."""
        self._seq += 1
        self._pool.wait_all()

    def clear(self, message: str = "") -> None:
        self._seq += 1  # a diff still being computed is no longer wanted
        self.current_diff = None
        self.file_title.setText("")
        self._show_note(message, ())

    def show_change(self, change: core_diff.FileChange, palette: QPalette) -> None:
        """Title the file now and compute its diff on a worker."""
        colour = status_color(change.status, palette).name()
        self.file_title.setText(
            f'<b>{html.escape(printable(change.display_path))}</b> &nbsp;<span style="color:{colour}">'
            f'{change.status.replace("_", " ")}</span>'
        )
        # Reading two blobs and diffing a long file takes seconds: off the GUI thread.
        self._seq += 1
        self.current_diff = None
        self._show_note(COMPUTING, ())
        worker = DiffWorker(self.objects, change, self._seq)
        self._pool.start(worker, finished=self._on_diff, failed=self._on_failed)

    def side_by_side(self) -> bool:
        return self.side_by_side_box.isChecked()

    @Slot(bool)
    def set_side_by_side(self, on: bool) -> None:
        """Show the diff side by side (old | new) or unified."""
        if self.side_by_side_box.isChecked() != on:
            self.side_by_side_box.setChecked(on)  # comes back here through toggled
            return
        lines = self.current_diff.lines if self.current_diff is not None else ()
        self._show_note(self.current_diff.note if self.current_diff is not None else self.no_lines.text(), lines)

    def _show_note(self, note: str | None, lines: tuple[core_diff.DiffLine, ...]) -> None:
        side = self.side_by_side_box.isChecked()
        self.diff_view.show_lines(() if side else lines)
        self.side_view.show_lines(lines if side else ())
        has_lines = bool(lines)
        self.diff_view.setVisible(has_lines and not side)
        self.side_view.setVisible(has_lines and side)
        self.no_lines.setVisible(not has_lines)
        self.no_lines.setText("" if has_lines else (note or ""))
        self.note.setText(note or "" if has_lines else "")
        self.note.setVisible(has_lines and bool(note))

    @Slot(object)
    def _on_diff(self, reply: DiffReply) -> None:
        if reply.seq != self._seq:
            return  # the selection moved on while this was computed
        self.current_diff = reply.diff
        self._show_note(reply.diff.note, reply.diff.lines)
        self.diffShown.emit(reply.diff)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._show_note(message, ())

"""The Blame tab beside the diff: each line of a file with the version that brought it
(core.ancestry.blame), as a chip in its line's colour; a click on a line selects that
version in the graph (`versionClicked`).

The rows are a table model with fixed row heights, so a 20,000-line file costs what is
on screen; the blame itself runs on a worker (`BlameWorker`), only while the tab is shown,
and a reply for a file or version no longer asked for is dropped. A long walk (a history
blamed for the first time) shows the file's lines at once, their versions when found.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from core.ancestry import LONG_WALK
from core.textsafe import printable
from gui.style.palette import lane_color, origin_label
from gui.workers import BlameReply, BlameWorker, WorkerPool

if TYPE_CHECKING:
    from core.ancestry import Blame
    from core.workspace import Workspace

BLAMING = "Finding which version brought each line…"
COLUMNS = ("version", "line", "text")
VERSION_ROLE = Qt.ItemDataRole.UserRole + 1


class BlameModel(QAbstractTableModel):
    """One row per line: the version chip (on the first line of a run), the line number, the text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.blame: Blame | None = None
        self._text: list[str] = []  # set_text's lines, shown without versions until the blame comes
        self._first: list[bool] = []
        self._colours: dict[int, QColor] = {}
        self.line_slots: dict[str, int] = {}  # line -> colour slot, the graph's (core.history.lineage_view.line_colours)

    def set_text(self, lines: list[str]) -> None:
        """The file's lines alone, while their versions are still being found (a long walk)."""
        self.beginResetModel()
        self.blame = None
        self._text = list(lines)
        self._first, self._colours = [], {}
        self.endResetModel()

    def set_blame(self, blame: "Blame | None") -> None:
        self.beginResetModel()
        self._text = []
        self.blame = blame
        lines = blame.lines if blame is not None else ()
        self._first = [i == 0 or lines[i - 1].version_id != line.version_id for i, line in enumerate(lines)]
        self._colours = {vid: lane_color(self.line_slots.get(v.line)) for vid, v in blame.versions.items()} if blame else {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid():
            return 0
        return len(self.blame.lines) if self.blame is not None else len(self._text)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def version_text(self, version_id: int) -> str:
        b = self.blame
        v = b.versions[version_id]
        parts = [f"v{b.number(version_id)}", origin_label(v.change_origin), v.line,
                 v.created_at.strftime("%Y-%m-%d %H:%M UTC")]
        subject = v.metadata.get("commit_subject") if v.change_origin == "sync" else None
        if subject:
            parts.append(repr(printable(str(subject))))
        return " · ".join(parts)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        b = self.blame
        if not index.isValid():
            return None
        if b is None:
            return self._text_data(index, role)
        line = b.lines[index.row()]
        col = index.column()
        if role == VERSION_ROLE:
            return line.version_id
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return f"v{b.number(line.version_id)}" if self._first[index.row()] else ""
            if col == 1:
                return line.line_no
            return printable(line.text, keep_tabs=True)
        if role == Qt.ItemDataRole.BackgroundRole and col == 0:
            colour = QColor(self._colours[line.version_id])
            if not self._first[index.row()]:
                colour.setAlpha(110)  # the run goes on: the lane's colour, lighter
            return colour
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return QColor("white")
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return self.version_text(line.version_id)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 1):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text_data(self, index: QModelIndex | QPersistentModelIndex, role: int):
        """A row of set_text's lines: its number and text; the version column waits."""
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 1:
            return index.row() + 1
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 2:
            return printable(self._text[index.row()], keep_tabs=True)
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 and index.row() == 0:
            return "…"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 1):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BlameView(QWidget):
    versionClicked = Signal(int)  # a line's version: select it in the graph
    blameShown = Signal(object)  # the Blame now on screen (after its worker finished)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws: Workspace | None = None
        self._pool = WorkerPool(self)
        self._seq = 0
        self._wanted: tuple[int, int, str | None] | None = None  # (artifact, version, path) to show
        self._shown: tuple[int, int, str | None] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop finding the versions of the lines (a long history read for the first time)")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self._worker: BlameWorker | None = None
        self.model = BlameModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.table.setFont(mono)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # fixed heights: 20,000 rows cost a screenful
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 4)
        cols = self.table.horizontalHeader()
        cols.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        cols.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        cols.setStretchLastSection(True)
        self.table.setColumnWidth(0, self.table.fontMetrics().horizontalAdvance("v10000") + 14)
        self.table.setColumnWidth(1, self.table.fontMetrics().horizontalAdvance("20000") + 12)
        self.table.clicked.connect(self._on_clicked)
        layout.addWidget(self.table, 1)
        self.title.setText("Select a version to see which version brought each line of its files.")

    def set_workspace(self, ws: "Workspace") -> None:
        self.ws = ws

    def set_line_slots(self, slots: dict[str, int]) -> None:
        """Each line's colour slot, as the graph's lanes have them: a chip is its lane's colour."""
        self.model.line_slots = dict(slots)
        if self.model.blame is not None:
            self.model.set_blame(self.model.blame)

    def close_workers(self) -> None:
        self._pool.wait_all()

    def busy(self) -> bool:
        return self._pool.busy()

    def path(self) -> str | None:
        """The file blamed (or asked for) last."""
        if self.model.blame is not None:
            return self.model.blame.path
        return self._wanted[2] if self._wanted is not None else None

    def request(self, artifact_id: int, version_id: int, path: str | None) -> None:
        """Blame `path` (None: SKILL.md or the only file) at `version_id`; runs when the tab shows."""
        self._wanted = (artifact_id, version_id, path)
        if self.isVisible():
            self._start()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._start()

    def _start(self) -> None:
        if self._wanted is None or self._wanted == self._shown or self.ws is None:
            return
        self._shown = self._wanted
        self._seq += 1
        if self._worker is not None:
            self._worker.cancel()  # its reply is an older request's: its CPU is better spent on this one
        self.model.set_blame(None)
        self.title.setText(BLAMING)
        artifact_id, version_id, path = self._wanted
        self._worker = BlameWorker(self.ws, artifact_id, path, version_id, self._seq)
        seq = self._seq
        self._pool.start(self._worker, finished=self._on_reply,
                         progress=lambda done, total: self._on_progress(seq, done, total),
                         text=lambda lines: self._on_text(seq, lines))
        self.stop_button.setEnabled(True)
        self.stop_button.show()

    def stop(self) -> None:
        """Stop the blame under way (the Stop button); the tab says so and offers it again."""
        if self._worker is not None:
            self._worker.cancel()
            self.stop_button.setEnabled(False)

    def _on_text(self, seq: int, lines: list[str]) -> None:
        if seq == self._seq and self.model.blame is None:
            self.model.set_text(lines)  # a long walk (core's LONG_WALK): the lines now, their versions when found

    def _on_progress(self, seq: int, done: int, total: int) -> None:
        if seq == self._seq and total >= LONG_WALK:
            self.title.setText(f"{BLAMING} {done:,} of {total:,} versions read")

    @Slot(object)
    def _on_reply(self, reply: BlameReply) -> None:
        if reply.seq != self._seq:
            return
        self._worker = None
        self.stop_button.hide()
        blame = reply.blame
        if reply.cancelled:
            self._shown = None  # asked again (the tab shown again, another version) it starts afresh
            self.title.setText("Stopped. Select a version or show this tab again to blame its file.")
            self.blameShown.emit(None)
            return
        if blame is None:
            self.model.set_blame(None)  # lines shown ahead of a walk that then failed go too
            self.title.setText(reply.error or "")
            self.blameShown.emit(None)
            return
        self.model.set_blame(blame)
        runs = len(blame.versions)
        self.title.setText(f"Blame of {printable(blame.path)} at v{blame.number(blame.version.id)}: "
                           f"{len(blame.lines):,} lines from {runs} version{'s' if runs != 1 else ''}. "
                           "Click a line to select its version.")
        self.blameShown.emit(blame)

    @Slot(QModelIndex)
    def _on_clicked(self, index: QModelIndex) -> None:
        version_id = index.data(VERSION_ROLE)
        if version_id is not None:
            self.versionClicked.emit(int(version_id))

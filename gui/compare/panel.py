"""The compare panel: one version's details, and what changed against its parent.

Top: the selected version's details (`gui.compare.version_details`). Then both full hashes
side by side with the differing part highlighted, the file table, and the
numbered text diff of the selected file, first file by default (`gui.compare.file_diff_pane`).

"Compare with…" lives inside the panel: a combo lists the artifact's other
versions (from `all_versions`, through the `gui.compare.version_choices` model, so a long
history costs nothing until the list is opened) and choosing one re-targets the comparison
(chosen version on the left, the shown version on the right). After the panel
re-targets itself it emits `compareWithRequested(chosen_id)` as a notification
only — the window may use it to highlight that node; it needs to do nothing.

Cases without a parent to compare against:
- a root version says "Root version — nothing to compare against";
- a legacy parent (parent_hash set, no parent version) says its content was never
  stored;
- a parent whose manifest is missing from the object store says so.
In each case the table still lists the version's own files, marked "added", so
its content can be read; the banner explains why nothing is on the left.
All computing is core.diff; this module only shows. Pairing renamed files by their content
(`core.diff.find_renames`) reads the blobs, so when a comparison has both removed and added
files it runs on a worker (`RenameWorker`): the table lists them at once, and shows the pairs
("old → new (87%)") when the worker answers, the selected file kept.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTabWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core import diff as core_diff
from core.history import UPSTREAM_LINE, VersionInfo, ordinal_by_id
from gui.compare.blame_view import BlameView
from gui.compare.diff_model import CHANGE_ROLE, COLUMNS, DIGEST_COLUMNS, FileChangeModel, status_color
from gui.compare.file_diff_pane import FileDiffPane
from gui.compare.hash_label import HashPairWidget, blend
from gui.compare.version_choices import VersionChoices
from gui.compare.version_details import VersionDetails
from gui.workers import CompareReply, CompareWorker, RenameReply, RenameWorker, WorkerPool

if TYPE_CHECKING:
    from core.store import ObjectStore

COMBO_CHARS = 22  # "v128 · local modification" fits; a longer label is elided (the graph needs the width at 1280 px)
MAX_TABLE_ROWS = 8  # the table grows with its rows up to this many, then scrolls; the diff gets the rest

ROOT_MESSAGE = "Root version — nothing to compare against."
# The upstream's state not synced yet stands in the panel as a version with this id (no
# recorded version has it); its content is stored for comparing, never recorded.
WAITING_ID = -1
WAITING_LABEL = "waiting upstream"
WAITING_NOTE = ("Waiting upstream: the upstream's content now, not synced yet, compared with the collection's "
                "head. Nothing is recorded until Sync now brings it in.")
SHORT = 12


def _short(h: str | None) -> str:
    return (h or "")[:SHORT]


class ComparePanel(QWidget):
    """Details of a version and its comparison with its parent or any other version."""

    compareWithRequested = Signal(int)
    diffShown = Signal(object)  # the FileDiff now in the diff view (after its worker finished)

    def __init__(self, objects: ObjectStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.objects = objects
        self.version: VersionInfo | None = None
        self.base: VersionInfo | None = None  # the version on the left, None when comparing against nothing
        self.parent_version: VersionInfo | None = None
        self.all_versions: list[VersionInfo] = []
        self.ordinals: dict[int, int] = {}
        self.changes: list[core_diff.FileChange] = []
        self._user_sized = False  # once the user drags (or a saved layout is restored), keep their sizes
        self._rename_pool = WorkerPool(self)
        self._compare_pool = WorkerPool(self)
        self._seq = 0  # bumped per comparison; a compare or rename reply for an older one is dropped
        self._build()
        self.clear_panel("Select a version to see what changed.")

    # ---- construction -------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)

        header = QHBoxLayout()
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # On a row of its own, wrapping: a long title never takes the graph's width at 1280 px.
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        header.addStretch(1)
        self.compare_caption = QLabel("Compare with:")
        header.addWidget(self.compare_caption)
        self.compare_combo = QComboBox()
        self.choices = VersionChoices(self)
        self.compare_combo.setModel(self.choices)
        # Sized for a typical label, not by measuring every version's label (10,000 of them).
        self.compare_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.compare_combo.setMinimumContentsLength(COMBO_CHARS)
        self.compare_combo.setToolTip("Compare this version with any other version of the artifact")
        self.compare_combo.activated.connect(self._combo_activated)
        header.addWidget(self.compare_combo)
        layout.addLayout(header)

        self.details = VersionDetails()
        layout.addWidget(self.details)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setMargin(6)
        self.banner.setAutoFillBackground(True)
        layout.addWidget(self.banner)

        self.hashes = HashPairWidget()
        layout.addWidget(self.hashes)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.model = FileChangeModel(self.palette(), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        header_view = self.table.horizontalHeader()
        # Every column as wide as its content (paths never elided); a narrow panel scrolls.
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header_view.setStretchLastSection(True)
        header_view.setMinimumSectionSize(24)
        header_view.setDefaultSectionSize(60)  # the stretched last column never goes below this
        row_height = self.table.fontMetrics().height() + 6
        self.table.verticalHeader().setDefaultSectionSize(row_height)
        self._row_height = row_height
        self.table.setMinimumHeight(self._table_height(1))
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_row(cur.row()))
        self.table.installEventFilter(self)  # on resize: the digest columns only when they fit

        self.file_pane = FileDiffPane(self.objects)
        self.file_pane.diffShown.connect(self.diffShown)
        self.diff_view, self.no_lines = self.file_pane.diff_view, self.file_pane.no_lines

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("compareSplitter")
        self.splitter.addWidget(self.table)
        # The diff and, beside it, the blame of the same file at the shown version.
        self.blame_view = BlameView()
        self.file_tabs = QTabWidget()
        self.file_tabs.setDocumentMode(True)
        # Its pages (tables and diff views) ask for more height than the panel can spare at 1280x800:
        # the tabs may shrink to a few lines, so a remembered splitter or dock size is kept as set.
        self.file_tabs.setMinimumHeight(24)
        self.file_tabs.addTab(self.file_pane, "Diff")
        self.file_tabs.addTab(self.blame_view, "Blame")
        self.file_tabs.setTabToolTip(1, "Which version brought each line of this file (git blame's rule)")
        self.splitter.addWidget(self.file_tabs)
        # The diff is what people read; the table only needs room for its rows.
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([self._table_height(4), 600])
        self.splitter.setChildrenCollapsible(False)
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        layout.addWidget(self.splitter, 1)
        self._style_banner()

    def eventFilter(self, watched: object, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.table and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Status, path and size always; the Old/New digest columns only when all columns fit
        (a panel squeezed beside the graph shows no half-cut hash; the tooltips hold them)."""
        header = self.table.horizontalHeader()
        widths = [max(header.sectionSizeHint(c), self.table.sizeHintForColumn(c)) for c in range(len(COLUMNS))]
        room = self.table.maximumViewportSize().width()  # with or without a scroll bar alike
        fits = sum(widths) <= room
        for column in DIGEST_COLUMNS:
            self.table.setColumnHidden(column, not fits)

    def _table_height(self, rows: int) -> int:
        header = self.table.horizontalHeader().sizeHint().height()
        frame = 2 * self.table.frameWidth()
        scrollbar = self.table.horizontalScrollBar().sizeHint().height()  # a wide path scrolls sideways
        return header + rows * self._row_height + frame + scrollbar

    def _fit_table(self) -> None:
        """Table as tall as its rows (1 to MAX_TABLE_ROWS), the rest to the diff."""
        if self._user_sized:
            return
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        wanted = self._table_height(min(max(self.model.rowCount(), 1), MAX_TABLE_ROWS))
        self.splitter.setSizes([wanted, max(total - wanted, 1)])

    @Slot(int, int)
    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        self._user_sized = True

    def save_splitter(self) -> QByteArray:
        return self.splitter.saveState()

    def restore_splitter(self, state: QByteArray) -> bool:
        restored = self.splitter.restoreState(state)
        self._user_sized = self._user_sized or restored
        return restored

    def close_workers(self) -> None:
        """Wait for a diff still being computed (the window is closing)."""
        self._seq += 1
        self._rename_pool.wait_all()
        self._compare_pool.wait_all()
        self.file_pane.close_workers()
        self.blame_view.close_workers()

    def label_of(self, version_id: int) -> str:
        """'v3' — the artifact's own number for a version shown in this panel."""
        if version_id == WAITING_ID:
            return WAITING_LABEL
        number = self.ordinals.get(version_id)
        return f"v{number}" if number is not None else f"#{version_id}"

    def _title(self, v: VersionInfo) -> str:
        if v.id == WAITING_ID:
            return f"{WAITING_LABEL} (not synced)"
        return f"{self.label_of(v.id)} · {v.change_origin.replace('_', ' ')}"

    def _style_banner(self) -> None:
        pal = self.banner.palette()
        base = self.palette().color(QPalette.ColorRole.Window)
        pal.setColor(QPalette.ColorRole.Window, blend(base, self.palette().color(QPalette.ColorRole.Highlight), 0.15))
        self.banner.setPalette(pal)

    # ---- public API (GUI contract) -------------------------------------
    def clear_panel(self, message: str) -> None:
        self._seq += 1
        self.version = self.base = self.parent_version = None
        self.changes = []
        self.title.setText("")
        self.details.clear()
        self.details.hide()
        self.choices.set_choices("", [], self._choice_label)
        self.compare_combo.setEnabled(False)
        self.compare_caption.setEnabled(False)
        self._set_banner(message)
        self.hashes.hide()
        self.summary.setText("")
        self.model.set_changes([])
        self._clear_file()

    def show_version(
        self, version: VersionInfo, parent: VersionInfo | None, *, all_versions: list[VersionInfo]
    ) -> None:
        """Details of `version` and its comparison with `parent` (None: root or legacy parent)."""
        self._set_versions(all_versions)
        self.parent_version = parent
        self._show(parent, version)

    def show_pair(self, old: VersionInfo, new: VersionInfo) -> None:
        """Compare `old` (left) with `new` (right); the details are `new`'s."""
        same_artifact = self.all_versions and self.all_versions[0].artifact_id == new.artifact_id
        if not same_artifact:
            self._set_versions([new, old])
        known = {v.id: v for v in self.all_versions}
        self.parent_version = known.get(new.parent_id) if new.parent_id is not None else None
        self._show(old, new)

    def show_waiting_upstream(self, head: VersionInfo, content_hash: str, *,
                              all_versions: list[VersionInfo]) -> None:
        """Compare the head (left) with the upstream's state not synced yet (its content stored)."""
        waiting = VersionInfo(
            id=WAITING_ID, artifact_id=head.artifact_id, content_hash=content_hash,
            parent_hash=head.content_hash, parent_id=head.id, second_parent_id=None,
            change_origin="waiting_upstream", created_at=datetime.now(timezone.utc), line=UPSTREAM_LINE,
        )
        self._set_versions(all_versions)
        self.parent_version = head
        self._show(head, waiting)
        if not self.banner.text():
            self._set_banner(WAITING_NOTE)

    def _set_versions(self, versions: list[VersionInfo]) -> None:
        self.all_versions = list(versions)
        self.ordinals = ordinal_by_id(self.all_versions)

    def _never_stored(self, v: VersionInfo, side: str) -> str:
        return (
            f"The file list of {side} {self.label_of(v.id)} ({_short(v.content_hash)}) is not in the object "
            "store, so it cannot be compared; `main.py fsck --repair` stores it again if a collection copy "
            "or upstream still holds that content."
        )

    # ---- what is shown -------------------------------------------------
    def _show(self, base: VersionInfo | None, version: VersionInfo) -> None:
        self._seq += 1
        self.version, self.base = version, base
        self.title.setText(self._title(version))
        self._fill_combo()
        old_hash = base.content_hash if base is not None else None
        sides = (version.content_hash,) if old_hash is None else (version.content_hash, old_hash)
        if self.objects.answers_here(*sides):
            self._compared(base, version, core_diff.compare_stored(self.objects, old_hash, version.content_hash))
            return
        # A file list only the team's store holds: asked on a worker, the window never waits on the network.
        self.changes = []
        self._set_banner(None)
        self._show_hashes(base, version)
        self.details.show_version(version, self.label_of)
        self.model.set_changes([])
        self.summary.setText("Reading the file lists from the team's store…")
        self._clear_file("")
        seq = self._seq
        self._compare_pool.start(CompareWorker(self.objects, old_hash, version.content_hash, seq),
                                 finished=self._on_compared,
                                 failed=lambda message: self._on_compare_failed(seq, message))

    @Slot(object)
    def _on_compared(self, reply: CompareReply) -> None:
        if reply.seq == self._seq and self.version is not None:
            self._compared(self.base, self.version, reply.compared)

    def _on_compare_failed(self, seq: int, message: str) -> None:
        if seq == self._seq and self.version is not None:
            self.summary.setText("")
            self._set_banner(f"The file lists could not be read: {message}")

    def _compared(self, base: VersionInfo | None, version: VersionInfo, compared: core_diff.StoredComparison) -> None:
        """Show a comparison: banner, hashes, details, the file table and its first file."""
        self.changes = compared.changes
        banner = None
        if compared.new_missing:
            banner = self._never_stored(version, "this version")
            if compared.old_missing and base is not None:
                banner += f" The file list of {self.label_of(base.id)} is missing too."
        elif compared.error is not None:
            banner = compared.error
        elif compared.old_missing and base is not None:
            # The left side's content is gone: still show this version's files.
            banner = self._never_stored(base, "the version on the left,")
        statuses = {c.status for c in self.changes}
        if "removed" in statuses and "added" in statuses:
            # Renames paired as `diff` pairs them on the command line (same content or -M50%),
            # reading the blobs: on a worker.
            self._rename_pool.start(RenameWorker(self.objects, self.changes, self._seq),
                                    finished=self._on_renames, failed=self._on_renames_failed)
        if banner is None and base is None:
            if version.parent_hash:
                banner = (
                    f"Parent {_short(version.parent_hash)} was recorded before tracking began; its content "
                    "was never stored. The files of this version are listed as added."
                )
            else:
                banner = f"{ROOT_MESSAGE} Its files are listed as added."
        self._set_banner(banner)
        self._show_hashes(base, version)
        self.details.show_version(version, self.label_of)
        self._fill_table()
        if self.changes:
            row = self._row_of(self.blame_view.path()) if self.file_tabs.currentWidget() is self.blame_view else 0
            self.table.selectRow(row)
            self._show_row(row)
        else:
            self._clear_file("No file differs: both versions hold the same content." if base is not None and not banner else "")
            self._request_blame(None)

    def _fill_table(self) -> None:
        """The summary and the file table from `self.changes`."""
        self._show_summary(core_diff.summarize(self.changes))
        self.model.set_changes(self.changes)
        self._fit_columns()
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        for column in (0, 2, 3, 4):
            self.table.resizeColumnToContents(column)
        self._fit_table()

    @Slot(object)
    def _on_renames(self, reply: RenameReply) -> None:
        if reply.seq != self._seq or reply.changes == self.changes:
            return  # another comparison since, or nothing paired
        current = self.table.currentIndex()
        selected = current.data(CHANGE_ROLE) if current.isValid() else None
        self.changes = reply.changes
        self._fill_table()
        if selected is None:
            return
        # The file that was selected stays selected: itself, or the pair it became part of.
        row = next((r for r in range(self.model.rowCount())
                    if self.model.index(r, 0).data(CHANGE_ROLE).path == selected.path
                    or self.model.index(r, 0).data(CHANGE_ROLE).old_path == selected.path), 0)
        self.table.selectRow(row)  # the current row changed with the model: its diff follows

    @Slot(str)
    def _on_renames_failed(self, message: str) -> None:
        if not self.banner.text():
            self._set_banner(f"Renamed files could not be paired: {message}")

    def _set_banner(self, text: str | None) -> None:
        self.banner.setText(text or "")
        self.banner.setVisible(bool(text))

    def _show_hashes(self, base: VersionInfo | None, version: VersionInfo) -> None:
        self.hashes.show()
        if base is None:
            caption = "Parent (never stored)" if version.parent_hash else "Parent (none: root)"
            self.hashes.set_captions(caption, self._title(version))
            self.hashes.set_hashes(version.parent_hash, version.content_hash)
        else:
            is_parent = self.parent_version is not None and base.id == self.parent_version.id
            relation = "Parent" if is_parent else "Compared with"
            self.hashes.set_captions(f"{relation}: {self._title(base)}", self._title(version))
            self.hashes.set_hashes(base.content_hash, version.content_hash)

    def _show_summary(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        if not total:
            self.summary.setText("")
            return
        parts = []
        for status in core_diff.STATUSES:
            if counts.get(status):
                colour = status_color(status, self.palette()).name()
                parts.append(f'<span style="color:{colour}">{counts[status]} {status.replace("_", " ")}</span>')
        noun = "file" if total == 1 else "files"
        self.summary.setText(f"<b>{total} {noun}</b>: " + ", ".join(parts))

    def _choice_label(self, v: VersionInfo) -> str:
        label = f"{self._title(v)} · {_short(v.content_hash)[:8]}"
        parent = self.parent_version
        return label + " (parent)" if parent is not None and v.id == parent.id else label

    def _fill_combo(self) -> None:
        combo = self.compare_combo
        combo.blockSignals(True)
        version = self.version
        parent = self.parent_version
        others = [v for v in self.all_versions if v.id != version.id]
        self.choices.set_choices("Parent" if parent is not None else "Nothing (no parent)", others,
                                 self._choice_label)
        target = self.base.id if self.base is not None and (parent is None or self.base.id != parent.id) else None
        combo.setCurrentIndex(self.choices.row_of(target))
        combo.setEnabled(combo.count() > 1)
        self.compare_caption.setEnabled(combo.count() > 1)
        combo.blockSignals(False)

    def _combo_activated(self, index: int) -> None:
        if self.version is None:
            return
        other = self.choices.version_at(index)
        if other is None:
            self._show(self.parent_version, self.version)
            return
        self._show(other, self.version)
        self.compareWithRequested.emit(other.id)

    # ---- one file --------------------------------------------------------
    def _clear_file(self, message: str = "") -> None:
        self.file_pane.clear(message)

    def _show_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            change = self.model.index(row, 0).data(CHANGE_ROLE)
            self.file_pane.show_change(change, self.palette())
            if change.status != "removed":
                self._request_blame(change.display_path)

    def _row_of(self, path: str | None) -> int:
        """The table row of `path` (the blamed file stays in view when the version changes), else 0."""
        for row in range(self.model.rowCount()):
            if self.model.index(row, 0).data(CHANGE_ROLE).display_path == path:
                return row
        return 0

    def _request_blame(self, path: str | None) -> None:
        version = self.version
        if version is None or version.id == WAITING_ID:
            return
        # Known here to be never stored: nothing to blame. Only the team's store can tell: the
        # blame worker asks it (and says so when it is missing), not this thread.
        if self.objects.answers_here(version.content_hash) and not self.objects.has_manifest(version.content_hash):
            return
        self.blame_view.request(version.artifact_id, version.id, path)

    @property
    def current_diff(self) -> core_diff.FileDiff | None:
        """The diff now on screen (None while one is computed, or when there is none)."""
        return self.file_pane.current_diff

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "model"):
            self.model.set_palette(self.palette())
            self._style_banner()

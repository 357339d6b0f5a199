"""The compare panel: one version's details, and what changed against its parent.

Top: the selected version's details (selectable text). Then both full hashes
side by side with the differing part highlighted, the file table, and the
numbered text diff of the selected file (first file by default).

"Compare with…" lives inside the panel: a combo lists the artifact's other
versions (from `all_versions`) and choosing one re-targets the comparison
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
All computing is core.diff; this module only shows.
"""
from __future__ import annotations

import html
from datetime import timezone
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPainter,
    QPalette,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core import diff as core_diff
from core.errors import LineageError
from gui.diff_model import CHANGE_ROLE, COLUMNS, FileChangeModel, line_background, status_color
from gui.hash_label import HashPairWidget, blend

ROOT_MESSAGE = "Root version — nothing to compare against."
SHORT = 12


def _short(h: str | None) -> str:
    return (h or "")[:SHORT]


def _version_title(v: Any) -> str:
    return f"v{v.id} · {v.change_origin.replace('_', ' ')}"


def _when(v: Any) -> tuple[str, str]:
    created = v.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    local = created.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    utc = created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return local, utc


def _flatten(meta: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten(value, name + "."))
        elif value is not None and value != "":
            out.append((name, str(value)))
    return out


# Metadata written by core.sync; anything else is listed generically below these.
_COUNT_KEYS = ("files_added", "files_removed", "files_changed")


def _metadata_rows(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """Readable rows (label, html) for a version's metadata."""
    esc = html.escape
    rows: list[tuple[str, str]] = []
    matches = meta.pop("matches_version", None)
    if matches is not None:
        rows.append(("Revert", f"content matches <b>v{esc(str(matches))}</b>"))
    location = meta.pop("location", None)
    kind = meta.pop("upstream_kind", None)
    ref = meta.pop("ref", None)
    subdir = meta.pop("subdir", None)
    if location:
        text = esc(str(location))
        extras = [f"{label} {esc(str(value))}" for label, value in (("ref", ref), ("sub-folder", subdir)) if value]
        if kind:
            extras.insert(0, esc(str(kind)))
        rows.append(("Upstream", text + (f" ({', '.join(extras)})" if extras else "")))
    commit = meta.pop("resolved_commit", None) or meta.pop("commit", None)
    if commit:
        rows.append(("Commit", f"<code>{esc(str(commit))}</code>"))
    strategy = meta.pop("strategy", None)
    if strategy:
        rows.append(("Strategy", esc(str(strategy))))
    user, machine = meta.pop("user", None), meta.pop("machine", None)
    if user or machine:
        rows.append(("Recorded by", esc("@".join(str(x) for x in (user, machine) if x))))
    for key in _COUNT_KEYS:
        meta.pop(key, None)  # the panel shows its own counts against what is compared
    for key, value in _flatten(meta):
        rows.append((esc(key.replace("_", " ").capitalize()), esc(value)))
    return rows


class _Gutter(QWidget):
    def __init__(self, view: "DiffView") -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.view.gutter_width(), 0)

    def paintEvent(self, event) -> None:  # noqa: N802
        self.view.paint_gutter(event)


class DiffView(QPlainTextEdit):
    """Read-only monospace diff; a gutter shows old and new line numbers per line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.numbers: list[tuple[int | None, int | None]] = []
        self.kinds: list[str] = []
        self._gutter = _Gutter(self)
        self.blockCountChanged.connect(lambda _n: self._update_margins())
        self.updateRequest.connect(self._on_update_request)
        self._update_margins()

    def gutter_width(self) -> int:
        biggest = max((n or 0 for pair in self.numbers for n in pair), default=0)
        digits = max(3, len(str(biggest)))
        return self.fontMetrics().horizontalAdvance("9") * (2 * digits + 3)

    def _update_margins(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_gutter()

    def _place_gutter(self) -> None:
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def paint_gutter(self, event) -> None:
        painter = QPainter(self._gutter)
        pal = self.palette()
        painter.fillRect(event.rect(), pal.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(blend(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.5))
        painter.setFont(self.font())
        digit = self.fontMetrics().horizontalAdvance("9")
        half = (self._gutter.width() - digit) // 2
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            number = block.blockNumber()
            if block.isVisible() and number < len(self.numbers):
                old, new = self.numbers[number]
                flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                if old is not None:
                    painter.drawText(0, top, half - digit // 2, height, flags, str(old))
                if new is not None:
                    painter.drawText(half, top, half - digit // 2, height, flags, str(new))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()

    def show_lines(self, lines: tuple[core_diff.DiffLine, ...]) -> None:
        """Fill the view: one block per diff line, coloured by kind.

        The whole diff goes in as one HTML document: one call into Qt instead of
        several per line, which is much faster for long files (and sidesteps a
        PySide6 6.12 / Python 3.11 leak of one None reference per void call).
        """
        pal = self.palette()
        self.numbers = [(ln.old_lineno, ln.new_lineno) for ln in lines]
        self.kinds = [ln.kind for ln in lines]
        styles: dict[str, str] = {}
        for kind in (" ", "+", "-", "@"):
            parts = []
            background = line_background(kind, pal)
            if background is not None:
                parts.append(f"background-color:{background.name()}")
            if kind == "@":
                dim = blend(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.45)
                parts.append(f"color:{dim.name()}")
            styles[kind] = f' style="{";".join(parts)}"' if parts else ""
        body = "".join(
            f"<p{styles.get(line.kind, '')}>"
            f"{html.escape(('' if line.kind == '@' else line.kind + ' ') + line.text, quote=False)}</p>"
            for line in lines
        )
        self.document().setHtml(f'<body style="white-space:pre">{body}</body>' if lines else "")
        self._update_margins()
        self._place_gutter()
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def block_background(self, number: int) -> QColor | None:
        """Background colour of line `number` (for tests and accessibility tools)."""
        brush = self.document().findBlockByNumber(number).blockFormat().background()
        return None if brush.style() == Qt.BrushStyle.NoBrush else brush.color()


class ComparePanel(QWidget):
    """Details of a version and its comparison with its parent or any other version."""

    compareWithRequested = Signal(int)

    def __init__(self, objects: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.objects = objects
        self.version: Any = None
        self.base: Any = None  # the version on the left, None when comparing against nothing
        self.parent_version: Any = None
        self.all_versions: list[Any] = []
        self.changes: list[core_diff.FileChange] = []
        self.current_diff: core_diff.FileDiff | None = None
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
        header.addWidget(self.title, 1)
        self.compare_caption = QLabel("Compare with:")
        header.addWidget(self.compare_caption)
        self.compare_combo = QComboBox()
        self.compare_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.compare_combo.setMinimumContentsLength(14)
        self.compare_combo.setToolTip("Compare this version with any other version of the artifact")
        self.compare_combo.activated.connect(self._combo_activated)
        header.addWidget(self.compare_combo)
        layout.addLayout(header)

        self.details = QTextBrowser()
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.details.setOpenLinks(False)
        self.details.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.details.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.details.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.details.viewport().setAutoFillBackground(False)
        self.details.document().documentLayout().documentSizeChanged.connect(lambda _s: self._fit_details())
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
        self.table.setMinimumHeight(header_view.sizeHint().height() + 3 * row_height + 4)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_row(cur.row()))

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.setSpacing(4)
        self.file_title = QLabel()
        self.file_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lower_layout.addWidget(self.file_title)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lower_layout.addWidget(self.note)
        self.diff_view = DiffView()
        lower_layout.addWidget(self.diff_view, 1)
        # Binary, large and mode-only changes have a note and no lines: the note takes the space.
        self.no_lines = QLabel()
        self.no_lines.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_lines.setWordWrap(True)
        self.no_lines.setFrameShape(QFrame.Shape.StyledPanel)
        self.no_lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lower_layout.addWidget(self.no_lines, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        self._style_banner()

    def _style_banner(self) -> None:
        pal = self.banner.palette()
        base = self.palette().color(QPalette.ColorRole.Window)
        pal.setColor(QPalette.ColorRole.Window, blend(base, self.palette().color(QPalette.ColorRole.Highlight), 0.15))
        self.banner.setPalette(pal)

    def _fit_details(self) -> None:
        doc_height = self.details.document().size().height()
        margins = self.details.contentsMargins()
        wanted = int(doc_height) + margins.top() + margins.bottom() + 2
        # A long metadata list scrolls rather than squeezing the diff away.
        self.details.setFixedHeight(min(wanted, 260))

    # ---- public API (GUI contract) -------------------------------------
    def clear_panel(self, message: str) -> None:
        self.version = self.base = self.parent_version = None
        self.changes = []
        self.current_diff = None
        self.title.setText("")
        self.details.clear()
        self.details.hide()
        self.compare_combo.clear()
        self.compare_combo.setEnabled(False)
        self.compare_caption.setEnabled(False)
        self._set_banner(message)
        self.hashes.hide()
        self.summary.setText("")
        self.model.set_changes([])
        self._clear_file()

    def show_version(self, version: Any, parent: Any | None, *, all_versions: list[Any]) -> None:
        """Details of `version` and its comparison with `parent` (None: root or legacy parent)."""
        self.all_versions = list(all_versions)
        self.parent_version = parent
        self._show(parent, version)

    def show_pair(self, old: Any, new: Any) -> None:
        """Compare `old` (left) with `new` (right); the details are `new`'s."""
        same_artifact = self.all_versions and self.all_versions[0].artifact_id == new.artifact_id
        if not same_artifact:
            self.all_versions = [v for v in (new, old) if v is not None]
        known = {v.id: v for v in self.all_versions}
        self.parent_version = known.get(new.parent_id) if new.parent_id is not None else None
        self._show(old, new)

    # ---- what is shown -------------------------------------------------
    def _show(self, base: Any | None, version: Any) -> None:
        self.version, self.base = version, base
        self.title.setText(_version_title(version))
        self._fill_combo()
        banner = None
        old_hash = base.content_hash if base is not None else None
        try:
            self.changes = core_diff.compare(self.objects, old_hash, version.content_hash)
        except LineageError as exc:
            if base is None:
                self.changes = []
                banner = str(exc)
            else:
                # The left side's content is gone: still show this version's files.
                banner = f"The content of v{base.id} ({_short(base.content_hash)}) was never stored, so it cannot be compared."
                old_hash = None
                try:
                    self.changes = core_diff.compare(self.objects, None, version.content_hash)
                except LineageError as inner:
                    self.changes, banner = [], f"{banner} {inner}"
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
        counts = core_diff.summarize(self.changes)
        self._show_details(version, base, counts)
        self._show_summary(counts)
        self.model.set_changes(self.changes)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        for column in (3, 4):
            self.table.resizeColumnToContents(column)
        if self.changes:
            self.table.selectRow(0)
            self._show_row(0)
        else:
            self._clear_file("No file differs: both versions hold the same content." if base is not None and not banner else "")

    def _set_banner(self, text: str | None) -> None:
        self.banner.setText(text or "")
        self.banner.setVisible(bool(text))

    def _show_hashes(self, base: Any | None, version: Any) -> None:
        self.hashes.show()
        if base is None:
            caption = "Parent (never stored)" if version.parent_hash else "Parent (none: root)"
            self.hashes.set_captions(caption, _version_title(version))
            self.hashes.set_hashes(version.parent_hash, version.content_hash)
        else:
            relation = "Parent" if self.parent_version is not None and base.id == self.parent_version.id else "Compared with"
            self.hashes.set_captions(f"{relation}: {_version_title(base)}", _version_title(version))
            self.hashes.set_hashes(base.content_hash, version.content_hash)

    def _show_details(self, version: Any, base: Any | None, counts: dict[str, int]) -> None:
        local, utc = _when(version)
        rows: list[tuple[str, str]] = [
            ("Content hash", f"<code>{version.content_hash}</code>"),
            (
                "Parent hash",
                f"<code>{version.parent_hash}</code>" + ("" if version.parent_id else " (recorded before tracking)")
                if version.parent_hash
                else "none — root version",
            ),
            ("Origin", html.escape(version.change_origin.replace("_", " "))),
            ("Created", html.escape(utc if local[:19] == utc[:19] else f"{local}  ·  {utc}")),
        ]
        rows.extend(_metadata_rows(dict(version.metadata or {})))
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        dim = blend(text_colour, self.palette().color(QPalette.ColorRole.Window), 0.4).name()
        body = "".join(
            f'<tr><td style="color:{dim}; padding-right:10px; white-space:nowrap">{k}</td><td>{v}</td></tr>'
            for k, v in rows
        )
        self.details.setHtml(f"<table cellspacing=0 cellpadding=1>{body}</table>")
        self.details.show()
        self._fit_details()

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

    def _fill_combo(self) -> None:
        combo = self.compare_combo
        combo.blockSignals(True)
        combo.clear()
        version = self.version
        parent = self.parent_version
        combo.addItem("Parent" if parent is not None else "Nothing (no parent)", None)
        for v in self.all_versions:
            if v.id == version.id:
                continue
            label = f"{_version_title(v)} · {_short(v.content_hash)[:8]}"
            if parent is not None and v.id == parent.id:
                label += " (parent)"
            combo.addItem(label, v.id)
            combo.setItemData(combo.count() - 1, v.content_hash, Qt.ItemDataRole.ToolTipRole)
        target = self.base.id if self.base is not None and (parent is None or self.base.id != parent.id) else None
        index = combo.findData(target) if target is not None else 0
        combo.setCurrentIndex(max(index, 0))
        combo.setEnabled(combo.count() > 1)
        self.compare_caption.setEnabled(combo.count() > 1)
        combo.blockSignals(False)

    def _combo_activated(self, index: int) -> None:
        if self.version is None:
            return
        chosen = self.compare_combo.itemData(index)
        if chosen is None:
            self._show(self.parent_version, self.version)
            return
        other = next((v for v in self.all_versions if v.id == chosen), None)
        if other is None:
            return
        self._show(other, self.version)
        self.compareWithRequested.emit(int(chosen))

    # ---- one file --------------------------------------------------------
    def _clear_file(self, message: str = "") -> None:
        self.file_title.setText("")
        self._show_file_note(message, ())

    def _show_file_note(self, note: str | None, lines: tuple) -> None:
        self.diff_view.show_lines(lines)
        has_lines = bool(lines)
        self.diff_view.setVisible(has_lines)
        self.no_lines.setVisible(not has_lines)
        self.no_lines.setText("" if has_lines else (note or ""))
        self.note.setText(note or "" if has_lines else "")
        self.note.setVisible(has_lines and bool(note))

    def _show_row(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            return
        change = self.model.index(row, 0).data(CHANGE_ROLE)
        colour = status_color(change.status, self.palette()).name()
        self.file_title.setText(
            f'<b>{html.escape(change.display_path)}</b> &nbsp;<span style="color:{colour}">'
            f'{change.status.replace("_", " ")}</span>'
        )
        try:
            result = core_diff.file_diff(self.objects, change)
        except LineageError as exc:
            result = core_diff.FileDiff(change, False, (), str(exc))
        self.current_diff = result
        self._show_file_note(result.note, result.lines)

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and hasattr(self, "model"):
            self.model.set_palette(self.palette())
            self._style_banner()

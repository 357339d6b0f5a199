"""The merge view: resolve a merge that stopped on conflicts, file by file, hunk by hunk.

Left, the conflicting files (a tick once resolved). Right, the selected file: for a text
conflict, one block per conflicting hunk with its base, local and upstream lines side
by side and Take local / Take upstream / Both / Edit; for a binary, deleted or link
conflict, the description and Take local / Take upstream. "Finish merge" is enabled once
every hunk of every file has a choice; it hands the choices to core
(core.sync.merging: resolve, then finish_merge) on a worker. Nothing here decides how a
file merges: the hunks and rules are core.merge's.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit,
    QPushButton, QScrollArea, QSplitter, QStackedWidget, QVBoxLayout, QWidget,
)

from core.textsafe import printable

if TYPE_CHECKING:
    from core.history import ArtifactInfo
    from core.merge import Conflict, FileConflict, PendingMerge
    from core.workspace import Workspace
    from gui.workers import WorkerPool

def choice_labels(local: str = "local", other: str = "upstream") -> dict[str, str]:
    """How a choice reads, with the merge's own side names (a project merge's are collection and project)."""
    return {"local": local, "other": other, "both": f"both ({local}, then {other})", "edited": "edited"}


CHOICE_LABELS = choice_labels()


def _text(lines: tuple[bytes, ...]) -> str:
    return b"".join(lines).decode("utf-8", "replace")


def _shown(text: str) -> str:
    """A side's lines for a read-only pane: control characters made visible, line by line."""
    return "\n".join(printable(line, keep_tabs=True) for line in text.split("\n"))


WRAP_AT = 48  # characters a pane shows per line at its usual width, for sizing only


def _rows(texts: list[str]) -> int:
    """Rows the tallest of `texts` needs once wrapped (4 to 14), so side-by-side panes line up."""
    need = 1
    for text in texts:
        lines = text.splitlines() or [""]
        need = max(need, sum(max(1, -(-len(line) // WRAP_AT)) for line in lines))
    return max(4, min(14, need + 1))


def _pane(title: str, text: str, rows: int) -> tuple[QLabel, QPlainTextEdit]:
    label = QLabel(title)
    view = QPlainTextEdit()
    view.setPlainText(text)
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)  # prose: wrapped, no sideways scrolling
    view.setFixedHeight(view.fontMetrics().lineSpacing() * rows + 12)
    return label, view


class HunkWidget(QGroupBox):
    """One conflicting region: base, local and upstream lines, the choice, the result."""

    changed = Signal()

    def __init__(self, index: int, total: int, conflict: "Conflict", parent: QWidget | None = None,
                 labels: dict[str, str] = CHOICE_LABELS) -> None:
        super().__init__(f"Conflict {index + 1} of {total} — {labels['local']} line {conflict.local_start + 1}", parent)
        self.conflict = conflict
        self.labels = labels
        self.choice: Any = None  # "local", "other", "both" or the edited bytes
        grid = QGridLayout(self)
        sides = (("Base", conflict.base), (labels["local"].capitalize(), conflict.local),
                 (labels["other"].capitalize(), conflict.other))
        rows = _rows([_text(lines) for _, lines in sides])
        for column, (title, lines) in enumerate(sides):
            label, view = _pane(title, _shown(_text(lines)), rows)
            grid.addWidget(label, 0, column)
            grid.addWidget(view, 1, column)
        buttons = QHBoxLayout()
        self.take_local = QPushButton(f"Take {labels['local']}")
        self.take_other = QPushButton(f"Take {labels['other']}")
        self.take_both = QPushButton("Both")
        self.edit = QPushButton("Edit")
        self.edit.setToolTip("Write this region's result yourself (starts from the current choice, or local)")
        for button in (self.take_local, self.take_other, self.take_both, self.edit):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.state = QLabel("Not resolved")
        buttons.addWidget(self.state)
        grid.addLayout(buttons, 2, 0, 1, 3)
        self.result_label, self.result = _pane("Result", "", rows)
        self.result_label.hide()
        self.result.hide()
        grid.addWidget(self.result_label, 3, 0, 1, 3)
        grid.addWidget(self.result, 4, 0, 1, 3)
        self.take_local.clicked.connect(lambda: self.pick("local"))
        self.take_other.clicked.connect(lambda: self.pick("other"))
        self.take_both.clicked.connect(lambda: self.pick("both"))
        self.edit.clicked.connect(self.start_editing)
        self.result.textChanged.connect(self._on_edited)
        self._filling = False

    def _choice_text(self, choice: Any) -> str:
        c = self.conflict
        if choice == "local":
            return _text(c.local)
        if choice == "other":
            return _text(c.other)
        if choice == "both":
            local = _text(c.local)
            return local + ("\n" if local and not local.endswith("\n") else "") + _text(c.other)
        if isinstance(choice, bytes):
            return choice.decode("utf-8", "replace")
        return _text(c.local)

    def pick(self, choice: str) -> None:
        self.choice = choice
        self._show_result(self._choice_text(choice), editable=False)
        self.state.setText(f"Resolved: {self.labels[choice]}")
        self.changed.emit()

    @Slot()
    def start_editing(self) -> None:
        self._show_result(self._choice_text(self.choice), editable=True)
        self.choice = self.result.toPlainText().encode("utf-8")
        self.state.setText(f"Resolved: {self.labels['edited']}")
        self.result.setFocus()
        self.changed.emit()

    def _show_result(self, text: str, editable: bool) -> None:
        self._filling = True
        self.result.setPlainText(text)
        self._filling = False
        self.result.setReadOnly(not editable)
        self.result_label.setText("Result (editing)" if editable else "Result")
        self.result_label.show()
        self.result.show()

    @Slot()
    def _on_edited(self) -> None:
        if self._filling or self.result.isReadOnly():
            return
        self.choice = self.result.toPlainText().encode("utf-8")

    def resolved(self) -> bool:
        return self.choice is not None


class FilePage(QWidget):
    """The right-hand side for one conflicting file."""

    changed = Signal()

    def __init__(self, conflict: "FileConflict", parent: QWidget | None = None,
                 labels: dict[str, str] = CHOICE_LABELS) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.labels = labels
        self.side: str | None = None  # non-text conflicts: "local" or "other"
        self.hunks: list[HunkWidget] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        about = QLabel(printable(conflict.describe(labels["local"], labels["other"])))
        about.setWordWrap(True)
        layout.addWidget(about)
        text = conflict.text
        if text is not None and not text.clean:
            body = QWidget()
            rows = QVBoxLayout(body)
            conflicts = text.conflicts
            for i, hunk in enumerate(conflicts):
                widget = HunkWidget(i, len(conflicts), hunk, labels=labels)
                widget.changed.connect(self.changed)
                self.hunks.append(widget)
                rows.addWidget(widget)
            rows.addStretch(1)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(body)
            layout.addWidget(scroll, 1)
        else:
            row = QHBoxLayout()
            local, other = labels["local"], labels["other"]
            self.take_local = QPushButton(f"Take {local}" if conflict.local is not None else f"Take {local} (delete it)")
            self.take_other = QPushButton(f"Take {other}" if conflict.other is not None else f"Take {other} (delete it)")
            self.state = QLabel("Not resolved")
            self.take_local.clicked.connect(lambda: self.pick("local"))
            self.take_other.clicked.connect(lambda: self.pick("other"))
            row.addWidget(self.take_local)
            row.addWidget(self.take_other)
            row.addStretch(1)
            row.addWidget(self.state)
            layout.addLayout(row)
            layout.addStretch(1)

    def pick(self, side: str) -> None:
        self.side = side
        self.state.setText(f"Resolved: {self.labels[side]}")
        self.changed.emit()

    def resolved(self) -> bool:
        return all(h.resolved() for h in self.hunks) if self.hunks else self.side is not None

    def progress(self) -> str:
        if self.hunks:
            done = sum(h.resolved() for h in self.hunks)
            return f"{done}/{len(self.hunks)}"
        return "1/1" if self.side else "0/1"

    def choices(self) -> list[Any]:
        return [h.choice for h in self.hunks]


class MergeView(QDialog):
    """Resolve one artifact's pending merge; `merged(outcome)` once finished and recorded."""

    merged = Signal(object)  # core.sync.merging.MergeOutcome
    recorded = Signal(str)  # what was recorded, in one sentence (the window's status bar)
    failed = Signal(str)

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
        into = "the collection" if self.target_line == "collection" else f"{self.target_line}'s copy"
        self.setWindowTitle(f"Merge {printable(artifact.name)}")
        self.resize(1100, 720)
        layout = QVBoxLayout(self)
        name, local, other = (html.escape(printable(t)) for t in (artifact.name, self.labels["local"], self.labels["other"]))
        intro = QLabel(
            f"<b>{name}</b> changed in the {local} copy and the {other} copy in the same places. Pick a side per "
            f"conflict, or edit the result; nothing changes in {html.escape(printable(into))} until <i>Finish merge</i>."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
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
        layout.addWidget(split, 1)
        bottom = QHBoxLayout()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.abort_button = QPushButton("Abort merge")
        self.abort_button.setToolTip(f"Drop this merge; {into} stays as it is")
        self.later_button = QPushButton("Later")
        self.later_button.setToolTip("Close; the merge waits, saved, until you come back")
        self.finish_button = QPushButton("Finish merge")
        self.finish_button.setDefault(True)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.abort_button)
        bottom.addWidget(self.later_button)
        bottom.addWidget(self.finish_button)
        layout.addLayout(bottom)
        self.finish_button.clicked.connect(self.finish)
        self.abort_button.clicked.connect(self.abort)
        self.later_button.clicked.connect(self.reject)
        self.files.setCurrentRow(0)
        self._update()

    def page(self, path: str) -> FilePage:
        return next(p for p in self.file_pages if p.conflict.display_path == path)

    @Slot()
    def _update(self) -> None:
        left = 0
        for row, page in enumerate(self.file_pages):
            done = page.resolved()
            left += not done
            self.files.item(row).setText(f"{'✓' if done else '•'} {printable(page.conflict.display_path)}  ({page.progress()})")
        self.finish_button.setEnabled(left == 0)
        self.status.setText("Every conflict has a choice: Finish merge records it." if left == 0
                            else f"{left} file{'s' if left != 1 else ''} still to resolve.")

    @Slot()
    def finish(self) -> None:
        from core.sync.merging import finish_merge, resolve_with_choices, resolve_with_side
        from gui.workers import Worker

        ws, pending, artifact, line = self._ws, self.pending, self.artifact, self.target_line
        picks = [(p.conflict.path, p.choices() if p.hunks else p.side, bool(p.hunks)) for p in self.file_pages]

        def job():
            for path, choice, by_hunk in picks:
                if by_hunk:
                    resolve_with_choices(ws, pending, path, choice)
                else:
                    resolve_with_side(pending, path, choice)
            outcome = finish_merge(ws, artifact, pending, how="window")
            return outcome, recorded_sentence(ws, artifact, outcome, line)

        self.finish_button.setEnabled(False)
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
        self.finish_button.setEnabled(True)
        self.failed.emit(message)

    @Slot()
    def abort(self) -> None:
        from core.sync.merging import abort_merge

        abort_merge(self._ws, self.artifact, self.line)  # removes one small file: no worker needed
        self.reject()


def recorded_sentence(ws: "Workspace", artifact: "ArtifactInfo", outcome: Any, line: str) -> str:
    """What Finish merge recorded, for the status bar ("Recorded the merge of pdf as v7 on the
    collection line."); read on the worker, after the merge."""
    from core.history import ordinal_by_id

    name = printable(artifact.name)
    if outcome.version_recorded and outcome.version_id is not None:
        number = ordinal_by_id(ws.history.versions(artifact.id)).get(outcome.version_id)
        which = f"v{number}" if number is not None else f"version #{outcome.version_id}"
        return f"Recorded the merge of {name} as {which} on the {printable(line)} line."
    reason = outcome.not_recorded_reason or "nothing new to record"
    return f"Finished the merge of {name}; no version was recorded: {printable(reason)}"

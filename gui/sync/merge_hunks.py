"""The merge view's right-hand side: one conflicting file, hunk by hunk.

For a text conflict, one block per conflicting hunk: a few unchanged lines before it, its
base, local and upstream lines side by side, Take local / Take upstream / Both / Edit, the
result, and a few unchanged lines after it. Panes are as tall as their text (the page
scrolls), and an edited result grows as it is typed. For a binary, deleted or link
conflict: the description and Take local / Take upstream. How an edited region joins the
rest of the file is core's rule (core.merge.fit_edit), not this widget's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from core.textsafe import printable

if TYPE_CHECKING:
    from core.merge import Conflict, FileConflict

def choice_labels(local: str = "local", other: str = "upstream") -> dict[str, str]:
    """How a choice reads, with the merge's own side names (a project merge's are collection and project)."""
    return {"local": local, "other": other, "both": f"both ({local}, then {other})", "edited": "edited"}


CHOICE_LABELS = choice_labels()


CONTEXT_LINES = 3  # unchanged lines shown before and after each conflict
MAX_ROWS = 40  # a pane taller than this scrolls inside itself


def side_text(lines: tuple[bytes, ...]) -> str:
    return b"".join(lines).decode("utf-8", "replace")


def shown(text: str) -> str:
    """A side's lines for a read-only pane: control characters made visible, line by line."""
    return "\n".join(printable(line, keep_tabs=True) for line in text.split("\n"))


WRAP_AT = 48  # characters a pane shows per line at its usual width, for sizing only


def rows_for(texts: list[str]) -> int:
    """Rows the tallest of `texts` needs once wrapped (2 to MAX_ROWS), so side-by-side panes line up."""
    need = 1
    for text in texts:
        lines = text.splitlines() or [""]
        need = max(need, sum(max(1, -(-len(line) // WRAP_AT)) for line in lines))
    return max(2, min(MAX_ROWS, need + 1))


def fit_rows(view: QPlainTextEdit, rows: int) -> None:
    view.setFixedHeight(view.fontMetrics().lineSpacing() * rows + 12)


def make_pane(title: str, text: str, rows: int) -> tuple[QLabel, QPlainTextEdit]:
    label = QLabel(title)
    view = QPlainTextEdit()
    view.setPlainText(text)
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)  # prose: wrapped, no sideways scrolling
    fit_rows(view, rows)
    return label, view


def context_label(lines: tuple[bytes, ...]) -> QLabel:
    """Unchanged lines around a conflict, muted and monospace, so the hunk reads in place."""
    label = QLabel(shown(side_text(lines).rstrip("\n")))
    label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    label.setEnabled(False)  # the palette's disabled text: muted in light and dark themes
    label.setVisible(bool(lines))
    return label


class HunkWidget(QGroupBox):
    """One conflicting region: base, local and upstream lines, the choice, the result."""

    changed = Signal()

    def __init__(
        self, index: int, total: int, conflict: "Conflict", before: tuple[bytes, ...] = (),
        after: tuple[bytes, ...] = (), parent: QWidget | None = None, labels: dict[str, str] = CHOICE_LABELS,
    ) -> None:
        super().__init__(f"Conflict {index + 1} of {total} — {labels['local']} line {conflict.local_start + 1}", parent)
        self.conflict = conflict
        self.labels = labels
        self.choice: Any = None  # "local", "other", "both" or the edited bytes
        grid = QGridLayout(self)
        self.before = context_label(before)
        grid.addWidget(self.before, 0, 0, 1, 3)
        sides = (("Base", conflict.base), (labels["local"].capitalize(), conflict.local),
                 (labels["other"].capitalize(), conflict.other))
        rows = rows_for([side_text(lines) for _, lines in sides])
        for column, (title, lines) in enumerate(sides):
            label, view = make_pane(title, shown(side_text(lines)), rows)
            grid.addWidget(label, 1, column)
            grid.addWidget(view, 2, column)
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
        grid.addLayout(buttons, 3, 0, 1, 3)
        self.result_label, self.result = make_pane("Result", "", rows)
        self.result_label.hide()
        self.result.hide()
        grid.addWidget(self.result_label, 4, 0, 1, 3)
        grid.addWidget(self.result, 5, 0, 1, 3)
        self.after = context_label(after)
        grid.addWidget(self.after, 6, 0, 1, 3)
        self.take_local.clicked.connect(lambda: self.pick("local"))
        self.take_other.clicked.connect(lambda: self.pick("other"))
        self.take_both.clicked.connect(lambda: self.pick("both"))
        self.edit.clicked.connect(self.start_editing)
        self.result.textChanged.connect(self._on_edited)
        self._filling = False

    def _choiceside_text(self, choice: Any) -> str:
        c = self.conflict
        if choice == "local":
            return side_text(c.local)
        if choice == "other":
            return side_text(c.other)
        if choice == "both":
            local = side_text(c.local)
            return local + ("\n" if local and not local.endswith("\n") else "") + side_text(c.other)
        if isinstance(choice, bytes):
            return choice.decode("utf-8", "replace")
        return side_text(c.local)

    def pick(self, choice: str) -> None:
        self.choice = choice
        self._show_result(self._choiceside_text(choice), editable=False)
        self.state.setText(f"Resolved: {self.labels[choice]}")
        self.changed.emit()

    @Slot()
    def start_editing(self) -> None:
        self._show_result(self._choiceside_text(self.choice), editable=True)
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
        fit_rows(self.result, rows_for([self.result.toPlainText()]))  # the pane grows with what is typed
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
            around = surroundings(text.hunks)
            for i, hunk in enumerate(conflicts):
                widget = HunkWidget(i, len(conflicts), hunk, *around[i], labels=labels)
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


def surroundings(hunks: tuple[Any, ...]) -> list[tuple[tuple[bytes, ...], tuple[bytes, ...]]]:
    """For each conflicting hunk, the unchanged lines just before and just after it."""
    from core.merge import Conflict

    out = []
    for i, hunk in enumerate(hunks):
        if not isinstance(hunk, Conflict):
            continue
        before = hunks[i - 1].lines[-CONTEXT_LINES:] if i > 0 and not isinstance(hunks[i - 1], Conflict) else ()
        nxt = hunks[i + 1] if i + 1 < len(hunks) else None
        after = nxt.lines[:CONTEXT_LINES] if nxt is not None and not isinstance(nxt, Conflict) else ()
        out.append((tuple(before), tuple(after)))
    return out


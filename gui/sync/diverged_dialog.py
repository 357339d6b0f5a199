"""Asked once per Sync now when artifacts diverged: keep local (default), take upstream or merge.

Per artifact: the three choices and what was edited here and what changed upstream as
file lists (from the status already in hand). Below the list, the selected artifact's text
diffs against the base (computed by core.sync.divergence on one worker for all, so the
dialog opens at once): one pair of diff views for the whole dialog, not one per artifact,
so fifty diverged artifacts cost fifty light rows rather than a hundred editors. The rows
themselves come `ROWS_PER_TURN` at a time, one batch per event-loop turn (fifty rows at
once held the GUI thread for 100-200 ms as the dialog opened); a row not built yet counts
as "keep local", its default, and asking for `rows` builds the rest at once.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel, QRadioButton, QScrollArea,
    QSplitter, QVBoxLayout, QWidget,
)

from core.diff import DiffLine, FileChange, FileDiff
from core.sync import ArtifactStatus, Strategy
from core.textsafe import printable
from gui.compare.diff_view import DiffView

if TYPE_CHECKING:
    from core.sync.divergence import Divergence
    from core.workspace import Workspace
    from gui.workers import WorkerPool

SHOWN_FILES = 4  # per side; the rest is counted
ROWS_PER_TURN = 8  # artifact rows built per event-loop turn (a few ms each)

_VERBS = {"added": "added", "removed": "removed", "modified": "changed", "mode_changed": "mode changed"}
CHOICES = ((Strategy.KEEP_LOCAL, "Keep local"), (Strategy.TAKE_UPSTREAM, "Take upstream"), (Strategy.MERGE, "Merge"))
CHOICE_TIPS = {
    Strategy.KEEP_LOCAL: "Keep the collection copy; later syncs leave it until upstream changes again",
    Strategy.TAKE_UPSTREAM: "Replace the copy with upstream's; the local edit stays in the history as a side branch",
    Strategy.MERGE: "Merge both, file by file against the base; conflicts wait for you in the merge view",
}


def describe_changes(changes: tuple[FileChange, ...]) -> str:
    """'SKILL.md (changed), notes.md (added) and 3 more' — the files one side touched."""
    if not changes:
        return "nothing"
    shown = [f"{printable(c.display_path)} ({_VERBS.get(c.status, c.status)})" for c in changes[:SHOWN_FILES]]
    more = len(changes) - SHOWN_FILES
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def diff_lines_of(diffs: tuple[FileDiff, ...]) -> tuple[DiffLine, ...]:
    """All files' diffs in one view: a header line per file, then its lines (or its note)."""
    out: list[DiffLine] = []
    for d in diffs:
        out.append(DiffLine("@", f"{printable(d.change.display_path)} — {_VERBS.get(d.change.status, d.change.status)}", None, None))
        if d.note:
            out.append(DiffLine("@", d.note, None, None))
        out.extend(line for line in d.lines)
    return tuple(out)


class _SidePane(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(title)
        self.view = DiffView()
        self.view.setMinimumHeight(180)
        self.view.setPlainText("Computing the changes…")
        layout.addWidget(self.title)
        layout.addWidget(self.view)


class ArtifactChoice(QGroupBox):
    """One diverged artifact: the three choices and the files each side changed.
    A click on it (or on a choice) selects it: the dialog's diff views show its changes."""

    picked = Signal(int)  # artifact id

    def __init__(self, status: ArtifactStatus, parent: QWidget | None = None) -> None:
        super().__init__(f"{printable(status.name)} ({status.type})", parent)
        self.status = status
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.buttons: dict[Strategy, QRadioButton] = {}
        for strategy, label in CHOICES:
            button = QRadioButton(label)
            button.setToolTip(CHOICE_TIPS[strategy])
            self.group.addButton(button)
            self.buttons[strategy] = button
            button.clicked.connect(lambda _checked=False: self.picked.emit(self.status.artifact_id))
            row.addWidget(button)
        row.addStretch(1)
        self.buttons[Strategy.KEEP_LOCAL].setChecked(True)
        layout.addLayout(row)
        self.detail = QLabel(
            f"Edited here: {html.escape(describe_changes(status.changed_locally))}<br>"
            f"Changed upstream: {html.escape(describe_changes(status.changed_upstream))}"
            if status.changed_locally or status.changed_upstream else
            "No synced version to compare against: who changed what is unknown."
        )
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.picked.emit(self.status.artifact_id)
        super().mousePressEvent(event)

    def set_current(self, current: bool) -> None:
        name = f"{printable(self.status.name)} ({self.status.type})"
        self.setTitle(f"▶ {name} — changes shown below" if current else name)

    def strategy(self) -> Strategy:
        for strategy, button in self.buttons.items():
            if button.isChecked():
                return strategy
        return Strategy.KEEP_LOCAL


class DivergedDialog(QDialog):
    diffsLoaded = Signal(int)  # artifact id whose diffs arrived (or failed)

    def __init__(
        self, diverged: list[ArtifactStatus], parent: QWidget | None = None,
        ws: "Workspace | None" = None, pool: "WorkerPool | None" = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Diverged artifacts")
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        text = QLabel(
            "These artifacts were edited in the collection <b>and</b> changed upstream. "
            "Choose per artifact: <i>keep local</i> (later syncs leave it until upstream changes again), "
            "<i>take upstream</i>, or <i>merge</i> both. The local content stays in the history whatever you choose."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        body = QWidget()
        self._rows_layout = QVBoxLayout(body)
        self._rows_layout.addStretch(1)
        self._rows: dict[int, ArtifactChoice] = {}
        self._unbuilt: list[ArtifactStatus] = list(diverged)  # rows still to come, in order
        self._ids = [s.artifact_id for s in diverged]
        self._more = QTimer(self)
        self._more.setSingleShot(True)
        self._more.setInterval(0)
        self._more.timeout.connect(self._build_some)
        self._build_some()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        changes = QWidget()
        below = QVBoxLayout(changes)
        below.setContentsMargins(0, 0, 0, 0)
        sides = QHBoxLayout()
        self.local_pane = _SidePane("Edited here (base → local)")
        self.upstream_pane = _SidePane("Changed upstream (base → upstream)")
        sides.addWidget(self.local_pane)
        sides.addWidget(self.upstream_pane)
        below.addLayout(sides)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(scroll)
        split.addWidget(changes)
        split.setSizes([min(110 * len(diverged), 260), 320])
        layout.addWidget(split, 1)
        self.current: int | None = None
        self._found: dict[int, "Divergence | str"] = {}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.sync_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sync_button.setText("Sync")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if diverged:
            self.show_changes_of(diverged[0].artifact_id)
        if ws is not None and pool is not None:
            self._load_diffs(ws, pool)

    @property
    def rows(self) -> dict[int, ArtifactChoice]:
        """Every artifact's row (those not built yet are built now)."""
        self._build_rows(len(self._unbuilt))
        return self._rows

    def rows_built(self) -> int:
        return len(self._rows)

    @Slot()
    def _build_some(self) -> None:
        self._build_rows(ROWS_PER_TURN)
        if self._unbuilt:
            self._more.start()  # the next batch after what is queued (paints, clicks)

    def _build_rows(self, count: int) -> None:
        batch, self._unbuilt = self._unbuilt[:count], self._unbuilt[count:]
        for status in batch:
            row = ArtifactChoice(status)
            self._rows[status.artifact_id] = row
            row.picked.connect(self.show_changes_of)
            self._rows_layout.insertWidget(self._rows_layout.count() - 1, row)  # above the stretch
        if not self._unbuilt:
            self._more.stop()

    @property
    def details(self) -> dict[int, QLabel]:
        return {aid: row.detail for aid, row in self.rows.items()}

    def _load_diffs(self, ws: "Workspace", pool: "WorkerPool") -> None:
        from core.sync.divergence import divergences_of
        from gui.workers import Worker

        ids = list(self._ids)
        # One worker for all rows, one artifact after the other: a few threads hashing at
        # once would only compete for the same two cores.
        worker = Worker(lambda: divergences_of(ws, ids))
        pool.start(worker, finished=self._on_divergences, failed=self._on_divergences_failed)

    @Slot(int)
    def show_changes_of(self, artifact_id: int) -> None:
        """The diff views follow this artifact (its diffs once they have arrived)."""
        if artifact_id not in self._ids:
            return
        if artifact_id not in self._rows:
            self._build_rows(len(self._unbuilt))
        if self.current is not None and self.current != artifact_id:
            self._rows[self.current].set_current(False)
        self.current = artifact_id
        self._rows[artifact_id].set_current(True)
        name = printable(self._rows[artifact_id].status.name)
        self.local_pane.title.setText(f"{name}: edited here (base → local)")
        self.upstream_pane.title.setText(f"{name}: changed upstream (base → upstream)")
        found = self._found.get(artifact_id)
        if found is None:
            for pane in (self.local_pane, self.upstream_pane):
                pane.view.setPlainText("Computing the changes…")
        elif isinstance(found, str):
            for pane in (self.local_pane, self.upstream_pane):
                pane.view.setPlainText(f"The diff could not be computed: {found}")
        else:
            self._show(found)

    def _show(self, divergence: "Divergence") -> None:
        for pane, diffs in ((self.local_pane, divergence.local), (self.upstream_pane, divergence.upstream)):
            if divergence.base is None:
                pane.view.setPlainText("No base version: nothing to compare against.")
            elif not diffs:
                pane.view.setPlainText("No changes.")
            else:
                pane.view.show_lines(diff_lines_of(diffs))

    @Slot(object)
    def _on_divergences(self, found: dict) -> None:
        self._found.update(found)
        if self.current is not None:
            self.show_changes_of(self.current)
        for aid in found:
            self.diffsLoaded.emit(aid)

    @Slot(str)
    def _on_divergences_failed(self, message: str) -> None:
        self._found.update({aid: message for aid in self._ids})
        if self.current is not None:
            self.show_changes_of(self.current)
        for aid in self._ids:
            self.diffsLoaded.emit(aid)

    def choose(self, artifact_id: int, strategy: Strategy) -> None:
        self.rows[artifact_id].buttons[Strategy(strategy)].setChecked(True)

    def strategies(self) -> dict[int, Strategy]:
        return {aid: self._rows[aid].strategy() if aid in self._rows else Strategy.KEEP_LOCAL for aid in self._ids}

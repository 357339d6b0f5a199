"""The window follows the world: what gui.sync.live_watch saw, shown where it belongs.

- Artifacts added, removed or edited elsewhere: the list is read again (the selection kept).
- Fresh states of the artifacts that changed: the list's rows, the counts, the header, the
  banner (gone once untrue) and the graph's marks, as after any status run.
- New versions or deployments of the artifact on screen: its graph grows in place, the same
  version selected and the view where it was (VersionBrowser.grow).
- Deployments or projects changed, or a project copy edited: the Projects panel reloads.
- A sync recorded elsewhere: "Last sync" follows.

Nothing here records anything: seeing a change is not a change; Sync now records. While the
window's own sync runs the watch gathers and waits (that sync refreshes everything when it ends).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from core.sync import ArtifactStatus
from core.textsafe import printable
from gui.sync.live_watch import LiveUpdate, LiveWatch

__all__ = ["LiveFollower"]

NOTE_MS = 6000


class LiveFollower(QObject):
    liveApplied = Signal(object)  # LiveUpdate, once the window shows it

    def __init__(self, window: Any, *, budget: int | None = -1) -> None:
        """`window` is the MainWindow (not imported: it imports this module)."""
        super().__init__(window)
        self.window = window
        self.watch = LiveWatch(window.ws, self, budget=budget)
        self.watch.updated.connect(self.apply)
        self.watch.noted.connect(self._on_note)
        window.sync.runningChanged.connect(self.watch.set_paused)
        self.applied = 0  # updates shown (tests wait on it)

    def start(self) -> None:
        self.watch.start()

    def close(self) -> None:
        self.watch.close()

    @Slot(str)
    def _on_note(self, text: str) -> None:
        self.window.statusBar().showMessage(printable(text), 15000)
        print(f"artifact-lineage: {text}")  # the log: the note outlives the status bar

    @Slot(object)
    def apply(self, update: LiveUpdate) -> None:
        w = self.window
        if w.is_syncing():
            return  # its own refresh follows when it ends
        changes, check = update.changes, update.check
        if changes.artifacts:
            w.reload_artifacts(update.artifacts)
        moved = [s for s in check.statuses if self._moved(s)]
        if check.statuses:
            w.model.set_statuses(check.statuses)
            w.states_changed()
        current = w.browser.artifact_id
        if current is not None and current in (changes.versions | changes.deployments):
            w.browser.grow()
        if changes.deployments or changes.projects_changed or check.deployments:
            w.projects.panel.reload()
        if changes.versions:
            w.status_bar.show_last_sync(update.last_sync)
        self.applied += 1
        self.liveApplied.emit(update)
        text = self._describe(update, moved)
        if text:
            w.statusBar().showMessage(text, NOTE_MS)

    def _moved(self, status: ArtifactStatus) -> bool:
        """The re-check says something the list did not (an editor's swap file changes nothing)."""
        old = self.window.model.status(status.artifact_id)
        return old is None or (old.state, old.local, old.head, old.error) != (
            status.state, status.local, status.head, status.error)

    @staticmethod
    def _describe(update: LiveUpdate, moved: list[ArtifactStatus]) -> str:
        names = [printable(s.name) for s in moved[:3]]
        what = ", ".join(names) + (f" and {len(moved) - 3} more" if len(moved) > 3 else "")
        if update.changes:
            return f"Recorded elsewhere: {what or 'the history changed'}."
        return f"Changed on disk: {what}." if what else ""

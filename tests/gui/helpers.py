"""Helpers for the window tests: folder upstreams, clicking Sync now, waiting for a graph."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core import sync as core_sync
from gui.shell.main_window import MainWindow

WAIT = 60_000  # ms; generous for slow CI, never a pass/fail threshold


def skill(root: Path, name: str, body: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\n---\n{body}\n", encoding="utf-8")
    return folder


def add_skills(ws, root: Path, names: list[str], *, synced: bool = True) -> dict[str, int]:
    ids = {}
    for name in names:
        info = core_sync.add_artifact(ws, name, str(skill(root, name, f"# {name}\nfirst text")))
        ids[name] = info.id
    if synced:
        core_sync.sync_all(ws)
    return ids


def click_sync(qtbot, window: MainWindow) -> list:
    """Click Sync now; returns the results once the list and the graph have refreshed."""
    button = window.toolbar.widgetForAction(window.sync_action)
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def wait_until_shown(qtbot, window: MainWindow) -> None:
    """Wait until the current artifact's versions are loaded (on a worker) and drawn."""
    def shown() -> bool:
        browser = window.browser
        return browser.loading is None and browser.artifact_id == window._current_artifact
    qtbot.waitUntil(shown, timeout=WAIT)


def select_artifact(qtbot, window: MainWindow, artifact_id: int) -> None:
    """Select an artifact in the list and wait until its graph is drawn."""
    window.select_artifact(artifact_id)
    wait_until_shown(qtbot, window)


def artifact_rows(window: MainWindow) -> list[str]:
    """Names of the artifact rows the tree shows now (through the filter proxy)."""
    names = []
    proxy = window.proxy
    for g in range(proxy.rowCount()):
        group = proxy.index(g, 0)
        for r in range(proxy.rowCount(group)):
            names.append(proxy.index(r, 0, group).data())
    return names


class Answers:
    """Clicks the buttons of question boxes as they appear, one answer per box, in order; keeps what
    each box said. A timer, so a box shown by a blocking call (QMessageBox.question) is answered too."""

    def __init__(self, *answers: str) -> None:
        self.pending = list(answers)
        self.asked: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        if not self.pending:
            return
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                wanted = self.pending[0]
                button = next((b for b in widget.buttons() if b.text().replace("&", "") == wanted), None)
                if button is None:
                    continue
                self.pending.pop(0)
                self.asked.append(f"{widget.text()}\n{widget.informativeText()}")
                button.click()
                return

    def done(self) -> bool:
        return not self.pending

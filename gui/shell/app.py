"""Start the window: `python main.py` with no sub-command ends up in `run`."""
from __future__ import annotations

import gc
import sys

ORGANIZATION = "artifact-lineage"
APPLICATION = "Artifact Lineage"
DESKTOP_FILE = "artifact-lineage"  # matches resources/artifact-lineage.desktop (Wayland icon lookup)


def make_application(argv: list[str]):
    """The QApplication with the names QSettings and the desktop use; reuses a running one."""
    from PySide6.QtWidgets import QApplication

    from gui.style import icons

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "artifact-lineage", *argv])
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName(DESKTOP_FILE)
    app.setWindowIcon(icons.app_icon())
    return app


def freeze_startup_objects() -> None:
    """Hide what start-up made (modules, Qt bindings, the open workspace: objects that
    live as long as the process) from the cyclic garbage collector (`gc.freeze`).

    A full collection walks every tracked object while holding the GIL, so wherever it
    runs, a worker included, the GUI thread waits: with start-up in view it took
    70-110 ms of CPU on the bench machine, after freezing 20-60 ms
    (bench/bench_window_scale.py). Call it before the window exists: no worker runs
    yet, so nothing that will soon be garbage gets frozen with it.
    """
    gc.freeze()


def run(argv: list[str], *, home: str | None = None, db_url: str | None = None) -> int:
    """Open the workspace and the main window; returns the process exit code."""
    from gui.shell.display_check import problem

    cannot_open = problem()
    if cannot_open:  # said before Qt starts: Qt would abort with a misleading message
        print(cannot_open, file=sys.stderr)
        return 1

    from PySide6.QtWidgets import QMessageBox

    from core.errors import LineageError
    from core.workspace import Workspace

    app = make_application(argv)
    try:
        ws = Workspace.open(home, db_url)
    except LineageError as exc:  # DatabaseError (locked, corrupt, too new) and friends
        QMessageBox.critical(None, "Artifact Lineage cannot start", str(exc))
        return 1
    try:
        from gui.shell.collector import GuiThreadCollector
        from gui.shell.main_window import MainWindow

        freeze_startup_objects()
        GuiThreadCollector(app)  # cycles are collected on the GUI thread only, while the app lives
        window = MainWindow(ws)
        for message in getattr(ws, "startup_messages", []):
            window.statusBar().showMessage(message, 15000)
        window.show()
        return app.exec()
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

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


# How long a thread may hold the GIL while another waits for it (CPython's default: 5 ms).
# The GUI thread gives the GIL up in many Qt calls and must wait to get it back each time a
# worker is running Python; at 5 ms a turn, 60 ms of window work took 200 ms at start-up
# beside the status worker (bench/bench_window_scale.py). 1 ms keeps the window's turns short.
GIL_SWITCH_INTERVAL_S = 0.001


def prepare_process(app) -> None:
    """What the window's process sets up before the window exists (run, and the benches that
    measure the window as it runs): start-up objects frozen, cycles collected on the GUI
    thread only (gui.shell.collector), short GIL turns."""
    from gui.shell.collector import GuiThreadCollector

    freeze_startup_objects()
    GuiThreadCollector(app)  # lives as long as the app (its parent)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


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
        from gui.shell.main_window import MainWindow

        prepare_process(app)
        window = MainWindow(ws)
        for message in getattr(ws, "startup_messages", []):
            window.statusBar().showMessage(message, 15000)
        window.show()
        return app.exec()
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

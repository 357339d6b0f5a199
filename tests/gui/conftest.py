"""Fixtures shared by the window tests: settings in a temporary file, a workspace on the
test's data folder, and windows made the way a restarted process would make them.
Every test here fails when a QWidget was made off the GUI thread (tests/gui/thread_guard.py);
Qt's warnings fail it too (pyproject: qt_log_level_fail)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from core.workspace import Workspace
from gui.shell.collector import GuiThreadCollector
from gui.shell.main_window import MainWindow
from tests.gui import thread_guard
from tests.gui.helpers import WAIT, wait_until_shown


@pytest.fixture(autouse=True)
def _cycles_collected_on_the_gui_thread(qapp):
    """As in the app (gui.shell.app.run): no worker thread ever collects a cycle holding a Qt object."""
    collector = GuiThreadCollector()
    yield
    collector.stop()
    collector.deleteLater()


@pytest.fixture(autouse=True)
def _widgets_on_the_gui_thread_only():
    thread_guard.install()
    thread_guard.take_offences()
    yield
    offences = thread_guard.take_offences()
    if offences:
        pytest.fail("A QWidget was made off the GUI thread:\n" + "\n".join(offences), pytrace=False)


@pytest.fixture
def qsettings(tmp_path, qapp):
    """Window settings in an ini file under the test's folder, never the user's."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    qapp.setOrganizationName("artifact-lineage-tests")
    qapp.setApplicationName("Artifact Lineage")
    settings = QSettings()
    settings.clear()
    yield settings
    settings.clear()


@pytest.fixture
def ws(data_home):
    workspace = Workspace.open(str(data_home))
    yield workspace
    workspace.close()


@pytest.fixture
def make_window(qtbot, ws, qsettings):
    """`make()` opens a window and returns once its states and its graph are shown."""
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        # A fresh QSettings per window, as a restarted process would have.
        window = MainWindow(ws, QSettings())
        windows.append(window)
        qtbot.addWidget(window)
        if window.model.artifact_ids():
            with qtbot.waitSignal(window.statusesUpdated, timeout=WAIT):
                window.show()
            wait_until_shown(qtbot, window)
        else:
            window.show()
        qtbot.waitExposed(window)
        return window

    yield make
    for window in windows:
        window.close()

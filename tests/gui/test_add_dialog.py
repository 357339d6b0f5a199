"""Add artifact…: validation by core on a worker, errors inside the dialog, success adds the artifact."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.artifacts.add_dialog import AddArtifactDialog
from tests.gui.helpers import WAIT, skill


@pytest.fixture
def dialog(qtbot, ws):
    d = AddArtifactDialog(ws)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_ok_disabled_until_name_and_source(qtbot, dialog):
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "pdf")
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.source_edit, "/somewhere")
    assert dialog.ok_button.isEnabled()
    dialog.name_edit.setText("   ")
    assert not dialog.ok_button.isEnabled()


def test_missing_folder_shows_error_and_stays_open(qtbot, dialog, ws, tmp_path):
    missing = tmp_path / "no-such-folder"
    dialog.name_edit.setText("ghost")
    dialog.source_edit.setText(str(missing))
    with qtbot.waitSignal(dialog.validationFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [False]
    assert dialog.isVisible()
    assert dialog.result() == 0
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text()
    assert "no-such-folder" in dialog.error_label.text()
    assert ws.history.list_artifacts() == []
    assert dialog.ok_button.isEnabled()  # the user can fix the path and try again


def test_valid_folder_adds_artifact_to_window(qtbot, make_window, ws, tmp_path):
    window = make_window()
    assert window.stack.currentWidget() is window.welcome
    source = skill(tmp_path / "up", "pdf", "# pdf")
    dialog = window.open_add_dialog()
    qtbot.waitExposed(dialog)
    dialog.name_edit.setText("pdf")
    dialog.source_edit.setText(str(source))
    with qtbot.waitSignal(window.statusesUpdated, timeout=WAIT):
        with qtbot.waitSignal(dialog.validationFinished, timeout=WAIT) as blocker:
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert not dialog.isVisible()
    assert dialog.artifact is not None and dialog.artifact.name == "pdf"
    assert [a.name for a in ws.history.list_artifacts()] == ["pdf"]
    assert window.stack.currentWidget() is window.splitter
    assert window._current_artifact == dialog.artifact.id
    assert window.model.state_of(dialog.artifact.id) == "new"


def test_explicit_type_is_passed_to_core(qtbot, dialog, ws, tmp_path):
    source = skill(tmp_path / "up", "notes", "# notes")
    dialog.name_edit.setText("notes")
    dialog.source_edit.setText(str(source))
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("other"))
    with qtbot.waitSignal(dialog.validationFinished, timeout=WAIT):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert ws.history.get_artifact("notes").type == "other"


def test_cancel_while_checking_stops_the_check_and_adds_nothing(qtbot, dialog, ws, tmp_path, monkeypatch):
    """A slow upstream (a big git clone) must not hold the dialog hostage: Cancel reaches it."""
    import threading

    from core.upstreams import sources
    from core.cancel import Cancelled, cancelled
    from PySide6.QtWidgets import QDialogButtonBox

    started = threading.Event()

    def slow_validate(spec, cache_dir):
        started.set()
        while not cancelled():  # what core.upstreams.git's runner does while git works
            threading.Event().wait(0.01)
        raise Cancelled("Cancelled while git was working on a test; nothing was changed.")

    monkeypatch.setattr(sources, "validate", slow_validate)
    dialog.name_edit.setText("slow")
    dialog.source_edit.setText(str(tmp_path))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(started.is_set, timeout=WAIT)
    assert dialog.busy_label.isVisible()
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT) as closed:
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert closed.args == [0]  # rejected
    assert not dialog.isVisible()
    assert ws.history.list_artifacts() == []


@pytest.mark.parametrize("name, words", [("tab\there", "control characters"), ("x" * 300, "too long")])
def test_a_bad_name_shows_cores_sentence_in_the_dialog(qtbot, dialog, ws, tmp_path, name, words):
    source = skill(tmp_path / "up", "pdf", "# pdf")
    dialog.name_edit.setText(name)
    dialog.source_edit.setText(str(source))
    with qtbot.waitSignal(dialog.validationFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [False]
    text = dialog.error_label.text()
    assert text.startswith("The artifact name") and words in text and "\t" not in text
    assert ws.history.list_artifacts() == []

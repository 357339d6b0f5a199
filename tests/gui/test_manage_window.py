"""Managing artifacts from the window (issue 9): the Add dialog's list, the menus, Edit upstream…,
Remove…, Sync this one, the banner, the diff wrap toggle and hash chips."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QMessageBox

from core import sync as core_sync
from tests.gui.helpers import WAIT, add_skills, skill


def repo(root: Path) -> Path:
    """A folder shaped like anthropics/skills: three skills, a command, an agent."""
    for name in ("docx", "pdf", "xlsx"):
        skill(root / "skills", name, f"# {name}")
    (root / "commands").mkdir(parents=True)
    (root / "commands" / "review.md").write_text("# review\n")
    (root / "agents").mkdir()
    (root / "agents" / "helper.md").write_text("# helper\n")
    return root


def open_dialog(qtbot, window, source: Path):
    dialog = window.open_add_dialog()
    qtbot.waitExposed(dialog)
    dialog.source_edit.setText(str(source))
    return dialog


def test_add_dialog_lists_what_the_upstream_holds_and_adds_the_ticked_ones(qtbot, make_window, ws, tmp_path):
    up = repo(tmp_path / "up")
    core_sync.add_artifact(ws, "pdf", str(up / "skills" / "pdf"))  # already tracked: shown greyed
    window = make_window()
    dialog = open_dialog(qtbot, window, up)
    with qtbot.waitSignal(dialog.discovered, timeout=WAIT) as found:
        qtbot.mouseClick(dialog.look_button, Qt.MouseButton.LeftButton)
    assert found.args == [5]
    rows = {dialog.found_list.topLevelItem(i).text(0): dialog.found_list.topLevelItem(i) for i in range(5)}
    assert rows["pdf"].isDisabled() and "already tracked" in rows["pdf"].text(2)
    assert [f.name for f in dialog.checked_found()] == ["docx", "xlsx", "review", "helper"]
    qtbot.mouseClick(dialog.none_button, Qt.MouseButton.LeftButton)
    assert dialog.checked_found() == [] and dialog.ok_button.text() == "Add"
    rows["docx"].setCheckState(0, Qt.CheckState.Checked)
    rows["review"].setCheckState(0, Qt.CheckState.Checked)
    assert dialog.ok_button.text() == "Add 2" and dialog.ok_button.isEnabled()
    assert not dialog.single_box.isEnabled()  # a name is not needed for the ticked ones
    with qtbot.waitSignal(window.statusesUpdated, timeout=WAIT):
        with qtbot.waitSignal(dialog.validationFinished, timeout=WAIT) as done:
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert done.args == [True] and not dialog.isVisible()
    tracked = {(a.type, a.name, a.upstream.subdir) for a in ws.history.list_artifacts()}
    assert ("skill", "docx", "skills/docx") in tracked and ("command", "review", "commands/review.md") in tracked
    assert sorted(window.model.info(i).name for i in window.model.artifact_ids()) == ["docx", "pdf", "review"]


def test_adding_a_whole_repository_by_name_shows_the_list_instead(qtbot, make_window, ws, tmp_path):
    up = repo(tmp_path / "up")
    window = make_window()
    dialog = open_dialog(qtbot, window, up)
    dialog.name_edit.setText("everything")
    with qtbot.waitSignal(dialog.discovered, timeout=WAIT):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.found_list.isVisible()
    assert "holds 5 artifacts" in dialog.error_label.text()
    assert ws.history.list_artifacts() == []
    dialog.reject()


def test_menu_bar_and_keyboard_shortcuts_list(qtbot, make_window, ws, tmp_path):
    add_skills(ws, tmp_path / "up", ["pdf"])
    window = make_window()
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Artifact", "View", "Projects", "Help"]
    artifact_menu = window.menuBar().actions()[1].menu()
    texts = [a.text().replace("&", "").split("\t")[0] for a in artifact_menu.actions() if a.text()]
    assert texts == ["Sync now", "Sync pdf", "Deploy to", "Push from", "Restore", "Merge…", "Edit upstream…", "Remove…"]
    assert [a.text().split("\t")[1] for a in artifact_menu.actions() if "\t" in a.text()] == [
        "Ctrl+Shift+D", "Ctrl+Shift+P", "Ctrl+Shift+R"]  # a submenu's key, in the key column
    window.menus.shortcuts_action.trigger()
    dialog = window.shortcuts_dialog
    qtbot.waitExposed(dialog)
    rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert rows["Sync now"] == "F5" and rows["Edit upstream"] == "Ctrl+E" and rows["Keyboard shortcuts"] == "F1"
    assert rows["Graph: Select the parent (older, below)"] == "Down"
    assert rows["Deploy to ▸"] == "Ctrl+Shift+D" and rows["Merge"] == "Ctrl+M"
    assert rows["Update outdated projects"] == "Ctrl+U" and rows["About Artifact Lineage"] == "Ctrl+F1"
    dialog.close()


def test_context_menu_remove_keeps_history_and_records_edits(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta"])
    window = make_window()
    copy = ws.collection_dir / "skills" / "beta"
    (copy / "SKILL.md").write_text("edited, never synced\n")
    index = window.proxy.mapFromSource(window.model.index_of(ids["beta"]))
    pos = window.tree.visualRect(index).center()
    window.tree.customContextMenuRequested.emit(pos)
    menu = window.context_menu
    assert menu is not None and window._current_artifact == ids["beta"]
    remove = next(a for a in menu.actions() if a.text() == "&Remove…")
    remove.trigger()
    box = window.artifact_actions.confirm_box
    qtbot.waitExposed(box)
    assert "beta" in box.text() and not window.artifact_actions.purge_box.isChecked()
    with qtbot.waitSignal(window.statusesUpdated, timeout=WAIT):
        qtbot.mouseClick(window.artifact_actions.remove_button, Qt.MouseButton.LeftButton)
    assert not copy.exists()
    assert [a.name for a in ws.history.list_artifacts()] == ["alpha"]
    assert window.model.artifact_ids() == [ids["alpha"]]
    removed = ws.history.get_artifact("beta", include_removed=True)
    assert removed.removed_at is not None
    assert ws.history.versions(removed.id)[0].change_origin == "local_modification"


def test_edit_upstream_dialog_refuses_a_missing_ref_and_changes_on_a_good_one(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["pdf"])
    other = skill(tmp_path / "other", "pdf", "# pdf elsewhere")
    window = make_window()
    window.artifact_actions.edit_action.trigger()
    dialog = window.artifact_actions.edit_dialog
    qtbot.waitExposed(dialog)
    dialog.source_edit.setText(str(tmp_path / "missing"))
    with qtbot.waitSignal(dialog.validationFinished, timeout=WAIT) as checked:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert checked.args == [False] and "does not exist" in dialog.error_label.text()
    assert ws.history.artifact(ids["pdf"]).upstream.location == str(tmp_path / "up" / "pdf")
    dialog.source_edit.setText(str(other))
    with qtbot.waitSignal(window.statusesUpdated, timeout=WAIT):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert ws.history.artifact(ids["pdf"]).upstream.location == str(other)
    assert window.model.state_of(ids["pdf"]) == "upstream_changed"


def test_sync_this_one_syncs_only_it_and_the_banner_names_it(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta"])
    for name in ("alpha", "beta"):
        skill(tmp_path / "up", name, f"# {name}\nnewer")
    window = make_window()
    window.select_artifact(ids["beta"])
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT):
        window.artifact_actions.sync_one_action.trigger()
    assert len(ws.history.versions(ids["beta"])) == 2
    assert len(ws.history.versions(ids["alpha"])) == 1  # untouched
    text = window.banner.label.text()
    assert "Sync of beta finished" in text and "Updated: beta." in text and window.banner.level == "info"
    assert window.banner.describes == {ids["beta"]: "up_to_date"}
    # an edit in the collection makes the summary stale: it goes at the next refresh
    (ws.collection_dir / "skills" / "beta" / "SKILL.md").write_text("local\n")
    with qtbot.waitSignal(window.statusesUpdated, timeout=WAIT):
        window.refresh_statuses()
    assert not window.banner.isVisible()


def test_banner_looks_different_when_something_failed(qtbot, make_window, ws, tmp_path):
    add_skills(ws, tmp_path / "up", ["alpha"])
    import shutil

    shutil.rmtree(tmp_path / "up" / "alpha")
    window = make_window()
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT):
        window.sync_now()
    assert window.banner.level == "error" and "Failed: alpha." in window.banner.label.text()
    assert window.banner.bar.isVisibleTo(window)  # the red edge a routine summary does not have
    assert window.banner.bar.palette().color(QPalette.ColorRole.Window).red() > 150


def test_wrap_toggle_wraps_long_diff_lines_and_the_no_newline_marker(qtbot, make_window, ws, tmp_path):
    from core.diff import DiffLine
    from gui.compare.diff_view import NO_NEWLINE

    add_skills(ws, tmp_path / "up", ["pdf"])
    window = make_window()
    view = window.compare.diff_view
    long = "x" * 2000
    view.show_lines((DiffLine("@", "@@ -1 +1 @@", None, None), DiffLine("-", long, 1, None, True),
                     DiffLine("+", long, None, 1, False)))
    assert view.document().blockCount() == 4 and NO_NEWLINE in view.document().findBlockByNumber(2).text()
    assert view.numbers[2] == (None, None)
    assert view.wraps and view.horizontalScrollBar().maximum() == 0  # wrapped by default
    window.menus.wrap_action.trigger()
    assert not view.wraps and view.horizontalScrollBar().maximum() > 0
    assert window.settings.value("view/wrapDiffLines", type=bool) is False


def test_hashes_are_on_a_neutral_chip_not_the_selection_colour(qtbot, make_window, ws, tmp_path):
    from gui.compare.hash_label import hash_html

    window = make_window()
    pal = window.palette()
    html = hash_html("ab" * 32, 4, pal, 64)
    assert pal.color(QPalette.ColorRole.Highlight).name() not in html
    from PySide6.QtGui import QColor

    tint = QColor(html.split("background-color:")[1].split(";")[0].split('"')[0].strip())
    assert tint.hsvSaturation() < 30  # grey, whatever the palette's highlight hue


def test_a_remove_that_fails_is_said_in_the_banner_and_changes_nothing(qtbot, make_window, ws, tmp_path,
                                                                      monkeypatch):
    from core.errors import SyncError

    ids = add_skills(ws, tmp_path / "up", ["pdf"])
    window = make_window()

    def refuse(*args, **kwargs):
        raise SyncError("Could not store the collection copy of 'pdf' (disk full); nothing was removed.")

    monkeypatch.setattr(core_sync, "remove_artifact", refuse)
    window.artifact_actions.remove_action.trigger()
    with qtbot.waitSignal(window.artifact_actions.failed, timeout=WAIT):
        qtbot.mouseClick(window.artifact_actions.remove_button, Qt.MouseButton.LeftButton)
    assert window.banner.level == "error" and "nothing was removed" in window.banner.label.text()
    assert window.model.artifact_ids() == [ids["pdf"]]
    assert (ws.collection_dir / "skills" / "pdf").is_dir()

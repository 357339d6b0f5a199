"""The main window end to end on temporary homes and folder upstreams (pytest-qt, offscreen)."""
from __future__ import annotations

import shutil
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core import sync as core_sync
from core.sync import summarize_results
from gui.artifacts.model import ArtifactIdRole, ErrorRole
from gui.shell.main_window import SYNC_IDLE_TIP, SYNC_RUNNING_TIP
from tests.gui.helpers import WAIT, add_skills, artifact_rows, click_sync, select_artifact, wait_until_shown

# ------------------------------------------------------------------- tests
def test_empty_home_shows_welcome_and_demo_opens(qtbot, make_window):
    window = make_window()
    assert window.stack.currentWidget() is window.welcome
    assert window.welcome.isVisible()
    with qtbot.waitSignal(window.demoLoaded, timeout=WAIT):
        qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.splitter
    wait_until_shown(qtbot, window)
    names = artifact_rows(window)
    assert len(names) >= 4
    # The artifact opened is one with a real history, drawn in the graph.
    assert window._current_artifact is not None
    assert len(window._versions) >= 2
    assert window.graph.selected_version_id() in {v.id for v in window._versions}
    assert len(window.graph.scene().items()) > len(window._versions)


def test_sync_now_adds_node_and_updates_state(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta"])
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nsecond text\n", encoding="utf-8")
    window = make_window()
    select_artifact(qtbot, window, ids["alpha"])
    assert window.model.state_of(ids["alpha"]) == "upstream_changed"
    assert window.model.state_of(ids["beta"]) == "up_to_date"
    before = len(window._versions)
    # The upstream's new state is drawn as a "waiting upstream" ghost until it is synced.
    qtbot.waitUntil(lambda: any(d.get("waiting") for _n, d in window.graph.graph().nodes(data=True)), timeout=WAIT)
    assert window.graph.node_count() == before + 1

    results = click_sync(qtbot, window)

    by_name = {r.name: r for r in results}
    assert by_name["alpha"].action == "replaced"
    assert window.model.state_of(ids["alpha"]) == "up_to_date"
    assert len(window._versions) == before + 1
    new_head = window._versions[0]
    assert new_head.content_hash == by_name["alpha"].new_hash
    assert window.graph.find_by_prefix(new_head.content_hash[:10]) == new_head.id
    assert window.graph.node_count() == before + 1  # the new head, and no ghost any more
    assert not any(d.get("waiting") for _n, d in window.graph.graph().nodes(data=True))
    assert "1 updated" in window.banner.label.text()
    assert window.sync_action.isEnabled()


def test_sync_disabled_while_running_and_cancel_stops_between_artifacts(
    qtbot, make_window, ws, tmp_path, monkeypatch
):
    names = [f"s{i:02d}" for i in range(8)]
    add_skills(ws, tmp_path / "up", names, synced=False)
    gate = threading.Event()
    real_sync_all = core_sync.sync_all

    def gated_sync_all(ws_, names_=None, **kw):
        report = kw["progress"]

        def progress(done, total, name):
            report(done, total, name)
            if done == 1:  # the first artifact is done: hold until the test has clicked Cancel
                gate.wait(30)

        kw["progress"] = progress
        return real_sync_all(ws_, names_, **kw)

    monkeypatch.setattr(core_sync, "sync_all", gated_sync_all)
    window = make_window()
    button = window.toolbar.widgetForAction(window.sync_action)
    assert window.sync_action.toolTip() == SYNC_IDLE_TIP
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.progress_label.text().startswith("2 / 8"), timeout=WAIT)
        assert not window.sync_action.isEnabled()
        assert not button.isEnabled()
        assert window.sync_action.toolTip() == SYNC_RUNNING_TIP
        assert window.cancel_button.isVisible()
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
        gate.set()
    results = blocker.args[0]
    actions = [r.action for r in results]
    assert len(results) == 8
    assert actions.count("cancelled") >= 6
    assert 1 <= actions.count("copied") <= 2
    for r in results:
        versions = ws.history.versions(r.artifact_id)
        assert (len(versions) == 0) == (r.action == "cancelled")
    assert "cancelled" in summarize_results(results).text()
    assert window.sync_action.isEnabled()
    assert not window.cancel_button.isVisible()


def test_failing_upstream_shows_error_while_others_sync(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta", "gamma"])
    shutil.rmtree(tmp_path / "up" / "beta")
    (tmp_path / "up" / "gamma" / "SKILL.md").write_text("# gamma\nchanged\n", encoding="utf-8")
    window = make_window()
    results = click_sync(qtbot, window)
    by_name = {r.name: r for r in results}
    assert by_name["beta"].action == "failed" and by_name["beta"].error
    assert by_name["gamma"].action == "replaced"
    assert window.model.state_of(ids["beta"]) == "error"
    assert window.model.state_of(ids["gamma"]) == "up_to_date"
    assert window.model.state_of(ids["alpha"]) == "up_to_date"
    beta = window.model.index_of(ids["beta"])
    assert beta.data(ErrorRole) == by_name["beta"].error
    assert by_name["beta"].error in beta.data(Qt.ItemDataRole.ToolTipRole)
    select_artifact(qtbot, window, ids["beta"])
    assert window.artifact_header.error_label.isVisibleTo(window)
    assert by_name["beta"].error in window.artifact_header.error_label.text()
    assert "1 failed" in window.banner.label.text()


def test_f5_triggers_sync(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha"], synced=False)
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)
    assert window.model.state_of(ids["alpha"]) == "new"
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT):
        qtbot.keyClick(window.tree, Qt.Key.Key_F5)
    assert window.model.state_of(ids["alpha"]) == "up_to_date"
    assert len(ws.history.versions(ids["alpha"])) == 1


def test_filter_box_filters(qtbot, make_window, ws, tmp_path):
    add_skills(ws, tmp_path / "up", ["alpha", "alpine", "beta"], synced=False)
    window = make_window()
    assert sorted(artifact_rows(window)) == ["alpha", "alpine", "beta"]
    qtbot.keyClicks(window.filter_edit, "alp")
    assert sorted(artifact_rows(window)) == ["alpha", "alpine"]
    window.filter_edit.setText("ALPI")
    assert artifact_rows(window) == ["alpine"]
    window.filter_edit.setText("no such artifact")
    assert artifact_rows(window) == []
    assert window.proxy.rowCount() == 0  # the empty group is hidden too
    window.filter_edit.clear()
    assert len(artifact_rows(window)) == 3


def test_selection_persists_across_restart(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta"])
    (tmp_path / "up" / "beta" / "SKILL.md").write_text("# beta\nsecond\n", encoding="utf-8")
    core_sync.sync_all(ws)
    beta_versions = ws.history.versions(ids["beta"])
    older = beta_versions[-1]  # not the head: the window would pick the head by itself
    window = make_window()
    select_artifact(qtbot, window, ids["beta"])
    window.graph.select_version(older.id)
    window.browser.show_version(older.id)
    window.close()

    again = make_window()
    assert again._current_artifact == ids["beta"]
    current = again.tree.currentIndex()
    assert current.data(ArtifactIdRole) == ids["beta"]
    assert again.browser.shown_version == older.id
    assert again.graph.selected_version_id() == older.id


def test_find_hash_prefix(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nv2\n", encoding="utf-8")
    core_sync.sync_all(ws)
    root = ws.history.versions(ids["alpha"])[-1]
    window = make_window()
    qtbot.keyClicks(window.find_edit, root.content_hash[:8])
    qtbot.keyClick(window.find_edit, Qt.Key.Key_Return)
    assert window.graph.selected_version_id() == root.id
    assert window.browser.shown_version == root.id
    bogus = "zz" if not root.content_hash.startswith("zz") else "yy"
    assert window.find_version(bogus) is None
    assert window.statusBar().currentMessage() == f"No version of alpha matches '{bogus}'."
    bogus_hex = "0000ffff" if not root.content_hash.startswith("0000ffff") else "ffff0000"
    assert window.find_version(bogus_hex) is None
    assert window.statusBar().currentMessage() == f"No version of alpha starts with '{bogus_hex}'; check the prefix."


def test_export_graph_by_suffix(qtbot, make_window, ws, tmp_path):
    add_skills(ws, tmp_path / "up", ["alpha"])
    window = make_window()
    png = window.export_graph_to(str(tmp_path / "g.png"))
    svg = window.export_graph_to(str(tmp_path / "g"), ".svg")
    graphml = window.export_graph_to(str(tmp_path / "g.graphml"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.suffix == ".svg" and b"<svg" in svg.read_bytes()
    assert b"graphml" in graphml.read_bytes()


def test_unreadable_database_shows_message_and_exits_1(qapp, qsettings, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.shell import app as gui_app

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda _parent, _title, text: shown.append(text)))
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database " * 64)
    rc = gui_app.run([], home=str(tmp_path / "home"), db_url=f"sqlite:///{bad}")
    assert rc == 1
    assert len(shown) == 1 and str(bad) in shown[0]


def test_states_are_checked_again_when_the_window_is_activated(qtbot, make_window, ws, tmp_path):
    """Edits made in an editor or terminal show up when the person comes back to the window."""
    from PySide6.QtCore import QCoreApplication, QEvent

    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    window = make_window()
    assert window.model.state_of(ids["alpha"]) == "up_to_date"
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nedited upstream\n", encoding="utf-8")

    window._last_status_request = float("-inf")  # long enough ago
    with qtbot.waitSignal(window.statusesUpdated, timeout=WAIT):
        QCoreApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))
    assert window.model.state_of(ids["alpha"]) == "upstream_changed"

    # Right after a check, switching windows back and forth does not start another one.
    requested = window._last_status_request
    QCoreApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))
    qtbot.wait(50)
    assert window._last_status_request == requested

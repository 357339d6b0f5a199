"""Window-level flows: clicking the graph, Ctrl+click, shortcuts, the diverged dialog,
stale status replies, export errors, per-data-folder settings, version numbering."""
from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from core import sync as core_sync
from core.history import ordinal_by_id
from core.workspace import Workspace
from gui.artifacts.add_dialog import AddArtifactDialog
from gui.shell.main_window import MainWindow, data_folder_group
from tests.gui.helpers import WAIT, add_skills, click_sync, select_artifact, skill


def click_node(qtbot, window: MainWindow, version_id: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    view = window.graph
    view.ensureVisible(view.node_item(version_id).sceneBoundingRect())
    pos = view.mapFromScene(view.node_item(version_id).scenePos())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, pos)


def three_versions(ws, root: Path) -> tuple[int, list]:
    ids = add_skills(ws, root, ["alpha"])
    for text in ("second", "third"):
        (root / "alpha" / "SKILL.md").write_text(f"# alpha\n{text}\n", encoding="utf-8")
        core_sync.sync_all(ws)
    return ids["alpha"], ws.history.versions(ids["alpha"])  # newest first


def test_clicking_a_node_shows_its_and_its_parents_hash(qtbot, make_window, ws, tmp_path):
    aid, (v3, v2, v1) = three_versions(ws, tmp_path / "up")
    window = make_window()
    select_artifact(qtbot, window, aid)
    with qtbot.waitSignal(window.compare.diffShown, timeout=WAIT):
        click_node(qtbot, window, v2.id)
    assert window.graph.selected_version_id() == v2.id
    assert window.compare.hashes.new_label.hash_value == v2.content_hash
    assert window.compare.hashes.old_label.hash_value == v1.content_hash
    assert v2.parent_id == v1.id
    assert [c.display_path for c in window.compare.changes] == ["SKILL.md"]
    assert "+ second" in window.compare.diff_view.toPlainText()


def test_ctrl_click_compares_the_pair(qtbot, make_window, ws, tmp_path):
    aid, (v3, v2, v1) = three_versions(ws, tmp_path / "up")
    window = make_window()
    select_artifact(qtbot, window, aid)
    assert window.graph.selected_version_id() == v3.id  # the head is selected on opening
    click_node(qtbot, window, v1.id, Qt.KeyboardModifier.ControlModifier)
    assert window.compare.base.id == v1.id and window.compare.version.id == v3.id
    assert window.compare.hashes.old_label.hash_value == v1.content_hash
    assert window.compare.hashes.new_label.hash_value == v3.content_hash
    assert window.graph.selected_version_id() == v3.id  # Ctrl+click compares, it does not move


def test_ctrl_f_focuses_the_find_box(qtbot, make_window, ws, tmp_path):
    add_skills(ws, tmp_path / "up", ["alpha"])
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)
    window.tree.setFocus()
    assert not window.find_edit.hasFocus()
    qtbot.keyClick(window.tree, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_edit.hasFocus()


def test_zoom_to_fit_button_shows_every_node(qtbot, make_window, ws, tmp_path):
    aid, versions = three_versions(ws, tmp_path / "up")
    window = make_window()
    select_artifact(qtbot, window, aid)
    window.graph.scale(6.0, 6.0)  # zoomed in: not every node is in view
    visible = window.graph.mapToScene(window.graph.viewport().rect()).boundingRect()
    assert not all(visible.contains(window.graph.node_item(v.id).scenePos()) for v in versions)
    qtbot.mouseClick(window.toolbar.widgetForAction(window.fit_action), Qt.MouseButton.LeftButton)
    visible = window.graph.mapToScene(window.graph.viewport().rect()).boundingRect()
    assert all(visible.contains(window.graph.node_item(v.id).scenePos()) for v in versions)


# ------------------------------------------------------------- diverged dialog
def diverged(ws, root: Path) -> int:
    """alpha edited in the collection and changed upstream."""
    aid = add_skills(ws, root, ["alpha"])["alpha"]
    (root / "alpha" / "SKILL.md").write_text("# alpha\nupstream edit\n", encoding="utf-8")
    local = Path(ws.home.collection_dir) / "skills" / "alpha" / "SKILL.md"
    local.write_text("# alpha\nlocal edit\n", encoding="utf-8")
    assert core_sync.status_all(ws)[0].state == core_sync.SyncState.DIVERGED
    return aid


def run_diverged_sync(qtbot, window: MainWindow, tick: bool) -> list:
    button = window.toolbar.widgetForAction(window.sync_action)
    with qtbot.waitSignal(window.syncFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.sync.dialog is not None and window.sync.dialog.isVisible(), timeout=WAIT)
        dialog = window.sync.dialog
        (row,) = dialog.rows.values()
        assert row.strategy() is core_sync.Strategy.KEEP_LOCAL  # keep local is the default
        (detail,) = dialog.details.values()  # what each choice keeps, before choosing
        assert "Edited here: SKILL.md (changed)" in detail.text()
        assert "Changed upstream: SKILL.md (changed)" in detail.text()
        # then the diffs against the base, computed on a worker
        qtbot.waitUntil(lambda: "upstream edit" in dialog.upstream_pane.view.toPlainText(), timeout=WAIT)
        assert "local edit" in dialog.local_pane.view.toPlainText()
        assert "upstream edit" not in dialog.local_pane.view.toPlainText()
        if tick:
            qtbot.mouseClick(row.buttons[core_sync.Strategy.TAKE_UPSTREAM], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_diverged_untouched_keeps_local_in_history(qtbot, make_window, ws, tmp_path):
    aid = diverged(ws, tmp_path / "up")
    local = Path(ws.home.collection_dir) / "skills" / "alpha" / "SKILL.md"
    window = make_window()
    (result,) = run_diverged_sync(qtbot, window, tick=False)
    assert result.action == "kept-local"
    assert "local edit" in local.read_text(encoding="utf-8")
    head = ws.history.versions(aid, line="collection")[0]
    assert head.change_origin == "local_modification"
    (status,) = core_sync.status_all(ws)
    assert head.content_hash == status.local and status.state is core_sync.SyncState.KEPT_LOCAL
    assert window.model.state_of(aid) == "kept_local"


def test_diverged_take_upstream_replaces_and_keeps_local_in_history(qtbot, make_window, ws, tmp_path):
    aid = diverged(ws, tmp_path / "up")
    local = Path(ws.home.collection_dir) / "skills" / "alpha" / "SKILL.md"
    local_hash = core_sync.status_all(ws)[0].local
    window = make_window()
    (result,) = run_diverged_sync(qtbot, window, tick=True)
    assert result.action == "replaced"
    assert "upstream edit" in local.read_text(encoding="utf-8")
    hashes = [v.content_hash for v in ws.history.versions(aid)]
    assert hashes[0] == result.new_hash
    assert local_hash in hashes  # the local edit was recorded before being replaced
    assert window.model.state_of(aid) == "up_to_date"


# ------------------------------------------------------------------- status
def test_stale_status_reply_does_not_overwrite_post_sync_state(qtbot, ws, qsettings, tmp_path, monkeypatch):
    aid = add_skills(ws, tmp_path / "up", ["alpha"])["alpha"]
    (tmp_path / "up" / "alpha" / "SKILL.md").write_text("# alpha\nnew\n", encoding="utf-8")
    release = threading.Event()
    first_started = threading.Event()
    real_status_all = core_sync.status_all
    calls = []

    def slow_first(ws_, names=None):
        calls.append(1)
        if len(calls) == 1:
            result = real_status_all(ws_, names)  # computed now: before the sync
            first_started.set()
            release.wait(30)
            return result
        return real_status_all(ws_, names)

    monkeypatch.setattr(core_sync, "status_all", slow_first)
    window = MainWindow(ws, QSettings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(first_started.is_set, timeout=WAIT)
    results = click_sync(qtbot, window)
    assert results[0].action == "replaced"
    assert window.model.state_of(aid) == "up_to_date"
    with qtbot.waitSignal(window._statuses.replyDropped, timeout=WAIT) as dropped:
        release.set()
    assert dropped.args[0].statuses[0].state == core_sync.SyncState.UPSTREAM_CHANGED
    qtbot.waitUntil(lambda: not window._pool.busy(), timeout=WAIT)
    assert window.model.state_of(aid) == "up_to_date"
    window.close()


# ------------------------------------------------------------------- export
def test_export_into_a_missing_folder_tells_the_user(qtbot, make_window, ws, tmp_path, monkeypatch):
    add_skills(ws, tmp_path / "up", ["alpha"])
    window = make_window()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text: shown.append(text)))
    for name in ("g.png", "g.svg", "g.graphml"):
        target = tmp_path / "no-such-folder" / name
        assert window.export_graph_to(str(target)) is None
        assert not target.exists()
    assert len(shown) == 3
    assert all("no-such-folder" in text and "does not exist" in text for text in shown)
    assert "no-such-folder" in window.statusBar().currentMessage()


# ----------------------------------------------------------------- settings
def test_last_sync_and_selection_belong_to_the_data_folder(qtbot, make_window, ws, tmp_path, qsettings):
    window = make_window()
    assert window.last_sync_label.text() == "Last sync: never"
    window.close()
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta"])
    window = make_window()
    stamp = ws.history.last_sync_at()
    assert stamp is not None
    assert window.last_sync_label.text() == f"Last sync: {stamp.astimezone():%Y-%m-%d %H:%M}"
    select_artifact(qtbot, window, ids["alpha"])
    window.close()
    group = data_folder_group(ws)
    assert int(QSettings().value(f"{group}/selection/artifact")) == ids["alpha"]

    # Another data folder with the same settings file: its own (empty) history, its own selection.
    other = Workspace.open(str(tmp_path / "other-home"))
    try:
        assert data_folder_group(other) != group
        core_sync.add_artifact(other, "gamma", str(skill(tmp_path / "up2", "gamma", "# gamma")))
        second = MainWindow(other, QSettings())
        qtbot.addWidget(second)
        assert second.last_sync_label.text() == "Last sync: never"
        assert second._current_artifact == other.history.get_artifact("gamma").id
        second.close()
    finally:
        other.close()
    again = make_window()
    assert again._current_artifact == ids["alpha"]


def test_compare_splitter_persists(qtbot, make_window, ws, tmp_path):
    add_skills(ws, tmp_path / "up", ["alpha"])
    window = make_window()
    total = sum(window.compare.splitter.sizes())
    default_table = window.compare.splitter.sizes()[0]
    window.compare.splitter.setSizes([default_table + 60, total - default_table - 60])
    window.close()
    again = make_window()
    # The table keeps the height the user gave it (the diff takes what the window has left).
    assert again.compare.splitter.sizes()[0] == default_table + 60


def test_diff_gets_most_of_the_compare_panel(qtbot, make_window, ws, tmp_path):
    aid, _versions = three_versions(ws, tmp_path / "up")
    window = make_window()
    select_artifact(qtbot, window, aid)
    table, lower = window.compare.splitter.sizes()
    assert lower > 2 * table


# --------------------------------------------------------- version numbers
def test_versions_are_numbered_per_artifact_in_labels_and_panel(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta"])  # alpha #1, beta #2
    for text in ("two", "three"):  # interleaved: alpha #3, beta #4, alpha #5, beta #6
        for name in ("alpha", "beta"):
            (tmp_path / "up" / name / "SKILL.md").write_text(f"# {name}\n{text}\n", encoding="utf-8")
        core_sync.sync_all(ws)
    window = make_window()
    for name in ("alpha", "beta"):
        select_artifact(qtbot, window, ids[name])
        versions = ws.history.versions(ids[name])
        assert ordinal_by_id(versions)[versions[-1].id] == 1
        labels = {v.id: window.graph.node_item(v.id).label_lines()[2].split(" · ")[0] for v in versions}
        assert [labels[v.id] for v in reversed(versions)] == ["v1", "v2", "v3"]
        assert f"<b>v3</b>" in window.graph.node_tooltip(versions[0].id)
        assert window.compare.title.text().startswith("v3 ·")
        assert window.compare.label_of(versions[1].id) == "v2"


def test_revert_badge_names_the_artifacts_own_version(qtbot, make_window, ws, tmp_path):
    add_skills(ws, tmp_path / "up", ["other"])  # version #1 belongs to another artifact
    ids = add_skills(ws, tmp_path / "up", ["alpha"])
    path = tmp_path / "up" / "alpha" / "SKILL.md"
    original = path.read_text(encoding="utf-8")
    path.write_text("# alpha\nchanged\n", encoding="utf-8")
    core_sync.sync_all(ws)
    path.write_text(original, encoding="utf-8")
    core_sync.sync_all(ws)
    window = make_window()
    select_artifact(qtbot, window, ids["alpha"])
    head = ws.history.versions(ids["alpha"])[0]
    assert head.metadata["matches_version"] != 1  # a global id, not the artifact's own number
    assert window.graph.node_item(head.id).label_lines()[1] == "= v1"
    assert "matches v1" in window.compare.details.toPlainText()


# ------------------------------------------------------------- add dialog
def test_git_repo_with_a_bad_ref_names_the_ref_and_stays_open(qtbot, ws, tmp_path):
    repo = tmp_path / "repo"
    skill(repo, "pdf", "# pdf")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "first"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    dialog = AddArtifactDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.name_edit.setText("pdf")
    dialog.source_edit.setText(f"file://{repo}")
    dialog.ref_edit.setText("no-such-branch")
    dialog.subdir_edit.setText("pdf")
    with qtbot.waitSignal(dialog.validationFinished, timeout=WAIT) as blocker:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [False]
    assert dialog.isVisible()
    assert "no-such-branch" in dialog.error_label.text()
    assert ws.history.list_artifacts() == []


def test_describe_changes_names_a_few_files_and_counts_the_rest():
    from core.diff import FileChange
    from gui.sync.diverged_dialog import describe_changes

    def change(name: str, status: str) -> FileChange:
        return FileChange(name.encode(), status, "f", "f", None, None, None, None)

    changes = tuple(change(f"f{i}.md", "modified") for i in range(6)) + (change("<new>.md", "added"),)
    assert describe_changes(changes[:1]) == "f0.md (changed)"
    assert describe_changes(changes) == "f0.md (changed), f1.md (changed), f2.md (changed), f3.md (changed) and 3 more"
    assert describe_changes(()) == "nothing"


def test_the_diverged_dialog_builds_its_rows_a_few_per_event_loop_turn(qtbot):
    """Fifty rows built at once held the GUI thread 100-200 ms as the dialog opened (issue 15 §6)."""
    from gui.sync.diverged_dialog import ROWS_PER_TURN, ArtifactChoice, DivergedDialog

    diverged = [core_sync.ArtifactStatus(i, f"skill-{i:02d}", "skill", core_sync.SyncState.DIVERGED,
                                         None, None, None, None) for i in range(1, 51)]
    dialog = DivergedDialog(diverged)
    qtbot.addWidget(dialog)
    assert dialog.rows_built() == ROWS_PER_TURN < len(diverged)
    # Rows not built yet are kept local, as their default says.
    assert dialog.strategies() == {s.artifact_id: core_sync.Strategy.KEEP_LOCAL for s in diverged}
    dialog.show()
    qtbot.waitUntil(lambda: dialog.rows_built() == len(diverged), timeout=WAIT)

    def top_to_bottom() -> list[int]:
        return [w.status.artifact_id for w in sorted(dialog.findChildren(ArtifactChoice), key=lambda w: w.y())]

    # In the order asked, each once (once the layout has placed the last batch).
    qtbot.waitUntil(lambda: top_to_bottom() == [s.artifact_id for s in diverged], timeout=WAIT)
    dialog.choose(50, core_sync.Strategy.MERGE)
    assert dialog.strategies()[50] is core_sync.Strategy.MERGE


def test_the_diverged_dialog_shows_one_pair_of_diffs_for_the_selected_artifact(qtbot, ws, tmp_path):
    """Issue 15 §6: the dialog builds no diff views per row; clicking a row shows that row's changes."""
    from gui.compare.diff_view import DiffView
    from gui.sync.diverged_dialog import DivergedDialog
    from gui.workers import WorkerPool

    names = ["alpha", "beta", "gamma"]
    add_skills(ws, tmp_path, names)
    for name in names:
        (Path(ws.home.collection_dir) / "skills" / name / "SKILL.md").write_text(f"{name} local edit\n")
        skill(tmp_path, name, f"{name} upstream edit\n")
    diverged = [s for s in core_sync.status_all(ws) if s.state is core_sync.SyncState.DIVERGED]
    assert len(diverged) == 3
    pool = WorkerPool()
    dialog = DivergedDialog(diverged, ws=ws, pool=pool)
    qtbot.addWidget(dialog)
    dialog.show()
    assert len(dialog.findChildren(DiffView)) == 2  # one pair, whatever the number of artifacts
    first, second = diverged[0].artifact_id, diverged[1].artifact_id
    assert dialog.current == first
    qtbot.waitUntil(lambda: "upstream edit" in dialog.upstream_pane.view.toPlainText(), timeout=WAIT)
    assert diverged[0].name in dialog.upstream_pane.view.toPlainText()
    qtbot.mouseClick(dialog.rows[second].buttons[core_sync.Strategy.MERGE], Qt.MouseButton.LeftButton)
    assert dialog.current == second
    assert f"{diverged[1].name} upstream edit" in dialog.upstream_pane.view.toPlainText()
    assert f"{diverged[1].name} local edit" in dialog.local_pane.view.toPlainText()
    assert dialog.strategies()[second] is core_sync.Strategy.MERGE
    assert dialog.strategies()[first] is core_sync.Strategy.KEEP_LOCAL
    pool.wait_all()

"""ComparePanel: details, file table, coloured diff, root/legacy/binary cases, Compare with…"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core.content import hash_tree
from core.history import VersionInfo
from core.store import ObjectStore
from gui.compare.panel import ComparePanel
from gui.compare.diff_model import CHANGE_ROLE, line_background, status_color

PNG_A = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\1" * 40
PNG_B = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\2" * 60


def tree(root: Path, files: dict[str, bytes | str], executable: tuple[str, ...] = ()) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        os.chmod(path, 0o755 if rel in executable else 0o644)
    return root


def store_version(store: ObjectStore, root: Path) -> str:
    th = hash_tree(root)
    store.store_tree(root, th)
    return th.content_hash


def version(vid: int, content_hash: str, parent: VersionInfo | None = None, *, parent_hash: str | None = None,
            origin: str = "sync", metadata: dict | None = None) -> VersionInfo:
    return VersionInfo(
        id=vid,
        artifact_id=1,
        content_hash=content_hash,
        parent_hash=parent.content_hash if parent else parent_hash,
        parent_id=parent.id if parent else None,
        second_parent_id=None,
        change_origin=origin,
        created_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc),
        metadata=metadata or {},
    )


@pytest.fixture
def history(tmp_path):
    """Three versions of one skill, stored in a real object store."""
    store = ObjectStore(tmp_path / "objects")
    v1_hash = store_version(store, tree(tmp_path / "v1", {
        "SKILL.md": "# PDF\n\nRead PDFs.\n\n## Usage\nRun the script.\n",
        "scripts/extract.py": "print('hi')\n",
        "notes.txt": "old notes\n",
    }))
    v2_hash = store_version(store, tree(tmp_path / "v2", {
        "SKILL.md": "# PDF\n\nRead PDF files.\n\n## Usage\nRun the script.\n",
        "scripts/extract.py": "print('hi')\n",
        "assets/logo.png": PNG_A,
    }, executable=("scripts/extract.py",)))
    v3_hash = store_version(store, tree(tmp_path / "v3", {
        "SKILL.md": "# PDF\n\nRead PDF files.\n\n## Usage\nRun the script.\n",
        "scripts/extract.py": "print('hi')\n",
        "assets/logo.png": PNG_B,
    }, executable=("scripts/extract.py",)))
    v1 = version(1, v1_hash)
    v2 = version(2, v2_hash, v1, metadata={"location": "/up/skills/pdf", "upstream_kind": "folder",
                                           "resolved_commit": "c0ffee" * 6, "strategy": "keep-local"})
    v3 = version(3, v3_hash, v2, metadata={"matches_version": 1})
    return store, [v3, v2, v1]  # newest first, as History.versions gives them


@pytest.fixture
def panel(qtbot, history):
    store, _versions = history
    widget = ComparePanel(store)
    qtbot.addWidget(widget)
    widget.resize(700, 900)
    widget.show()
    return widget


WAIT = 30_000  # ms; generous for slow CI, never a pass/fail threshold


def shown(qtbot, panel: ComparePanel, action) -> None:
    """Run `action` and wait until the diff worker's result is on screen."""
    with qtbot.waitSignal(panel.diffShown, timeout=WAIT):
        action()


def table_paths(panel: ComparePanel) -> list[str]:
    model = panel.table.model()
    return [model.index(r, 1).data() for r in range(model.rowCount())]


def test_show_version_lists_exactly_the_changed_files_and_colours_the_diff(qtbot, panel, history):
    _store, (v3, v2, v1) = history
    shown(qtbot, panel, lambda: panel.show_version(v2, v1, all_versions=[v3, v2, v1]))

    assert panel.table.model().rowCount() == 4
    assert table_paths(panel) == ["SKILL.md", "assets/logo.png", "notes.txt", "scripts/extract.py"]
    statuses = [panel.table.model().index(r, 0).data() for r in range(4)]
    assert statuses == ["modified", "added", "removed", "mode changed"]
    assert panel.table.model().index(0, 0).data(Qt.ItemDataRole.ForegroundRole) == status_color("modified", panel.palette())

    # The first file is selected and its diff shown, removed then added line, coloured.
    assert panel.table.currentIndex().row() == 0
    text = panel.diff_view.toPlainText().splitlines()
    assert "- Read PDFs." in text and "+ Read PDF files." in text
    removed, added = text.index("- Read PDFs."), text.index("+ Read PDF files.")
    assert panel.diff_view.block_background(removed) == line_background("-", panel.palette())
    assert panel.diff_view.block_background(added) == line_background("+", panel.palette())
    green, red = line_background("+", panel.palette()), line_background("-", panel.palette())
    assert green.green() > green.red() and red.red() > red.green()
    context = text.index("  # PDF")
    assert panel.diff_view.block_background(context) is None
    assert panel.diff_view.numbers[removed] == (3, None) and panel.diff_view.numbers[added] == (None, 3)

    # Both hashes in full, selectable, in the hash pair, which shows where they differ; the
    # details do not repeat them (room for the diff at 1280x800, issue 15 §5).
    details = panel.details.toPlainText()
    assert v2.content_hash not in details and v1.content_hash not in details
    assert "c0ffee" * 6 in details and "/up/skills/pdf" in details
    assert panel.hashes.old_label.hash_value == v1.content_hash
    assert panel.hashes.new_label.hash_value == v2.content_hash
    for label in (panel.hashes.old_label, panel.hashes.new_label):
        assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert panel.hashes.common == len(os.path.commonprefix([v1.content_hash, v2.content_hash]))
    assert not panel.banner.isVisible()


def test_selecting_a_binary_file_shows_a_note_not_bytes(qtbot, panel, history):
    _store, (v3, v2, v1) = history
    shown(qtbot, panel, lambda: panel.show_version(v3, v2, all_versions=[v3, v2, v1]))
    assert table_paths(panel) == ["assets/logo.png"]
    assert panel.current_diff.binary
    assert "Binary file" in panel.no_lines.text() and "56 B" in panel.no_lines.text()
    assert panel.no_lines.isVisible() and not panel.diff_view.isVisible()
    assert "PNG" not in panel.diff_view.toPlainText()
    assert "matches v1" in panel.details.toPlainText()


def test_clicking_another_row_shows_its_diff(panel, history, qtbot):
    _store, (v3, v2, v1) = history
    shown(qtbot, panel, lambda: panel.show_version(v2, v1, all_versions=[v3, v2, v1]))
    row = table_paths(panel).index("notes.txt")
    rect = panel.table.visualRect(panel.table.model().index(row, 1))
    shown(qtbot, panel, lambda: qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()))
    assert panel.current_diff.change.path == b"notes.txt"
    assert panel.diff_view.toPlainText().splitlines()[1:] == ["- old notes"]


def test_root_version_says_nothing_to_compare(panel, history):
    _store, (v3, v2, v1) = history
    panel.show_version(v1, None, all_versions=[v3, v2, v1])
    assert panel.banner.isVisible()
    assert "Root version — nothing to compare against" in panel.banner.text()
    assert table_paths(panel) == ["SKILL.md", "notes.txt", "scripts/extract.py"]
    assert {panel.table.model().index(r, 0).data() for r in range(3)} == {"added"}
    assert "root" in panel.details.toPlainText()


def test_legacy_parent_says_its_content_was_never_stored(panel, history):
    _store, (_v3, v2, _v1) = history
    legacy = "9" * 64
    child = version(7, v2.content_hash, parent_hash=legacy)
    panel.show_version(child, None, all_versions=[child])
    text = panel.banner.text()
    assert f"Parent {legacy[:12]} was recorded before tracking began" in text
    assert "never stored" in text
    assert panel.table.model().rowCount() == 3
    assert panel.hashes.old_label.hash_value == legacy


def test_parent_whose_manifest_is_missing_is_explained(panel, history):
    _store, (_v3, v2, _v1) = history
    ghost_parent = version(5, "8" * 64)
    child = version(6, v2.content_hash, ghost_parent)
    panel.show_version(child, ghost_parent, all_versions=[child, ghost_parent])
    # The parent (the artifact's v1 here) is the one whose content is missing, not the child.
    assert "is not in the object store" in panel.banner.text() and "v1" in panel.banner.text()
    assert "fsck --repair" in panel.banner.text()
    assert "v2" not in panel.banner.text()
    assert panel.table.model().rowCount() == 3


def test_compare_with_combo_retargets(panel, history, qtbot):
    _store, (v3, v2, v1) = history
    panel.show_version(v3, v2, all_versions=[v3, v2, v1])
    assert table_paths(panel) == ["assets/logo.png"]
    combo = panel.compare_combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert combo.count() == 3 and labels[0] == "Parent"
    assert any("v2" in label and "(parent)" in label for label in labels)
    index = combo.findData(1)
    assert index > 0
    with qtbot.waitSignal(panel.compareWithRequested) as blocker:
        combo.setCurrentIndex(index)
        combo.activated.emit(index)  # what a user's pick emits
    assert blocker.args == [1]
    assert panel.base.id == 1 and panel.version.id == 3
    assert table_paths(panel) == ["SKILL.md", "assets/logo.png", "notes.txt", "scripts/extract.py"]
    assert panel.hashes.old_label.hash_value == v1.content_hash

    combo.setCurrentIndex(0)
    combo.activated.emit(0)
    assert panel.base.id == 2 and table_paths(panel) == ["assets/logo.png"]


def test_show_pair_compares_any_two_versions(panel, history):
    _store, (v3, v2, v1) = history
    panel.show_version(v2, v1, all_versions=[v3, v2, v1])
    panel.show_pair(v1, v3)
    assert (panel.base.id, panel.version.id) == (1, 3)
    assert panel.compare_combo.currentData() == 1
    assert panel.hashes.new_label.hash_value == v3.content_hash
    assert panel.table.model().rowCount() == 4


def test_sorting_by_status_keeps_the_selected_file(panel, history):
    _store, (v3, v2, v1) = history
    panel.show_version(v2, v1, all_versions=[v3, v2, v1])
    panel.table.selectRow(table_paths(panel).index("notes.txt"))
    panel.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    model = panel.table.model()
    assert [model.index(r, 0).data(CHANGE_ROLE).status for r in range(4)] == sorted(
        ["modified", "added", "removed", "mode_changed"]
    )
    assert model.index(panel.table.currentIndex().row(), 1).data() == "notes.txt"


def test_clear_panel_shows_the_message(panel, history):
    _store, (v3, v2, v1) = history
    panel.show_version(v2, v1, all_versions=[v3, v2, v1])
    panel.clear_panel("Select a version")
    assert panel.banner.text() == "Select a version"
    assert panel.table.model().rowCount() == 0 and panel.diff_view.toPlainText() == ""
    assert not panel.compare_combo.isEnabled()


def test_panel_renders_readably(qtbot, panel, history, tmp_path):
    _store, (v3, v2, v1) = history
    shown(qtbot, panel, lambda: panel.show_version(v2, v1, all_versions=[v3, v2, v1]))
    image = panel.grab().toImage()
    path = tmp_path / "compare.png"
    assert image.save(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20


def test_diff_is_computed_off_the_gui_thread_and_stale_results_are_dropped(qtbot, panel, history, monkeypatch):
    import threading

    from core import diff as core_diff

    _store, (v3, v2, v1) = history
    real = core_diff.file_diff
    gate, started = threading.Event(), threading.Event()

    def slow_for_skill(objects, change, context=3):
        if change.path == b"SKILL.md":  # the first row: hold it until the test moves on
            started.set()
            gate.wait(30)
        return real(objects, change, context)

    monkeypatch.setattr(core_diff, "file_diff", slow_for_skill)
    panel.show_version(v2, v1, all_versions=[v3, v2, v1])
    qtbot.waitUntil(started.is_set, timeout=WAIT)
    assert panel.no_lines.text() == "Computing diff…"  # the GUI thread is free meanwhile
    row = table_paths(panel).index("notes.txt")
    shown(qtbot, panel, lambda: panel.table.selectRow(row))
    assert panel.current_diff.change.path == b"notes.txt"
    dropped = []
    panel.diffShown.connect(dropped.append)
    gate.set()
    qtbot.waitUntil(lambda: not panel.file_pane.busy(), timeout=WAIT)
    assert dropped == []  # SKILL.md's late diff did not replace the one on screen
    assert panel.current_diff.change.path == b"notes.txt"
    assert panel.diff_view.toPlainText().splitlines()[1:] == ["- old notes"]


def test_renamed_files_are_paired_on_a_worker_and_the_table_follows(qtbot, panel, tmp_path, monkeypatch):
    """Pairing a rename by content reads both blobs: never on the GUI thread (issue 15 §6)."""
    import threading

    from core import diff as core_diff

    threads = []
    real = core_diff.find_renames

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(core_diff, "find_renames", recording)
    store = panel.objects
    body = "".join(f"line {i}\n" for i in range(30))
    old = version(1, store_version(store, tree(tmp_path / "a", {"SKILL.md": "# a\n", "notes.md": body})))
    new = version(2, store_version(store, tree(tmp_path / "b", {"SKILL.md": "# a\n",
                                                                "docs/notes.md": body + "one more\n"})), old)
    panel.show_version(new, old, all_versions=[new, old])
    assert sorted(table_paths(panel)) == ["docs/notes.md", "notes.md"]  # at once: added and removed
    qtbot.waitUntil(lambda: table_paths(panel) == ["notes.md → docs/notes.md (98%)"], timeout=WAIT)
    change = panel.model.index(0, 0).data(CHANGE_ROLE)
    assert change.status == "renamed" and change.old_path == b"notes.md"
    assert threads and threading.main_thread() not in threads
    assert panel.table.currentIndex().row() == 0
    qtbot.waitUntil(lambda: panel.current_diff is not None and panel.current_diff.change == change, timeout=WAIT)
    assert "+ one more" in panel.diff_view.toPlainText().splitlines()

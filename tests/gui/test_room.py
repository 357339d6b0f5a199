"""Room to look at 1280×800 (issue 15 §5): the graph gets the space, the legend is one row,
remembered sizes are kept, and a long status message never runs into the counters."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from bench.make_four_lines import record_four_lines
from core.history.lineage_view import MIN_LABEL_PX
from gui.shell.main_window import MainWindow
from tests.gui.helpers import wait_until_shown

LONG = ("Comparing the head with the waiting upstream 1234567890ab; a long message that goes on "
        "and on to see whether it runs under the counters at the right of the status bar ") * 2


def test_a_long_status_message_stops_short_of_the_counters(qtbot, make_window, ws):
    record_four_lines(ws.history, 20)
    window = make_window()
    window.resize(1280, 800)
    bar = window.statusBar()
    bar.showMessage(LONG, 60000)
    qtbot.waitUntil(lambda: bar.currentMessage() == LONG)
    image = bar.grab().toImage()
    counts_x = window.counts_label.geometry().left()
    background = image.pixelColor(counts_x - 2, 1)
    # The columns just left of the counters hold no text: the message was elided before them.
    gap = {image.pixelColor(x, y).name() for x in range(counts_x - 8, counts_x) for y in range(image.height())}
    assert gap == {background.name()}
    assert bar.message_label.shown_text().endswith("…") and bar.message_label.toolTip() == LONG


def test_at_1280x800_the_graph_gets_the_room_and_the_legend_one_row(qtbot, make_window, ws):
    record_four_lines(ws.history, 60)
    window = make_window()
    window.resize(1280, 800)
    window.apply_default_sizes()
    qtbot.waitUntil(lambda: window.graph.height() > 450)
    left, centre, right = window.splitter.sizes()
    assert centre > left and centre > right
    assert window.legend.height() <= 2 * window.fontMetrics().height() + 12
    # The full key (taller than the strip) waits behind the Key button's popover.
    assert window.legend.legend.heightForWidth(560) > window.legend.height()
    assert window.legend.key_button.menu() is window.legend.key_menu
    assert [line for line, _slot in window.legend.chips.lines()] == window.graph.all_lines()
    # Four lines, four colours, each the one its lane header shows.
    slots = dict(window.legend.chips.lines())
    assert len(set(slots.values())) == len(slots) == 4 and slots == window.graph.line_colours()
    # The four lanes beside each other at a readable size: fitted, nothing scrolls sideways.
    graph = window.graph
    graph.zoom_to_fit()
    fit = graph.fit_info()
    assert not fit.scrolls_horizontally and graph.label_px() * fit.scale >= MIN_LABEL_PX - 1e-6
    qtbot.waitUntil(lambda: graph.horizontalScrollBar().maximum() == 0)
    # Labels fit their lane: the day where there is room for it, none after a long origin.
    versions = ws.history.versions(window.browser.artifact_id)
    sync = next(v for v in versions if v.change_origin == "sync" and v.id in graph.graph())
    local = next(v for v in versions if v.change_origin == "local_modification" and v.id in graph.graph())
    sync_detail = graph.node_item(sync.id).label_lines()[2]
    assert sync_detail.startswith(window.compare.label_of(sync.id) + " · sync · 20") and "…" not in sync_detail
    assert graph.node_item(local.id).label_lines()[2].endswith(" · local modification")


def test_a_dock_height_the_person_chose_is_kept(qtbot, ws, qsettings, tmp_path):
    from core.projects import add_project

    record_four_lines(ws.history, 10)
    folder = tmp_path / "site"
    folder.mkdir()
    add_project(ws, "site", folder)

    def open_window() -> MainWindow:
        window = MainWindow(ws, QSettings())
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        wait_until_shown(qtbot, window)
        qtbot.waitUntil(lambda: window.projects.dock.isVisible())
        return window

    first = open_window()
    first.resizeDocks([first.projects.dock], [240], Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: abs(first.projects.dock.height() - 240) < 20)
    first.close()
    second = open_window()
    qtbot.wait(50)
    assert abs(second.projects.dock.height() - 240) < 20
    second.close()


def test_at_1280x800_the_diff_gets_the_compare_panels_room(qtbot, tmp_path):
    """The compare panel's height beside the graph at 1280×800 with the Projects dock open (about
    520 px): a version with the demo's metadata and one changed file left the diff 3 lines; the
    details no longer repeat the hashes (the hash pair shows them) and the table is one row tall."""
    from core.store import ObjectStore
    from gui.compare.panel import ComparePanel
    from tests.gui.test_compare_view import WAIT, store_version, tree, version

    store = ObjectStore(tmp_path / "objects")
    text = "".join(f"line {i}\n" for i in range(40))
    old = version(1, store_version(store, tree(tmp_path / "old", {"SKILL.md": text})))
    new_hash = store_version(store, tree(tmp_path / "new", {"SKILL.md": text.replace("line 20", "line twenty")}))
    meta = {"matches_version": 1, "restored_version": 15, "restored_number": 8, "user": "root", "machine": "vm",
            "member": "9b91c77859cc44e3b3e553eeb546e6d3"}
    shown = version(2, new_hash, old, origin="rollback", metadata=meta)
    panel = ComparePanel(store)
    qtbot.addWidget(panel)
    panel.resize(380, 520)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.diffShown, timeout=WAIT):
        panel.show_version(shown, old, all_versions=[shown, old])
    qtbot.wait(20)  # the layout after the details were filled in
    line = panel.diff_view.fontMetrics().lineSpacing()
    assert panel.model.rowCount() == 1 and panel.diff_view.isVisible()
    assert panel.file_pane.height() >= 8 * line  # the Diff tab's page: 3 lines' room before

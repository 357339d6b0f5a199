"""A version whose file list only the team's store holds is compared on a worker: member B's
window never waits on the database for it (issue 15: the window never freezes).

Runs against the throwaway PostgreSQL server tests/pg_server.py starts (skipped, saying why,
without one). The team's store is made slow on purpose: its `get` waits until the test lets
it go, so a comparison on the GUI thread would hold the click until then.
"""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from core.workspace import Workspace
from tests.gui.helpers import select_artifact, skill
from tests.gui.test_live import cli

HELD_S = 8  # how long the slow store holds a read when the test never lets it go


@pytest.fixture
def ws(data_home, pg_url):
    """Member B's workspace: its own data folder, the team's database."""
    workspace = Workspace.open(str(data_home), db_url=pg_url)
    yield workspace
    workspace.close()


def test_a_file_list_only_the_team_holds_is_read_on_a_worker(qtbot, ws, tmp_path, make_window, pg_url, monkeypatch):
    alice = tmp_path / "alice"
    upstream = skill(tmp_path / "up", "pdf", "# pdf\nfirst text")
    cli("add", "pdf", "--source", str(upstream), home=alice, db=pg_url)
    cli("sync", home=alice, db=pg_url)
    for text in ("added by Alice\n", "edited by Alice\n"):
        (upstream / "notes.md").write_text(text)
        cli("sync", home=alice, db=pg_url)
    window = make_window()
    artifact_id = window.model.artifact_ids()[0]
    select_artifact(qtbot, window, artifact_id)
    panel = window.compare
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5000)  # v3 against v2: notes.md edited
    first = min(v.id for v in window.browser.versions)
    first_hash = next(v.content_hash for v in window.browser.versions if v.id == first)
    assert not ws.objects.answers_here(first_hash)  # v1's file list is only in the team's store

    shared = ws.objects.shared
    real_get = shared.get
    let_go = threading.Event()
    gui_thread = threading.get_ident()
    asked_on: list[int] = []

    def slow_get(kind, names):
        asked_on.append(threading.get_ident())
        let_go.wait(HELD_S)
        return real_get(kind, names)

    monkeypatch.setattr(shared, "get", slow_get)
    graph = window.graph
    graph.centerOn(graph.node_pos(first))
    qtbot.mouseClick(graph.viewport(), Qt.MouseButton.LeftButton, pos=graph.mapFromScene(graph.node_pos(first)))
    assert not let_go.is_set()
    qtbot.waitUntil(lambda: panel.version is not None and panel.version.id == first, timeout=2000)
    assert panel.summary.text() == "Reading the file lists from the team's store…"
    assert panel.model.rowCount() == 0
    let_go.set()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5000)
    assert [c.display_path for c in panel.changes] == ["SKILL.md"]  # v1 is a root: its file listed as added
    assert asked_on and gui_thread not in asked_on

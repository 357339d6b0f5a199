"""The window with many artifacts or a long history: what it loads, and where.

Counts queries and checks which thread does the work; never times anything.
"""
from __future__ import annotations

import hashlib
import threading

from core.history import History
from gui.graph.loader import LineageLoader
from gui.workers import WorkerPool
from tests.gui.helpers import WAIT, add_skills, select_artifact, wait_until_shown


def h(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def lengthen(ws, artifact_id: int, n: int) -> None:
    for i in range(n):
        ws.history.record_version(artifact_id, h(f"{artifact_id}-{i}"), "sync")


def test_window_opens_on_the_longest_history_without_reading_every_history(qtbot, make_window, ws, tmp_path,
                                                                            monkeypatch):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta", "gamma", "delta"])
    lengthen(ws, ids["gamma"], 5)
    read: list[tuple[int, str]] = []
    versions = History.versions

    def spy(self, artifact_id):
        read.append((artifact_id, threading.current_thread().name))
        return versions(self, artifact_id)

    monkeypatch.setattr(History, "versions", spy)
    window = make_window()
    assert window._current_artifact == ids["gamma"]
    assert len(window._versions) == 6
    # One history read, the one shown, and on a worker (the counts came from one query).
    assert [artifact_id for artifact_id, _ in read] == [ids["gamma"]]
    assert read[0][1] != threading.main_thread().name


def test_loader_delivers_only_the_newest_request(qtbot, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta"])
    lengthen(ws, ids["alpha"], 300)
    pool = WorkerPool()
    loader = LineageLoader(ws.history, pool)
    dropped = []
    loader.dropped.connect(dropped.append)
    with qtbot.waitSignal(loader.loaded, timeout=WAIT) as blocker:
        loader.request(ids["alpha"])
        loader.request(ids["beta"])  # the user moved on before alpha was planned
    reply = blocker.args[0]
    assert reply.artifact_id == ids["beta"] and reply.plan is not None and reply.error is None
    qtbot.waitUntil(lambda: len(dropped) == 1, timeout=WAIT)
    assert dropped[0].artifact_id == ids["alpha"]
    pool.wait_all()


def test_moving_on_while_a_long_history_loads_shows_the_last_choice(qtbot, make_window, ws, tmp_path):
    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta", "gamma"])
    lengthen(ws, ids["alpha"], 400)
    window = make_window()
    assert window._current_artifact == ids["alpha"]
    window.select_artifact(ids["beta"])
    window.select_artifact(ids["alpha"])
    window.select_artifact(ids["gamma"])
    wait_until_shown(qtbot, window)
    assert window.browser.artifact_id == ids["gamma"]
    assert window.graph.node_count() == 1
    assert window.artifact_header.title.text() == "gamma"
    assert "1 version ·" in window.artifact_header.subtitle.text()
    select_artifact(qtbot, window, ids["alpha"])
    assert len(window.browser.versions) == 401
    assert window.graph.node_count() < 401  # a straight run past a screenful is drawn folded
    assert "401 versions" in window.artifact_header.subtitle.text()


def test_a_history_that_cannot_be_read_is_said_in_the_graph(qtbot, make_window, ws, tmp_path, monkeypatch):
    from core.errors import DatabaseError

    ids = add_skills(ws, tmp_path / "up", ["alpha", "beta"])
    window = make_window()

    def broken(self, artifact_id):
        raise DatabaseError("The database is locked by another program; close it and try again.")

    monkeypatch.setattr(History, "versions", broken)
    other = ids["beta"] if window._current_artifact == ids["alpha"] else ids["alpha"]
    select_artifact(qtbot, window, other)
    assert window.graph.node_count() == 0
    assert "locked by another program" in window.compare.banner.text()

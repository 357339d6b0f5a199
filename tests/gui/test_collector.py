"""Cycles holding Qt objects are collected on the GUI thread, never on a worker thread
(gui/shell/collector.py): deleting a QObject there can deadlock the window."""
from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from gui.shell.collector import GuiThreadCollector


def test_a_cycle_dropped_while_a_worker_allocates_is_collected_on_the_gui_thread(qapp):
    gc.enable()  # as CPython starts (the gui conftest's own collector turned it off)
    collector = GuiThreadCollector()
    try:
        threads: list[str] = []
        holder = QObject()
        holder.itself = holder  # a cycle: only the cyclic collector frees it
        weakref.finalize(holder, lambda: threads.append(threading.current_thread().name))
        del holder

        def allocate() -> None:  # what a busy worker does: enough to set off CPython's collector
            junk = [[] for _ in range(gc.get_threshold()[0] * 4)]
            del junk

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join()
        assert threads == []  # the worker did not collect it
        due = [[] for _ in range(gc.get_threshold()[0] * 2)]  # allocations that make a collection due
        assert collector.collect() >= 1
        del due
        assert threads == [threading.main_thread().name]
    finally:
        collector.stop()
        gc.disable()  # the conftest's collector gives it back at the end of the test


def test_stop_gives_automatic_collection_back(qapp):
    gc.enable()
    collector = GuiThreadCollector()
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()
    gc.disable()


def test_a_full_collection_runs_at_most_once_a_minute(qapp, monkeypatch):
    import gui.shell.collector as collector_module

    now = [1000.0]
    monkeypatch.setattr(collector_module.time, "monotonic", lambda: now[0])
    collector = GuiThreadCollector()
    try:
        ran: list[int] = []
        monkeypatch.setattr(gc, "get_count", lambda: (10_000, 100, 100))  # every generation due
        monkeypatch.setattr(gc, "collect", lambda generation=2: ran.append(generation) or 0)
        collector.collect()
        assert ran == [1]  # the collector was made just now: no full collection yet
        now[0] += collector_module.FULL_EVERY_S
        collector.collect()
        collector.collect()
        assert ran == [1, 2, 1]  # one full collection, then the young generations again
    finally:
        monkeypatch.undo()
        collector.stop()
        gc.disable()  # the conftest's collector gives it back at the end of the test

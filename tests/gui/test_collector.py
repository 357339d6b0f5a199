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

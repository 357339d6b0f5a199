"""One table of shortcuts (gui/hotkeys.py): the actions use it, tooltips name its keys,
docs/gui.md lists it."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from gui import hotkeys
from gui.shell.main_toolbar import MainToolBar
from gui.sync.controller import SYNC_IDLE_TIP

DOCS = Path(__file__).resolve().parents[2] / "docs" / "gui.md"


def docs_table() -> list[tuple[str, str, str]]:
    section = DOCS.read_text(encoding="utf-8").split("## Shortcuts", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \| (.+?) \|$", section, re.M)
    return [r for r in rows if r[0] not in ("keys", "---")]


def test_docs_list_every_hotkey_and_gesture_and_nothing_else(qapp):
    wanted = [(k.sequence().toString(QKeySequence.SequenceFormat.PortableText), k.where, k.does)
              for k in hotkeys.ALL]
    wanted += [(g.text, g.where, g.does) for g in hotkeys.GESTURES]
    assert docs_table() == wanted


def test_every_hotkey_is_named_once(qapp):
    keys = [k.sequence().toString() for k in hotkeys.ALL]
    assert len(keys) == len(set(keys)) and all(keys)


def test_toolbar_actions_take_their_keys_and_tooltips_from_the_table(qtbot):
    bar = MainToolBar()
    qtbot.addWidget(bar)
    for action, key in ((bar.sync_action, hotkeys.SYNC), (bar.add_action, hotkeys.ADD),
                        (bar.fit_action, hotkeys.FIT), (bar.find_action, hotkeys.FIND)):
        assert action.shortcut() == key.sequence()
    for action, key in ((bar.add_action, hotkeys.ADD), (bar.fit_action, hotkeys.FIT)):
        assert action.toolTip().endswith(f"({key.text()})")
    assert bar.sync_action.toolTip() == SYNC_IDLE_TIP and SYNC_IDLE_TIP.endswith(f"({hotkeys.SYNC.text()})")
    assert bar.find_edit.placeholderText().endswith(f"({hotkeys.FIND.text()})")


def test_the_shortcuts_dialog_lists_the_graph_keys_from_the_table(qapp):
    from gui.shell.shortcuts_dialog import graph_rows

    rows = dict(graph_rows())
    assert rows["Graph: " + hotkeys.GRAPH_PARENT.does] == hotkeys.GRAPH_PARENT.text()
    assert rows["Graph: " + hotkeys.COMPARE_CLICK.does] == hotkeys.COMPARE_CLICK.text
    assert len(rows) == len(hotkeys.GRAPH_KEYS) + len(hotkeys.GESTURES)


def test_graph_keys_match_with_or_without_the_keypad_flag(qapp):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    plain = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier)
    keypad = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down, Qt.KeyboardModifier.KeypadModifier)
    shifted = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert hotkeys.GRAPH_PARENT.matches(plain) and hotkeys.GRAPH_PARENT.matches(keypad)
    assert not hotkeys.GRAPH_PARENT.matches(shifted)
    assert not hotkeys.GRAPH_CHILD.matches(plain)

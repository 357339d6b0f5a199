"""Every keyboard shortcut of the window, named once.

The toolbar's actions, the window and the graph take their keys from this table;
tooltips and placeholders that mention a key are built from it (`tip`), so a key
changed here changes everywhere it is shown. The graph's mouse gestures are named
here too (`Gesture`), so the legend and the docs say the same. docs/gui.md lists the
same rows (a test keeps the two in step).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence


@dataclass(frozen=True)
class Hotkey:
    """One shortcut: its keys, what it does, and where it works."""

    keys: str | QKeySequence.StandardKey  # portable text ("F5", "Ctrl+0") or the platform's standard key
    does: str  # what pressing it does, in the words of the docs table
    where: str = "window"  # "window" (anywhere in it) or "graph" (while the graph has the focus)

    def sequence(self) -> QKeySequence:
        return QKeySequence(self.keys)

    def text(self) -> str:
        """The keys as this platform writes them ("Ctrl+N", "⌘N")."""
        return self.sequence().toString(QKeySequence.SequenceFormat.NativeText)

    def apply(self, action: QAction) -> None:
        """Give `action` these keys (every platform binding of a standard key)."""
        if isinstance(self.keys, QKeySequence.StandardKey):
            action.setShortcuts(self.keys)
        else:
            action.setShortcut(self.sequence())

    def matches(self, event: QKeyEvent) -> bool:
        """Whether a key press is this hotkey (arrows from the keypad count too)."""
        combo = event.keyCombination()
        modifiers = combo.keyboardModifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return QKeySequence(QKeyCombination(modifiers, combo.key())) == self.sequence()


SYNC = Hotkey("F5", "Sync now")
ADD = Hotkey(QKeySequence.StandardKey.New, "Add artifact…")
FIT = Hotkey("Ctrl+0", "Zoom the graph to fit")
FIND = Hotkey(QKeySequence.StandardKey.Find,
              "Jump to the find field: type a query (hash prefix, words, origin:, line:, since:, until:, file:, text:); "
              "matches stay lit, Enter selects the next")
FIND_NEXT = Hotkey("F3", "Select the next match of the find field's query (older)")
FIND_PREVIOUS = Hotkey("Shift+F3", "Select the previous match of the find field's query (newer)")

GRAPH_CHILD = Hotkey("Up", "Select the first child (newer, above; the one continuing the lane first)", "graph")
GRAPH_PARENT = Hotkey("Down", "Select the parent (older, below)", "graph")
GRAPH_LEFT = Hotkey("Left", "Select the neighbour on the left in the same generation", "graph")
GRAPH_RIGHT = Hotkey("Right", "Select the neighbour on the right in the same generation", "graph")
GRAPH_HEAD = Hotkey("Home", "Select the head", "graph")

SYNC_ONE = Hotkey("Shift+F5", "Sync the selected artifact only")
EDIT_UPSTREAM = Hotkey("Ctrl+E", "Edit upstream… of the selected artifact")
REMOVE = Hotkey("Ctrl+Delete", "Remove… the selected artifact")
WRAP_DIFF = Hotkey("Alt+Z", "Wrap long diff lines on or off")
SHORTCUTS = Hotkey("F1", "Keyboard shortcuts")
QUIT = Hotkey("Ctrl+Q", "Quit")

WINDOW_KEYS: tuple[Hotkey, ...] = (SYNC, ADD, FIT, FIND, FIND_NEXT, FIND_PREVIOUS, SYNC_ONE, EDIT_UPSTREAM, REMOVE, WRAP_DIFF, SHORTCUTS, QUIT)
GRAPH_KEYS: tuple[Hotkey, ...] = (GRAPH_CHILD, GRAPH_PARENT, GRAPH_LEFT, GRAPH_RIGHT, GRAPH_HEAD)
ALL: tuple[Hotkey, ...] = WINDOW_KEYS + GRAPH_KEYS


@dataclass(frozen=True)
class Gesture:
    """A mouse gesture of the graph: how people write it, and what it does."""

    text: str  # "Ctrl+click"
    does: str
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    where: str = "graph"


COMPARE_CLICK = Gesture("Ctrl+click", "Compare the selected version with the clicked one",
                        Qt.KeyboardModifier.ControlModifier)
ZOOM_WHEEL = Gesture("wheel", "Zoom around the cursor")
PAN_DRAG = Gesture("drag", "Pan the graph")
GESTURES: tuple[Gesture, ...] = (COMPARE_CLICK, ZOOM_WHEEL, PAN_DRAG)


def tip(text: str, hotkey: Hotkey) -> str:
    """A tooltip or placeholder that names its key: "Sync every artifact… (F5)"."""
    return f"{text} ({hotkey.text()})"

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
GRAPH_HEAD = Hotkey("Home", "Select the head of the selection's line (again: the artifact's head)", "graph")
GRAPH_FIRST_PARENT = Hotkey("Alt+Down", "Walk to the first parent (the version this one started from)", "graph")
GRAPH_SECOND_PARENT = Hotkey("Alt+Shift+Down", "Walk to the second parent (merge, push or redeploy source)", "graph")
GRAPH_WALK_CHILD = Hotkey("Alt+Up", "Walk to the child (the one on the same line; a chooser where several)", "graph")
GRAPH_ROOT = Hotkey("End", "Select the root (the oldest first-parent ancestor)", "graph")
GRAPH_LANE_LEFT = Hotkey("Ctrl+Left", "Select the version of the lane on the left nearest in time", "graph")
GRAPH_LANE_RIGHT = Hotkey("Ctrl+Right", "Select the version of the lane on the right nearest in time", "graph")
GRAPH_HIGHLIGHT = Hotkey("Ctrl+H", "Highlight the selection's ancestors and descendants on or off", "graph")

SYNC_ONE = Hotkey("Shift+F5", "Sync the selected artifact only")
EDIT_UPSTREAM = Hotkey("Ctrl+E", "Edit upstream… of the selected artifact")
REMOVE = Hotkey("Ctrl+Delete", "Remove… the selected artifact")
DEPLOY_TO = Hotkey("Ctrl+Shift+D", "Deploy to ▸: deploy the selected artifact into a project")
PUSH_FROM = Hotkey("Ctrl+Shift+P", "Push from ▸: bring a project's copy back into the collection")
RESTORE = Hotkey("Ctrl+Shift+R", "Restore ▸: restore the selected version into the collection or a project")
MERGE = Hotkey("Ctrl+M", "Merge…: open the selected artifact's waiting merge")
ADD_PROJECT = Hotkey("Ctrl+Shift+N", "Add project…")
REMOVE_PROJECT = Hotkey("Ctrl+Shift+Del", "Remove project ▸")
UPDATE_OUTDATED = Hotkey("Ctrl+U", "Update outdated projects")
SHOW_PROJECTS = Hotkey("Ctrl+J", "Show or hide the Projects panel")
WRAP_DIFF = Hotkey("Alt+Z", "Wrap long diff lines on or off")
SHORTCUTS = Hotkey("F1", "Keyboard shortcuts")
DOCS = Hotkey("Shift+F1", "Open the documentation")
ABOUT = Hotkey("Ctrl+F1", "About Artifact Lineage (its version)")
QUIT = Hotkey("Ctrl+Q", "Quit")

WINDOW_KEYS: tuple[Hotkey, ...] = (
    SYNC, ADD, FIT, FIND, FIND_NEXT, FIND_PREVIOUS, SYNC_ONE, EDIT_UPSTREAM, REMOVE, DEPLOY_TO, PUSH_FROM, RESTORE,
    MERGE, ADD_PROJECT, REMOVE_PROJECT, UPDATE_OUTDATED, SHOW_PROJECTS, WRAP_DIFF, SHORTCUTS, DOCS, ABOUT, QUIT,
)
GRAPH_KEYS: tuple[Hotkey, ...] = (
    GRAPH_CHILD, GRAPH_PARENT, GRAPH_LEFT, GRAPH_RIGHT, GRAPH_HEAD, GRAPH_FIRST_PARENT, GRAPH_SECOND_PARENT,
    GRAPH_WALK_CHILD, GRAPH_ROOT, GRAPH_LANE_LEFT, GRAPH_LANE_RIGHT, GRAPH_HIGHLIGHT,
)
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
UNFOLD_CLICK = Gesture("click N versions", "Unfold a folded run in place")
EDGE_HOVER = Gesture("hover an edge", "Highlight the edge and its two ends")
GESTURES: tuple[Gesture, ...] = (COMPARE_CLICK, ZOOM_WHEEL, PAN_DRAG, UNFOLD_CLICK, EDGE_HOVER)


def tip(text: str, hotkey: Hotkey) -> str:
    """A tooltip or placeholder that names its key: "Sync every artifact… (F5)"."""
    return f"{text} ({hotkey.text()})"

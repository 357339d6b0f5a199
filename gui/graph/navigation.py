"""Where a graph key moves the selection: the keys of `gui.hotkeys`, the rules of core.

Each key is answered by `core.history.lineage_walk` (parents, children with the same
line first, the line's head, the root, the neighbouring lane's version nearest in
time) or by the plan's rows (the screen neighbours of the arrow keys). `targets`
returns the candidates: none (nothing there), one (go), or several (Alt+Up where a
version has several children: the view offers a chooser, `child_menu`, the same line's
child first).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QWidget

from gui import hotkeys
from gui.graph.items import NodeKey
from gui.graph.scene import ScenePlan
from gui.hotkeys import Hotkey


def targets(plan: ScenePlan, key: NodeKey | None, move: Hotkey) -> list[NodeKey]:
    """The versions `move` may go to from `key` (None: nothing selected yet)."""
    from core.history import lineage_walk as walk  # loaded with the plan, on the loader's worker

    graph = plan.graph
    if move is hotkeys.GRAPH_HEAD or key is None:
        head = walk.head_of_line(graph, key)
        if key is not None and head == key:
            head = walk.head_of_line(graph)  # Home again: the artifact's head
        return [head] if head is not None else []
    if move is hotkeys.GRAPH_ROOT:
        root = walk.root_of(graph, key)
        return [root] if root is not None and root != key else []
    if move in (hotkeys.GRAPH_PARENT, hotkeys.GRAPH_FIRST_PARENT):
        return _some(walk.first_parent(graph, key))
    if move is hotkeys.GRAPH_SECOND_PARENT:
        return _some(walk.second_parent(graph, key))
    if move in (hotkeys.GRAPH_CHILD, hotkeys.GRAPH_WALK_CHILD):
        # The child continuing this lane (the line the eye follows) first, then core's order.
        lane = plan.lane_row[key][0]
        kids = sorted(walk.children(graph, key), key=lambda k: plan.lane_row[k][0] != lane)
        return kids[:1] if move is hotkeys.GRAPH_CHILD else kids
    if move in (hotkeys.GRAPH_LANE_LEFT, hotkeys.GRAPH_LANE_RIGHT):
        step = -1 if move is hotkeys.GRAPH_LANE_LEFT else 1
        return _some(walk.nearest_in_lane(graph, plan.lane_row, key, step))
    if move in (hotkeys.GRAPH_LEFT, hotkeys.GRAPH_RIGHT):
        row = plan.row_members[plan.lane_row[key][1]]
        i = row.index(key) + (1 if move is hotkeys.GRAPH_RIGHT else -1)
        return [row[i]] if 0 <= i < len(row) else []
    return []


def _some(node: NodeKey | None) -> list[NodeKey]:
    return [node] if node is not None else []


def child_menu(parent: QWidget, plan: ScenePlan, children: list[NodeKey],
               walk: Callable[[NodeKey], None]) -> QMenu:
    """Alt+Up's chooser where a version has several children: one entry each (the same line's
    first, already active, so Enter takes it); choosing one calls `walk` with it."""
    from gui.graph.items import node_origin_text, version_label

    menu = QMenu(parent)
    menu.setObjectName("childChooser")
    first = None
    for key in children:
        d = plan.graph.nodes[key]
        if d.get("folded"):
            text = f"{d['count']} versions (folded) · {d.get('line')}"
        else:
            text = f"{version_label(d)} · {node_origin_text(d)} · {d.get('line')}"
        action = menu.addAction(text)
        action.triggered.connect(lambda _=False, k=key: walk(k))
        first = first or action
    menu.setActiveAction(first)
    return menu


def towards_parent(move: Hotkey) -> bool:
    """Whether `move` goes down the history (a folded run is then entered at its newest)."""
    return move in (hotkeys.GRAPH_PARENT, hotkeys.GRAPH_FIRST_PARENT, hotkeys.GRAPH_SECOND_PARENT, hotkeys.GRAPH_ROOT)

"""Walking a lineage graph by keyboard, and a version's ancestry (no Qt).

The rules a view follows when a person presses a walk key or selects a version,
decided here so they are the same in every view and tested without a window:

- `first_parent` / `second_parent`: the version a node's content started from, and
  the one it came from on another line (a redeploy's collection version, a push's
  project version, a merge's other side).
- `children`: newer versions made from a node, the one on its own line first (then the
  first-parent children, then by age), so "the child" is the line the eye follows and
  a chooser lists the rest after it.
- `head_of_line` / `root_of`: the newest version of a node's line, and the oldest
  version reached by following first parents.
- `nearest_in_lane`: the version of the neighbouring lane (left or right) nearest in
  time to a node: the lane a person looks at beside the selection.
- `ancestry`: every ancestor and descendant of a node (both kinds of edge), what a view
  keeps lit while the rest is dimmed.

A graph is `core.history.lineage.build_graph`'s (possibly folded and hidden by
`core.history.lineage_view`); positions are `line_layout(...).positions` (lane, row).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

import networkx as nx

from core.history.lineage import Node, first_parent, line_of

__all__ = [
    "Ancestry", "ancestry", "first_parent", "second_parent", "children", "head_of_line", "root_of",
    "nearest_in_lane", "time_of",
]

Positions = Mapping[Node, tuple[float, float]]


def second_parent(graph: nx.DiGraph, node: Node) -> Node | None:
    """The parent joined by a `second` edge (a merge, push or redeploy), or None."""
    for p in graph.predecessors(node):
        if graph.edges[p, node].get("kind") == "second":
            return p
    return None


def time_of(graph: nx.DiGraph, node: Node) -> float | None:
    """A node's time as a POSIX stamp (a folded run: its oldest member's), None for a ghost."""
    created = graph.nodes[node].get("created_at")
    return created.timestamp() if isinstance(created, datetime) else None


def _age_key(graph: nx.DiGraph, node: Node) -> tuple:
    stamp = time_of(graph, node)
    return (float("-inf") if stamp is None else stamp, str(node))


def children(graph: nx.DiGraph, node: Node) -> list[Node]:
    """Newer versions made from `node`: its own line's first-parent child first, then the
    other first-parent children, then second-parent children; oldest first within each."""
    line = line_of(graph, node)

    def rank(child: Node) -> tuple:
        kind = graph.edges[node, child].get("kind")
        return (line_of(graph, child) != line, kind == "second", *_age_key(graph, child))

    return sorted(graph.successors(node), key=rank)


def head_of_line(graph: nx.DiGraph, node: Node | None = None) -> Node | None:
    """The graph's head (`is_head`) when `node` is None or on the head's line; else the
    newest version of `node`'s line (a waiting or folded node is never a head)."""
    head = next((n for n, d in graph.nodes(data=True) if d.get("is_head")), None)
    if node is None or (head is not None and line_of(graph, head) == line_of(graph, node)):
        return head
    line = line_of(graph, node)
    members = [n for n, d in graph.nodes(data=True)
               if line_of(graph, n) == line and not d.get("ghost") and not d.get("folded")]
    return max(members, key=lambda n: _age_key(graph, n), default=head)


def root_of(graph: nx.DiGraph, node: Node | None) -> Node | None:
    """The oldest version reached from `node` by first parents (its lineage's root);
    with no node, the graph's oldest root."""
    if node is None:
        roots = [n for n in graph.nodes if graph.in_degree(n) == 0]
        return min(roots, key=lambda n: _age_key(graph, n), default=None)
    seen = {node}
    while True:
        parent = first_parent(graph, node)
        if parent is None or parent in seen:
            return node
        seen.add(parent)
        node = parent


def nearest_in_lane(graph: nx.DiGraph, positions: Positions, node: Node, step: int) -> Node | None:
    """The version of the nearest lane to the left (`step` -1) or right (+1) that has any
    node, nearest in time to `node` (ties: the nearer row, then the older); None at the edge.
    Nodes without a time (ghosts) are compared by row."""
    lane, row = positions[node]
    lanes: dict[float, list[Node]] = {}
    for n, (x, _y) in positions.items():
        if (x - lane) * step > 0:
            lanes.setdefault(x, []).append(n)
    if not lanes:
        return None
    target_lane = min(lanes, key=lambda x: abs(x - lane))
    stamp = time_of(graph, node)

    def distance(n: Node) -> tuple:
        other = time_of(graph, n)
        gap_rows = abs(positions[n][1] - row)
        if stamp is None or other is None:
            return (1, gap_rows, gap_rows, str(n))
        return (0, abs(other - stamp), gap_rows, str(n))

    return min(lanes[target_lane], key=distance)


@dataclass(frozen=True)
class Ancestry:
    """What selecting `node` lights: itself, every ancestor and every descendant."""

    node: Node
    ancestors: frozenset
    descendants: frozenset

    @property
    def lit(self) -> frozenset:
        return self.ancestors | self.descendants | {self.node}

    def edge_lit(self, parent: Node, child: Node) -> bool:
        """An edge on a path through the node: both ends among the ancestors (and the
        node), or both among the descendants (and the node). O(1)."""
        node = self.node
        return ((parent in self.ancestors or parent == node) and (child in self.ancestors or child == node)) or (
            (parent in self.descendants or parent == node) and (child in self.descendants or child == node))


def ancestry(graph: nx.DiGraph, node: Node) -> Ancestry:
    """Ancestors and descendants of `node` over both kinds of edge. O(n + e)."""
    return Ancestry(node, frozenset(nx.ancestors(graph, node)), frozenset(nx.descendants(graph, node)))

"""Where the edges between lanes run, and what a long history's scroll bar marks (no Qt).

An edge between two lanes leaves its lane in the gap between two rows, runs across to
the other lane and continues there: just above the parent for a first parent (a branch,
a first deployment), just below the child for a second parent (a redeploy, a push, a
merge). Several such edges in one gap would share one horizontal line, and nobody could
tell which goes where, so `edge_tracks` gives each one its own **track** in its gap:
interval colouring of the edges' horizontal spans (sorted by left end, each takes the
lowest track whose last span ended strictly left of it: edges that only touch at a lane
still get different tracks). O(e log e).

`landmarks` lists the nodes worth a mark beside a long history (heads of every line,
merges, the waiting upstream state), for a minimap or scroll-bar markers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import networkx as nx

from core.history.lineage import Node
from core.history.models import COLLECTION_LINE

__all__ = ["EdgeTrack", "edge_gap", "edge_tracks", "Landmark", "landmarks"]

Positions = Mapping[Node, tuple[float, float]]


@dataclass(frozen=True)
class EdgeTrack:
    """An edge's crossing: in the gap above row `gap` (between rows gap and gap + 1), on
    track `track` of the gap's `tracks` (0 = nearest the older row), from lane `low` to `high`."""

    gap: int
    track: int
    tracks: int
    low: int
    high: int


def edge_gap(kind: str | None, parent_row: int, child_row: int) -> int:
    """The gap an edge crosses lanes in: above its parent, or (second parent) below its child."""
    return child_row - 1 if kind == "second" else parent_row


def edge_tracks(graph: nx.DiGraph, positions: Positions) -> dict[tuple[Node, Node], EdgeTrack]:
    """A track for every edge whose two ends are in different lanes (see the module docstring)."""
    by_gap: dict[int, list[tuple[int, int, tuple[Node, Node]]]] = {}
    for u, v, kind in graph.edges(data="kind"):
        (lu, ru), (lv, rv) = positions[u], positions[v]
        if lu == lv:
            continue
        gap = edge_gap(kind, int(ru), int(rv))
        by_gap.setdefault(gap, []).append((int(min(lu, lv)), int(max(lu, lv)), (u, v)))
    out: dict[tuple[Node, Node], EdgeTrack] = {}
    for gap, spans in by_gap.items():
        spans.sort(key=lambda s: (s[0], s[1], str(s[2])))
        ends: list[int] = []  # the right end of the last span on each track
        placed: list[tuple[int, int, int, tuple[Node, Node]]] = []
        for low, high, edge in spans:
            track = next((t for t, end in enumerate(ends) if end < low), None)
            if track is None:
                track = len(ends)
                ends.append(high)
            else:
                ends[track] = high
            placed.append((track, low, high, edge))
        for track, low, high, edge in placed:
            out[edge] = EdgeTrack(gap, track, len(ends), low, high)
    return out


@dataclass(frozen=True)
class Landmark:
    node: Node
    kind: str  # "head", "merge" or "waiting"


def landmarks(graph: nx.DiGraph) -> list[Landmark]:
    """Heads (the graph's and every line's newest version, as `head_of_line`), merges and
    the waiting upstream state. One pass over the nodes."""
    out: list[Landmark] = []
    newest: dict[str, tuple[tuple, Node]] = {}
    head = None
    for n, d in graph.nodes(data=True):
        if d.get("waiting"):
            out.append(Landmark(n, "waiting"))
        elif d.get("origin") == "merge":
            out.append(Landmark(n, "merge"))
        if d.get("is_head"):
            head = n
        if not d.get("ghost") and not d.get("folded"):
            created = d.get("created_at")
            key = (float("-inf") if created is None else created.timestamp(), str(n))
            line = d.get("line") or COLLECTION_LINE
            if line not in newest or key > newest[line][0]:
                newest[line] = (key, n)
    heads = {n for _key, n in newest.values()}
    if head is not None:
        head_line = graph.nodes[head].get("line") or COLLECTION_LINE
        heads.discard(newest.get(head_line, (None, None))[1])
        heads.add(head)
    out.extend(Landmark(n, "head") for n in sorted(heads, key=str))
    return out

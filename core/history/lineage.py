"""The lineage graph of one artifact and its layered layout.

`build_graph` turns an artifact's versions into a networkx DiGraph (parent → child),
with a dashed "ghost" node for a legacy parent whose content was never stored.
`layered_layout` gives every node a (lane, row) position the way a git history view
does: row = generation (longest path from a root, so every child sits on a later row
than each of its parents), lane = column, where a first child continues its parent's
lane, branches open a new lane and lanes are reused once free. It is O(n log n) and
never calls spring_layout (quadratic, and it folds a long chain into a ball).

Coordinates are abstract: x is the lane index (0, 1, 2…), y the row index (0 for the
oldest generation, growing towards newer versions). The GUI decides where "newer" is
drawn on screen (it draws the newest row at the top).
"""
from __future__ import annotations

import heapq
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Hashable, Iterable

import networkx as nx

from core.history.versions import VersionInfo

GHOST_PREFIX = "legacy:"
GHOST_ORIGIN = "legacy"

Node = Hashable


def ghost_key(content_hash: str) -> str:
    """The node key of a legacy parent whose content was never stored."""
    return f"{GHOST_PREFIX}{content_hash}"


def head_of(versions: Iterable[VersionInfo]) -> VersionInfo | None:
    """The newest version, or None. Like `History.head`: the highest id (ids follow the
    order versions were recorded in; created_at may be supplied and is not trusted here)."""
    return max(versions, key=lambda v: v.id, default=None)


def build_graph(versions: list[VersionInfo], head_id: int | None = None) -> nx.DiGraph:
    """A DiGraph of `versions`: node key = version id, edges parent → child.

    Edge attribute `kind` is "first" (parent_id), "second" (second_parent_id of a merge)
    or "legacy" (from a ghost node). `head_id` defaults to `head_of(versions)`. A parent id
    that is not among `versions` (a partial list) gets no edge.
    """
    if head_id is None:
        head = head_of(versions)
        head_id = head.id if head is not None else None
    graph = nx.DiGraph()
    for v in versions:
        meta = dict(v.metadata or {})
        graph.add_node(
            v.id,
            version_id=v.id,
            content_hash=v.content_hash,
            parent_hash=v.parent_hash,
            origin=v.change_origin,
            created_at=v.created_at,
            metadata=meta,
            is_head=v.id == head_id,
            matches_version=meta.get("matches_version"),
            ghost=False,
        )
    for v in versions:
        if v.parent_id is not None:
            if v.parent_id in graph:
                graph.add_edge(v.parent_id, v.id, kind="first")
        elif v.parent_hash:
            key = ghost_key(v.parent_hash)
            if key not in graph:
                graph.add_node(
                    key,
                    version_id=None,
                    content_hash=v.parent_hash,
                    parent_hash=None,
                    origin=GHOST_ORIGIN,
                    created_at=None,
                    metadata={},
                    is_head=False,
                    matches_version=None,
                    ghost=True,
                )
            graph.add_edge(key, v.id, kind="legacy")
        if v.second_parent_id is not None and v.second_parent_id in graph:
            graph.add_edge(v.second_parent_id, v.id, kind="second")
    return graph


def first_parent(graph: nx.DiGraph, node: Node) -> Node | None:
    """The parent whose lane a node may continue (its parent_id, or its ghost)."""
    second = None
    for p in graph.predecessors(node):
        if graph.edges[p, node].get("kind") != "second":
            return p
        second = p
    return second  # only a second parent in the list (its first parent is missing)


def _order_key(graph: nx.DiGraph, node: Node) -> tuple:
    """Oldest first; ghosts (no time) before everything; ties by id."""
    data = graph.nodes[node]
    created = data.get("created_at")
    stamp = created.timestamp() if isinstance(created, datetime) else float("-inf")
    vid = data.get("version_id")
    return (stamp, vid if isinstance(vid, int) else -1, str(node))


def generations(graph: nx.DiGraph) -> dict[Node, int]:
    """Row of every node: the length of the longest path from a root (Kahn's order)."""
    rows: dict[Node, int] = {}
    for depth, layer in enumerate(nx.topological_generations(graph)):
        for node in layer:
            rows[node] = depth
    return rows


def layered_layout(graph: nx.DiGraph) -> dict[Node, tuple[float, float]]:
    """(lane, row) for every node; see the module docstring. Raises on a cycle."""
    if graph.number_of_nodes() == 0:
        return {}
    rows = generations(graph)
    fp = {n: first_parent(graph, n) for n in graph.nodes}
    order = {n: _order_key(graph, n) for n in graph.nodes}

    # The head's first-parent ancestry is the main line: it continues lanes first,
    # so the history that matters most is one straight line.
    main_line: set[Node] = set()
    head = next((n for n, d in graph.nodes(data=True) if d.get("is_head")), None)
    while head is not None and head not in main_line:
        main_line.add(head)
        head = fp[head]

    # Chains: a node continues its first parent's chain when it is that parent's chosen
    # child (the main-line child, else the oldest child whose first parent it is).
    chain_of: dict[Node, int] = {}
    chains: list[list[Node]] = []
    ordered = sorted(graph.nodes, key=lambda n: (rows[n], order[n]))
    taken: set[Node] = set()  # parents whose lane has already been continued
    continuing: dict[Node, Node] = {}
    for node in ordered:
        kids = [c for c in graph.successors(node) if fp[c] == node]
        if kids:
            on_main = [c for c in kids if c in main_line]
            continuing[node] = on_main[0] if on_main else min(kids, key=order.__getitem__)
    for node in ordered:
        parent = fp[node]
        if parent is not None and parent not in taken and continuing.get(parent) == node:
            taken.add(parent)
            cid = chain_of[parent]
            chains[cid].append(node)
        else:
            cid = len(chains)
            chains.append([node])
        chain_of[node] = cid

    # Each chain reserves its lane from the row after its first node's parent (where its
    # connector leaves the parent) to its last row, and as long as an edge from one of
    # its nodes runs down its lane to a merge child elsewhere (until the row before it).
    intervals: list[tuple[int, int, int, int]] = []  # (start, priority, end, chain id)
    for cid, nodes in enumerate(chains):
        first = nodes[0]
        parent = fp[first]
        start = rows[parent] + 1 if parent is not None else rows[first]
        end = rows[nodes[-1]]
        for n in nodes:
            for child in graph.successors(n):
                if chain_of[child] != cid and fp[child] != n:
                    end = max(end, rows[child] - 1)
        priority = 0 if first in main_line else 1
        intervals.append((start, priority, end, cid))
    intervals.sort(key=lambda t: (t[0], t[1], order[chains[t[3]][0]]))

    # Interval partitioning with a heap: the fewest lanes, the lowest free lane first.
    lane_of_chain: dict[int, int] = {}
    busy: list[tuple[int, int]] = []  # (end row, lane)
    free: list[int] = []
    lanes_used = 0
    for start, _prio, end, cid in intervals:
        while busy and busy[0][0] < start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane = lanes_used
            lanes_used += 1
        lane_of_chain[cid] = lane
        heapq.heappush(busy, (end, lane))

    return {n: (float(lane_of_chain[chain_of[n]]), float(rows[n])) for n in graph.nodes}


def _graphml_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _graphml_safe(items: list[dict[str, Any]]) -> None:
    """GraphML holds scalars of one type per key: stringify a key whose values mix
    types or hold None/dicts/datetimes (None becomes "")."""
    keys = {k for attrs in items for k in attrs}
    for key in keys:
        values = [attrs[key] for attrs in items if key in attrs]
        types = {type(v) for v in values}
        scalar = types <= {bool} or types <= {int} or types <= {float} or types <= {str}
        if scalar:
            continue
        for attrs in items:
            if key in attrs:
                v = attrs[key]
                attrs[key] = "" if v is None else str(_graphml_value(v))


def to_graphml(graph: nx.DiGraph, path: str | Path) -> Path:
    """Write the graph as GraphML (node ids become strings); returns the path."""
    out = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        out.add_node(str(node), **{k: _graphml_value(v) for k, v in data.items()})
    for u, v, data in graph.edges(data=True):
        out.add_edge(str(u), str(v), **{k: _graphml_value(x) for k, x in data.items()})
    _graphml_safe([d for _, d in out.nodes(data=True)])
    _graphml_safe([d for _, _, d in out.edges(data=True)])
    path = Path(path)
    nx.write_graphml(out, path)
    return path

"""The lineage graph of one artifact and its layered layout.

`build_graph` turns an artifact's versions into a networkx DiGraph (parent → child),
with a dashed "ghost" node for a legacy parent whose content was never stored.
`layered_layout` gives every node a (lane, row) position the way a git history view
does: row = generation (longest path from a root, so every child sits on a later row
than each of its parents), lane = column. Each line (the collection copy, the
upstream, each project: docs/projects.md) owns a band of adjacent lanes, collection
first, upstream next, then the projects by name; inside a band a first child
continues its parent's lane, branches open a new lane and lanes are reused once free.
Edges run for first parents (also from one line to another: a first deployment's
parent is the collection version it copied) and second parents. It is O(n log n)
and never calls spring_layout (quadratic, and it folds a long chain into a ball).
`fold_runs` finds long straight runs of one line a view may draw as one folded item.

Coordinates are abstract: x is the lane index (0, 1, 2…), y the row index (0 for the
oldest generation, growing towards newer versions). The GUI decides where "newer" is
drawn on screen (it draws the newest row at the top).
"""
from __future__ import annotations

import heapq
import json
from datetime import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Hashable, Iterable

import networkx as nx

from core.history.models import COLLECTION_LINE, UPSTREAM_LINE
from core.history.versions import VersionInfo

GHOST_PREFIX = "legacy:"
GHOST_ORIGIN = "legacy"

Node = Hashable


def ghost_key(content_hash: str) -> str:
    """The node key of a legacy parent whose content was never stored."""
    return f"{GHOST_PREFIX}{content_hash}"


def head_of(versions: Iterable[VersionInfo]) -> VersionInfo | None:
    """The collection line's newest version (any line's when it has none), or None. Like
    `History.head`: the highest id (ids follow the order versions were recorded in;
    created_at may be supplied and is not trusted here)."""
    versions = list(versions)
    collection = [v for v in versions if v.line == COLLECTION_LINE]
    return max(collection or versions, key=lambda v: v.id, default=None)


def line_order(lines: Iterable[str]) -> list[str]:
    """Left to right: collection, upstream, then the projects by name."""
    rank = {COLLECTION_LINE: 0, UPSTREAM_LINE: 1}
    return sorted(set(lines), key=lambda line: (rank.get(line, 2), line))


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
            line=v.line,
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
                    line=v.line,
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


def order_key(graph: nx.DiGraph, node: Node) -> tuple:
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


def line_of(graph: nx.DiGraph, node: Node) -> str:
    return graph.nodes[node].get("line") or COLLECTION_LINE


def layered_layout(graph: nx.DiGraph) -> dict[Node, tuple[float, float]]:
    """(lane, row) for every node; see the module docstring. Raises on a cycle."""
    return line_layout(graph).positions


@dataclass(frozen=True)
class LineLayout:
    """Positions, and the band of lanes each line owns (for lane headers): line -> (first lane, lanes)."""

    positions: dict[Node, tuple[float, float]]
    bands: dict[str, tuple[int, int]]


def line_layout(graph: nx.DiGraph) -> LineLayout:
    """`layered_layout` with each line's band of lanes; see the module docstring."""
    if graph.number_of_nodes() == 0:
        return LineLayout({}, {})
    rows = generations(graph)
    line = {n: line_of(graph, n) for n in graph.nodes}
    # A lane continues only within its line: a first parent on another line (a first
    # deployment's collection version) is drawn as an edge across bands.
    fp = {}
    for n in graph.nodes:
        parent = first_parent(graph, n)
        fp[n] = parent if parent is not None and line[parent] == line[n] else None
    order = {n: order_key(graph, n) for n in graph.nodes}

    # The head's first-parent ancestry is the main line: it continues lanes first,
    # so the history that matters most is one straight line.
    main_line: set[Node] = set()
    heads = [n for n, d in graph.nodes(data=True) if d.get("is_head")]
    for lane_line in set(line.values()):  # every line's newest node leads its band
        members = [n for n in graph.nodes if line[n] == lane_line and not graph.nodes[n].get("ghost")]
        if members and not any(line[h] == lane_line for h in heads):
            heads.append(max(members, key=order.__getitem__))
    for head in heads:
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
                if chain_of[child] != cid and fp[child] != n and line[child] == line[n]:
                    end = max(end, rows[child] - 1)
        priority = 0 if first in main_line else 1
        intervals.append((start, priority, end, cid))
    intervals.sort(key=lambda t: (t[0], t[1], order[chains[t[3]][0]]))

    # Interval partitioning with a heap, per line: the fewest lanes, the lowest free first;
    # then the bands side by side in line order.
    lane_of_chain: dict[int, int] = {}
    bands: dict[str, tuple[int, int]] = {}
    offset = 0
    for band_line in line_order(line.values()):
        busy: list[tuple[int, int]] = []  # (end row, lane)
        free: list[int] = []
        lanes_used = 0
        for start, _prio, end, cid in intervals:
            if line[chains[cid][0]] != band_line:
                continue
            while busy and busy[0][0] < start:
                heapq.heappush(free, heapq.heappop(busy)[1])
            if free:
                lane = heapq.heappop(free)
            else:
                lane = lanes_used
                lanes_used += 1
            lane_of_chain[cid] = offset + lane
            heapq.heappush(busy, (end, lane))
        bands[band_line] = (offset, lanes_used)
        offset += lanes_used

    positions = {n: (float(lane_of_chain[chain_of[n]]), float(rows[n])) for n in graph.nodes}
    return LineLayout(positions, bands)


@dataclass(frozen=True)
class FoldedRun:
    """Versions a view may draw as one item: a straight run of one line, oldest first.
    `before` and `after` stay drawn (the run's outer ends), so the edges still connect."""

    line: str
    nodes: tuple[Node, ...]
    before: Node
    after: Node


def fold_runs(graph: nx.DiGraph, min_run: int = 8, keep: Iterable[Node] = ()) -> list[FoldedRun]:
    """Maximal straight runs of at least `min_run` hidden versions, by line then age.

    A node is foldable when it has exactly one parent and one child, both first-parent
    edges on its own line, and no other edge (no second parent, no deployment leaving it,
    no branch), and it is neither a head nor in `keep` (e.g. the selected version).
    The nodes just before and after a run stay visible; a run never crosses them.
    """
    kept = set(keep)

    def foldable(n: Node) -> bool:
        data = graph.nodes[n]
        if n in kept or data.get("is_head") or data.get("ghost"):
            return False
        if graph.in_degree(n) != 1 or graph.out_degree(n) != 1:
            return False
        (p,) = graph.predecessors(n)
        (c,) = graph.successors(n)
        return (graph.edges[p, n].get("kind") == "first" and graph.edges[n, c].get("kind") == "first"
                and line_of(graph, p) == line_of(graph, n) == line_of(graph, c))

    runs: list[FoldedRun] = []
    seen: set[Node] = set()
    for n in sorted(graph.nodes, key=lambda k: order_key(graph, k)):
        if n in seen or not foldable(n):
            continue
        (p,) = graph.predecessors(n)
        if foldable(p):
            continue  # not the oldest of its run; reached from there
        run = [n]
        seen.add(n)
        (c,) = graph.successors(n)
        while foldable(c):
            run.append(c)
            seen.add(c)
            (c,) = graph.successors(c)
        if len(run) >= min_run:
            runs.append(FoldedRun(line_of(graph, n), tuple(run), p, c))
    order = {name: i for i, name in enumerate(line_order(r.line for r in runs))}
    runs.sort(key=lambda r: (order[r.line], order_key(graph, r.nodes[0])))
    return runs


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

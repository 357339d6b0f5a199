"""What a view draws of a lineage graph: lines hidden, long runs folded, the upstream state waiting.

Each function takes a graph from `core.history.lineage.build_graph` and returns a new
graph (the input is left alone), so `line_layout` lays out exactly what is drawn: a
folded run takes one row, a hidden line no lanes.

- `hide_lines` drops the versions of some lines (and their edges).
- `fold_graph` replaces each `FoldedRun` (from `fold_runs`) by one node keyed
  `fold:<first node>` with `folded=True`, `count`, `members` (oldest first) and `hashes`
  (member -> content hash, so a search can look inside the run), linked
  `before → fold → after` by first-parent edges. A view unfolds a run by passing its
  members as `keep` to `fold_runs` next time.
- `add_waiting_upstream` adds the upstream's state that is not synced yet as a ghost
  node keyed `upstream:<hash>` on the `upstream` line (`waiting=True`), hanging off
  the version it would replace, so a person sees what Sync now will bring in.
- `fold_for_screen` decides whether and how much to fold: nothing while the history
  fits a screenful of rows, else runs of `FOLD_STEPS[0]` versions, then shorter runs
  until the rows fit (or nothing is left to fold).
- `fit_scale` is Zoom to fit's rule: the whole graph, never magnified, and never so
  small that labels drop below `MIN_LABEL_PX`; when that floor wins it fits the width
  (every lane visible) and the view scrolls vertically.
- `line_colours` gives each line a colour slot for its whole life: collection and
  upstream their own, each project a slot from its name, collisions resolved in the
  order the lines first appeared (append-only, so a line never changes colour).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Iterable

import networkx as nx

from core.history.lineage import FoldedRun, Node, order_key, fold_runs, line_of
from core.history.models import COLLECTION_LINE, UPSTREAM_LINE

FOLD_PREFIX = "fold:"
WAITING_PREFIX = "upstream:"
WAITING_ORIGIN = "waiting"
FOLD_ORIGIN = "folded"

__all__ = [
    "FOLD_PREFIX", "WAITING_PREFIX", "WAITING_ORIGIN", "FOLD_ORIGIN",
    "hide_lines", "fold_graph", "add_waiting_upstream", "fold_key", "waiting_key", "lines_of",
    "FOLD_STEPS", "MIN_LABEL_PX", "row_count", "fold_for_screen", "Fit", "fit_scale", "line_colours",
]

FOLD_STEPS = (8, 5, 3)  # run lengths tried, longest first, until the history fits a screenful
MIN_LABEL_PX = 9.0  # Zoom to fit never draws labels smaller than this


def fold_key(run: FoldedRun) -> str:
    return f"{FOLD_PREFIX}{run.nodes[0]}"


def waiting_key(content_hash: str) -> str:
    return f"{WAITING_PREFIX}{content_hash}"


def lines_of(graph: nx.DiGraph) -> set[str]:
    """Every line that has a node in `graph`."""
    return {data.get("line") for _, data in graph.nodes(data=True) if data.get("line")}


def hide_lines(graph: nx.DiGraph, hidden: Iterable[str]) -> nx.DiGraph:
    """A copy without the nodes of the `hidden` lines."""
    hidden = set(hidden)
    keep = [n for n, data in graph.nodes(data=True) if data.get("line") not in hidden]
    return graph.subgraph(keep).copy()


def fold_graph(graph: nx.DiGraph, runs: Iterable[FoldedRun]) -> nx.DiGraph:
    """A copy with each run replaced by one folded node (see the module docstring).
    Built afresh from what stays (node attribute dicts copied shallowly): copying the
    whole graph and removing runs from it costs several times more at 10,000 versions."""
    runs = list(runs)
    hidden = {n for run in runs for n in run.nodes}
    out = nx.DiGraph()
    out.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if n not in hidden)
    out.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if u not in hidden and v not in hidden)
    for run in runs:
        first = graph.nodes[run.nodes[0]]
        key = fold_key(run)
        out.add_node(
            key, version_id=None, content_hash=None, parent_hash=None, origin=FOLD_ORIGIN, line=run.line,
            created_at=first.get("created_at"), metadata={}, is_head=False, matches_version=None,
            ghost=False, folded=True, count=len(run.nodes), members=tuple(run.nodes),
            hashes={m: graph.nodes[m].get("content_hash") or "" for m in run.nodes},
        )
        out.add_edge(run.before, key, kind="first")
        out.add_edge(key, run.after, kind="first")
    return out


def add_waiting_upstream(graph: nx.DiGraph, content_hash: str, replaces: Node | None) -> nx.DiGraph:
    """A copy with the upstream's unsynced state as a ghost node after `replaces` (the
    version Sync now would replace; None: drawn on its own)."""
    out = graph.copy()
    key = waiting_key(content_hash)
    out.add_node(
        key, version_id=None, content_hash=content_hash, parent_hash=None, origin=WAITING_ORIGIN,
        line=UPSTREAM_LINE, created_at=None, metadata={}, is_head=False, matches_version=None,
        ghost=True, waiting=True,
    )
    if replaces is not None and replaces in out:
        out.add_edge(replaces, key, kind="first")
    return out


def row_count(graph: nx.DiGraph, folded: Iterable[FoldedRun] = (), order: list[Node] | None = None) -> int:
    """Rows `line_layout` would use (longest path + 1), as if `folded` runs took one row each.
    O(n + e); `order` is a topological order of `graph` when the caller has one."""
    hidden: set[Node] = set()
    for run in folded:
        hidden.update(run.nodes[1:])  # a run's first member stands for the whole run
    depth: dict[Node, int] = {}
    pred = graph.pred
    for n in order if order is not None else nx.topological_sort(graph):
        best = 0
        for p in pred[n]:
            if depth[p] > best:
                best = depth[p]
        depth[n] = best + (0 if n in hidden else 1)
    return max(depth.values(), default=0)


def fold_for_screen(graph: nx.DiGraph, screen_rows: int, keep: Iterable[Node] = (),
                    steps: tuple[int, ...] = FOLD_STEPS) -> list[FoldedRun]:
    """The runs to fold so the history fits `screen_rows` rows (see the module docstring):
    none while it fits unfolded; else every run of `steps[0]` or more versions, then of
    each shorter step while the rows still do not fit."""
    order = list(nx.topological_sort(graph))
    if row_count(graph, order=order) <= screen_rows:
        return []
    every = fold_runs(graph, min_run=min(steps), keep=keep)  # maximal runs: the same whatever min_run
    chosen: list[FoldedRun] = []
    for step in steps:
        chosen = [run for run in every if len(run.nodes) >= step]
        if row_count(graph, chosen, order) <= screen_rows:
            break
    return chosen


@dataclass(frozen=True)
class Fit:
    """Zoom to fit's answer: the scale, and whether the graph still runs past the view."""

    scale: float
    scrolls_vertically: bool
    scrolls_horizontally: bool


def fit_scale(content_w: float, content_h: float, room_w: float, room_h: float, label_px: float,
              min_label_px: float = MIN_LABEL_PX, max_scale: float = 1.0) -> Fit:
    """The whole graph in `room`, never above `max_scale`, never with labels (of `label_px`
    at scale 1) under `min_label_px`: then the width (all lanes) if that is readable, else
    the readable floor itself; the view scrolls where the graph runs past."""
    if content_w <= 0 or content_h <= 0 or room_w <= 0 or room_h <= 0:
        return Fit(1.0, False, False)
    floor = min(min_label_px / max(label_px, 1e-6), max_scale)
    whole = min(room_w / content_w, room_h / content_h, max_scale)
    scale = whole if whole >= floor else max(min(room_w / content_w, max_scale), floor)
    eps = 1e-9
    return Fit(scale, content_h * scale > room_h + eps, content_w * scale > room_w + eps)


def line_colours(graph: nx.DiGraph, slots: int) -> dict[str, int]:
    """A colour slot (0 … slots-1) for every line of `graph`; see the module docstring.
    Pass the whole history (before `hide_lines`), so a hidden line keeps its slot."""
    first_seen: dict[str, tuple] = {}
    for n in graph.nodes:
        line = line_of(graph, n)
        key = order_key(graph, n)
        if line not in first_seen or key < first_seen[line]:
            first_seen[line] = key
    fixed = {COLLECTION_LINE: 0, UPSTREAM_LINE: 1}
    out = {line: slot for line, slot in fixed.items() if line in first_seen}
    free = max(slots - len(fixed), 1)
    taken = set(fixed.values())
    for line in sorted(first_seen, key=lambda name: (first_seen[name], name)):
        if line in fixed:
            continue
        start = zlib.crc32(line.encode("utf-8", "surrogateescape")) % free
        slot = None
        for i in range(free):
            candidate = len(fixed) + (start + i) % free
            if candidate not in taken:
                slot = candidate
                break
        if slot is None:  # more projects than colours: share, by name
            slot = len(fixed) + start
        taken.add(slot)
        out[line] = slot
    return out

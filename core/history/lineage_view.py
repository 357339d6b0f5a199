"""What a view draws of a lineage graph: lines hidden, long runs folded, the upstream state waiting.

Each function takes a graph from `core.history.lineage.build_graph` and returns a new
graph (the input is left alone), so `line_layout` lays out exactly what is drawn: a
folded run takes one row, a hidden line no lanes.

- `hide_lines` drops the versions of some lines (and their edges).
- `fold_graph` replaces each `FoldedRun` (from `fold_runs`) by one node keyed
  `fold:<first node>` with `folded=True`, `count` and `members` (oldest first), linked
  `before → fold → after` by first-parent edges. A view unfolds a run by passing its
  members as `keep` to `fold_runs` next time.
- `add_waiting_upstream` adds the upstream's state that is not synced yet as a ghost
  node keyed `upstream:<hash>` on the `upstream` line (`waiting=True`), hanging off
  the version it would replace, so a person sees what Sync now will bring in.
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from core.history.lineage import FoldedRun, Node
from core.history.models import UPSTREAM_LINE

FOLD_PREFIX = "fold:"
WAITING_PREFIX = "upstream:"
WAITING_ORIGIN = "waiting"
FOLD_ORIGIN = "folded"

__all__ = [
    "FOLD_PREFIX", "WAITING_PREFIX", "WAITING_ORIGIN", "FOLD_ORIGIN",
    "hide_lines", "fold_graph", "add_waiting_upstream", "fold_key", "waiting_key", "lines_of",
]


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
    """A copy with each run replaced by one folded node (see the module docstring)."""
    out = graph.copy()
    for run in runs:
        first = graph.nodes[run.nodes[0]]
        key = fold_key(run)
        out.remove_nodes_from(run.nodes)
        out.add_node(
            key, version_id=None, content_hash=None, parent_hash=None, origin=FOLD_ORIGIN, line=run.line,
            created_at=first.get("created_at"), metadata={}, is_head=False, matches_version=None,
            ghost=False, folded=True, count=len(run.nodes), members=tuple(run.nodes),
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

"""core.history.lineage_view: hidden lines, folded runs and the waiting upstream state, laid out."""
from __future__ import annotations

from core.history.lineage import build_graph, fold_runs, line_layout
from core.history.lineage_view import (
    add_waiting_upstream,
    fold_graph,
    fold_key,
    hide_lines,
    lines_of,
    waiting_key,
)
from tests.core.test_lineage import V, chain, deployed_history, h, on


def test_hide_lines_drops_a_line_and_its_edges_and_leaves_the_input_alone():
    g = build_graph(deployed_history())
    shown = hide_lines(g, ["web"])
    assert lines_of(shown) == {"collection", "api"}
    assert 6 not in shown and not shown.has_edge(6, 7)
    assert 6 in g
    laid = line_layout(shown)
    assert set(laid.bands) == {"collection", "api"}


def test_fold_graph_draws_a_run_as_one_node_on_one_row():
    versions = chain(20)
    g = build_graph(versions)
    (run,) = fold_runs(g, min_run=8)
    folded = fold_graph(g, [run])
    key = fold_key(run)
    data = folded.nodes[key]
    assert data["folded"] and data["count"] == len(run.nodes) == 18
    assert data["members"] == run.nodes
    assert list(folded.predecessors(key)) == [run.before] and list(folded.successors(key)) == [run.after]
    assert folded.number_of_nodes() == 20 - 18 + 1
    rows = {n: y for n, (_x, y) in line_layout(folded).positions.items()}
    assert rows[run.before] < rows[key] < rows[run.after] and max(rows.values()) == 2
    # Unfolding: the run's members kept, nothing folds.
    assert fold_runs(g, min_run=8, keep=run.nodes) == []


def test_waiting_upstream_is_a_ghost_on_the_upstream_line_after_the_version_it_replaces():
    g = build_graph(deployed_history())
    shown = add_waiting_upstream(g, h(99), 7)
    key = waiting_key(h(99))
    assert shown.nodes[key]["ghost"] and shown.nodes[key]["waiting"] and shown.nodes[key]["line"] == "upstream"
    assert list(shown.predecessors(key)) == [7]
    laid = line_layout(shown)
    assert list(laid.bands)[:2] == ["collection", "upstream"]
    assert laid.positions[key][1] > laid.positions[7][1]
    assert key not in g

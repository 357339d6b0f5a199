"""Lineage graph and layered layout (core, no Qt)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import networkx as nx
import pytest

from core.history import VersionInfo
from core.history.lineage import build_graph, ghost_key, head_of, layered_layout, to_graphml

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def h(n: int) -> str:
    return f"{n:064x}"


def V(vid, parent=None, *, legacy=None, second=None, origin="sync", meta=None, content=None):
    return VersionInfo(
        id=vid,
        artifact_id=1,
        content_hash=h(content if content is not None else vid),
        parent_hash=legacy if legacy else (h(parent) if parent else None),
        parent_id=parent,
        second_parent_id=second,
        change_origin=origin,
        created_at=T0 + timedelta(minutes=vid),
        metadata=meta or {},
    )


def chain(n):
    return [V(1)] + [V(i, i - 1) for i in range(2, n + 1)]


def test_chain_nodes_edges_and_head():
    g = build_graph(chain(4))
    assert set(g.nodes) == {1, 2, 3, 4}
    assert set(g.edges) == {(1, 2), (2, 3), (3, 4)}
    assert [n for n, d in g.nodes(data=True) if d["is_head"]] == [4]
    assert g.nodes[3]["content_hash"] == h(3)
    assert g.nodes[3]["parent_hash"] == h(2)
    assert g.nodes[3]["origin"] == "sync"


def test_head_of_is_newest_and_explicit_head_wins():
    vs = chain(3)
    assert head_of(reversed(vs)).id == 3
    assert head_of([]) is None
    g = build_graph(vs, head_id=2)
    assert g.nodes[2]["is_head"] and not g.nodes[3]["is_head"]


def test_branch_and_merge_edges():
    vs = [V(1), V(2, 1), V(3, 1, origin="local_modification"), V(4, 2, second=3, origin="merge")]
    g = build_graph(vs)
    assert set(g.edges) == {(1, 2), (1, 3), (2, 4), (3, 4)}
    assert g.edges[3, 4]["kind"] == "second"
    assert g.edges[2, 4]["kind"] == "first"


def test_legacy_parent_gets_one_ghost_node():
    legacy = "ab" * 32
    vs = [V(1, legacy=legacy), V(2, 1)]
    g = build_graph(vs)
    key = ghost_key(legacy)
    assert key == "legacy:" + legacy
    assert g.nodes[key]["ghost"] is True
    assert g.nodes[1]["ghost"] is False
    assert (key, 1) in g.edges
    assert g.number_of_nodes() == 3


def test_revert_carries_matches_version():
    vs = [V(1), V(2, 1), V(3, 2, content=1, meta={"matches_version": 1})]
    g = build_graph(vs)
    assert g.nodes[3]["matches_version"] == 1
    assert g.nodes[2]["matches_version"] is None


def _assert_sane(g, pos):
    assert set(pos) == set(g.nodes)
    assert len(set(pos.values())) == len(pos), "two nodes share a position"
    for u, v in g.edges:
        assert pos[v][1] > pos[u][1], f"child {v} not on a later row than parent {u}"


def test_chain_stays_in_one_lane():
    g = build_graph(chain(30))
    pos = layered_layout(g)
    _assert_sane(g, pos)
    assert {x for x, _ in pos.values()} == {0.0}
    assert [pos[i][1] for i in range(1, 31)] == [float(i) for i in range(30)]


def test_branch_takes_another_lane_and_lane_is_reused():
    # 1-2-3-4-5 main line (head 5); 6 branches off 2 and ends; 7 branches off 4 later
    vs = [V(1), V(2, 1), V(3, 2), V(4, 3), V(5, 4), V(6, 2, origin="local_modification"),
          V(7, 4, origin="deployment")]
    g = build_graph(vs, head_id=5)
    pos = layered_layout(g)
    _assert_sane(g, pos)
    main = {pos[i][0] for i in (1, 2, 3, 4, 5)}
    assert main == {0.0}
    assert pos[6][0] != 0.0
    assert pos[7][0] != 0.0
    assert pos[7][0] == pos[6][0], "the branch lane is free again and should be reused"


def test_merge_layout_with_ghost():
    legacy = "cd" * 32
    vs = [V(1, legacy=legacy), V(2, 1), V(3, 1, origin="local_modification"),
          V(4, 2, second=3, origin="merge"), V(5, 4)]
    g = build_graph(vs)
    pos = layered_layout(g)
    _assert_sane(g, pos)
    assert pos[ghost_key(legacy)] == (0.0, 0.0)
    assert pos[5][0] == pos[4][0] == pos[2][0]
    assert pos[3][0] != pos[2][0]


def test_many_branches_from_one_parent_each_get_a_lane():
    vs = [V(1)] + [V(i, 1) for i in range(2, 7)]
    g = build_graph(vs)
    pos = layered_layout(g)
    _assert_sane(g, pos)
    assert len({pos[i][0] for i in range(2, 7)}) == 5


def test_ten_thousand_chain_layout_runs():
    g = build_graph(chain(10_000))
    pos = layered_layout(g)
    assert len(pos) == 10_000
    assert pos[10_000] == (0.0, 9_999.0)


def test_empty_graph():
    assert layered_layout(build_graph([])) == {}


def test_graphml_round_trip(tmp_path):
    legacy = "ef" * 32
    vs = [V(1, legacy=legacy, meta={"resolved_commit": "abc", "files": {"added": 2}}),
          V(2, 1), V(3, 2, content=1, meta={"matches_version": 1})]
    g = build_graph(vs)
    path = to_graphml(g, tmp_path / "g.graphml")
    back = nx.read_graphml(path)
    assert set(back.nodes) == {"1", "2", "3", ghost_key(legacy)}
    assert set(back.edges) == {("1", "2"), ("2", "3"), (ghost_key(legacy), "1")}
    assert back.nodes["2"]["content_hash"] == h(2)
    assert back.nodes[ghost_key(legacy)]["ghost"] is True
    assert "resolved_commit" in back.nodes["1"]["metadata"]
    assert back.nodes["3"]["matches_version"] == "1"
    assert back.nodes["1"]["created_at"].startswith("2024-05-01T12:01")


def test_cycle_is_refused():
    g = nx.DiGraph([(1, 2), (2, 1)])
    with pytest.raises(nx.NetworkXUnfeasible):
        layered_layout(g)


# --- lines: one band of lanes per line --------------------------------------------------

from dataclasses import replace  # noqa: E402

from core.history.lineage import fold_runs, line_layout, line_order  # noqa: E402


def on(line, v):
    return replace(v, line=line)


def deployed_history():
    """collection 1-2-3-4; web deployed from 2 (5), edited (6), pushed back as 7 (second parent 6);
    api deployed from 1 (8) and redeployed from 4 (9: first parent 8, second 4)."""
    return [
        V(1), V(2, 1), V(3, 2), V(4, 3),
        on("web", V(5, 2, origin="deployment")), on("web", V(6, 5, origin="local_modification")),
        V(7, 4, second=6),
        on("api", V(10, 1, origin="deployment")), on("api", V(11, 10, second=4, origin="deployment")),
    ]


def test_line_order_puts_collection_then_upstream_then_projects():
    assert line_order(["web", "upstream", "api", "collection", "web"]) == ["collection", "upstream", "api", "web"]


def test_each_line_gets_its_own_band_of_lanes_in_line_order():
    g = build_graph(deployed_history())
    laid = line_layout(g)
    lane = {n: x for n, (x, _y) in laid.positions.items()}
    assert {lane[n] for n in (1, 2, 3, 4, 7)} == {0.0}
    assert {lane[n] for n in (10, 11)} == {1.0}  # api before web: projects by name
    assert {lane[n] for n in (5, 6)} == {2.0}
    assert laid.bands == {"collection": (0, 1), "api": (1, 1), "web": (2, 1)}
    assert len(set(laid.positions.values())) == len(laid.positions)  # no two nodes share a cell
    for parent, child in g.edges:  # every edge points down the rows, across bands too
        assert laid.positions[parent][1] < laid.positions[child][1]


def test_first_and_second_parent_edges_across_lines():
    g = build_graph(deployed_history())
    assert g.edges[2, 5]["kind"] == "first"  # a first deployment's parent is the version it copied
    assert g.edges[6, 7]["kind"] == "second"  # a push: the project's version
    assert g.edges[10, 11]["kind"] == "first" and g.edges[4, 11]["kind"] == "second"  # a redeploy
    assert g.nodes[5]["line"] == "web"


def test_the_collection_head_is_the_head_whatever_is_newer_on_other_lines():
    vs = deployed_history()
    assert head_of(vs).id == 7
    assert [n for n, d in build_graph(vs).nodes(data=True) if d["is_head"]] == [7]


def test_a_side_branch_inside_a_line_opens_a_lane_inside_its_band():
    vs = [V(1), V(2, 1), V(3, 1, origin="local_modification"), V(4, 2, second=3),
          on("web", V(5, 1, origin="deployment"))]
    laid = line_layout(build_graph(vs))
    assert laid.bands["collection"] == (0, 2)
    assert laid.positions[5][0] == 2.0


def long_line(n, line="collection", start=1):
    return [on(line, V(start))] + [on(line, V(i, i - 1)) for i in range(start + 1, start + n)]


def test_fold_runs_hides_the_middle_of_a_straight_run_and_keeps_its_ends():
    g = build_graph(chain(20))
    (run,) = fold_runs(g, min_run=5)
    # 1 is a root (no parent) and 20 the head: both stay; 2..19 fold between them.
    assert (run.before, run.nodes, run.after, run.line) == (1, tuple(range(2, 20)), 20, "collection")


def test_fold_runs_stops_at_branches_deployments_selected_nodes_and_short_runs():
    vs = chain(30) + [on("web", V(100, 10, origin="deployment"))]
    g = build_graph(vs)
    ends = lambda runs: [(r.before, r.nodes[0], r.nodes[-1], r.after) for r in runs]  # noqa: E731
    # 10 has a deployment leaving it, 20 is kept (selected), 30 is the head.
    assert ends(fold_runs(g, min_run=5, keep=[20])) == [(1, 2, 9, 10), (10, 11, 19, 20), (20, 21, 29, 30)]
    assert ends(fold_runs(g, min_run=5)) == [(1, 2, 9, 10), (10, 11, 29, 30)]
    assert ends(fold_runs(g, min_run=9, keep=[20])) == [(10, 11, 19, 20), (20, 21, 29, 30)]  # 2..9 is 8
    assert fold_runs(g, min_run=50) == []


def test_fold_runs_per_line_in_line_order():
    vs = long_line(12) + [on("web", V(100, 3, origin="deployment"))] + [
        on("web", V(i, i - 1, origin="local_modification")) for i in range(101, 115)]
    runs = fold_runs(build_graph(vs), min_run=5)
    assert [(r.line, r.before, r.after) for r in runs] == [("collection", 3, 12), ("web", 100, 114)]
    assert runs[1].nodes == tuple(range(101, 114))  # 100's parent is on another line: it stays

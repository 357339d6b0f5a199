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

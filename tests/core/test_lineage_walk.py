"""core.history.lineage_walk and lineage_tracks: walk keys, ancestry, edge tracks, landmarks;
lineage_view's screenful folding, fit rule and line colours."""
from __future__ import annotations

from core.history.lineage import build_graph, fold_runs, line_layout
from core.history.lineage_tracks import edge_tracks, landmarks
from core.history.lineage_view import (
    add_waiting_upstream,
    fit_scale,
    fold_for_screen,
    fold_graph,
    line_colours,
    row_count,
)
from core.history.lineage_walk import (
    ancestry,
    children,
    first_parent,
    head_of_line,
    nearest_in_lane,
    root_of,
    second_parent,
)
from tests.core.test_lineage import V, chain, deployed_history, h, on


def test_parents_children_head_and_root_of_the_deployed_history():
    g = build_graph(deployed_history())
    assert first_parent(g, 7) == 4 and second_parent(g, 7) == 6
    assert second_parent(g, 4) is None and first_parent(g, 1) is None
    # 4's children: the collection's own line first, then the redeploy into api (second parent).
    assert children(g, 4) == [7, 11]
    # 2's children: the collection child before the deployment into web.
    assert children(g, 2) == [3, 5]
    assert head_of_line(g) == 7 and head_of_line(g, 3) == 7
    assert head_of_line(g, 5) == 6 and head_of_line(g, 10) == 11
    assert root_of(g, 7) == 1 and root_of(g, 6) == 1 and root_of(g, None) == 1


def test_nearest_in_lane_takes_the_next_lane_with_versions_nearest_in_time():
    g = build_graph(deployed_history())
    pos = line_layout(g).positions
    lane = {n: x for n, (x, _y) in pos.items()}
    # collection (lane 0) → api (lane 1): 4 was recorded at minute 4, api's versions at 10 and 11.
    right = nearest_in_lane(g, pos, 4, +1)
    assert lane[right] == lane[4] + 1 and right == 10
    assert nearest_in_lane(g, pos, 11, +1) in (5, 6)
    assert nearest_in_lane(g, pos, 1, -1) is None
    assert lane[nearest_in_lane(g, pos, 6, -1)] == lane[6] - 1


def test_ancestry_lights_ancestors_and_descendants_over_both_kinds_of_edge():
    g = build_graph(deployed_history())
    a = ancestry(g, 6)
    assert a.ancestors == {1, 2, 5} and a.descendants == {7}
    assert a.lit == {1, 2, 5, 6, 7}
    assert a.edge_lit(5, 6) and a.edge_lit(6, 7) and a.edge_lit(1, 2)
    assert not a.edge_lit(4, 7)  # 7's other parent is not on a path through 6
    assert not a.edge_lit(2, 3)


def test_edges_crossing_in_one_gap_never_share_a_track():
    # 1 → 2 on the collection; 2 deployed to three projects at once (their rows are one gap).
    versions = [V(1), V(2, 1)] + [on(p, V(i, 2, origin="deployment")) for i, p in ((3, "a"), (4, "b"), (5, "c"))]
    g = build_graph(versions)
    pos = line_layout(g).positions
    tracks = edge_tracks(g, pos)
    crossing = [tracks[(2, n)] for n in (3, 4, 5)]
    assert len({t.gap for t in crossing}) == 1
    assert sorted(t.track for t in crossing) == [0, 1, 2] and all(t.tracks == 3 for t in crossing)
    assert (1, 2) not in tracks  # same lane: no crossing


def test_edges_that_only_touch_at_a_lane_still_get_their_own_tracks():
    versions = [V(1), on("a", V(2, 1, origin="deployment")), on("b", V(3, 1, origin="deployment"))]
    g = build_graph(versions)
    pos = line_layout(g).positions
    t = edge_tracks(g, pos)
    assert t[(1, 2)].track != t[(1, 3)].track


def test_landmarks_are_heads_merges_and_the_waiting_state():
    versions = deployed_history() + [V(12, 7, origin="merge", second=11)]
    g = add_waiting_upstream(build_graph(versions), h(99), 12)
    marks = {(m.node, m.kind) for m in landmarks(g)}
    assert (12, "merge") in marks and (12, "head") in marks
    assert (6, "head") in marks and (11, "head") in marks
    assert any(kind == "waiting" for _n, kind in marks)


def test_no_folding_while_the_history_fits_a_screenful():
    g = build_graph(chain(30))
    assert row_count(g) == 30
    assert fold_for_screen(g, screen_rows=30) == []
    runs = fold_for_screen(g, screen_rows=29)
    assert runs and row_count(g, runs) <= 29


def test_folding_folds_more_until_the_rows_fit():
    # A collection of 40 with a project edited between every 4 collection versions: runs of 3.
    versions = [V(1)]
    for i in range(2, 41):
        versions.append(V(i, i - 1))
    extra = 100
    for i in range(4, 41, 4):
        versions.append(on("web", V(extra, i, origin="deployment")))
        extra += 1
    g = build_graph(versions)
    long_only = [r for r in fold_runs(g, min_run=3) if len(r.nodes) >= 8]
    assert long_only == []  # nothing of 8: the default run length alone would fold nothing
    runs = fold_for_screen(g, screen_rows=25)
    assert runs and row_count(g, runs) <= 25
    assert row_count(fold_graph(g, runs)) == row_count(g, runs)
    kept = fold_for_screen(g, screen_rows=25, keep=[10])
    assert all(10 not in r.nodes for r in kept)


def test_fit_keeps_labels_readable_and_fits_the_width_when_it_must():
    # Fits whole: small graph, never magnified.
    assert fit_scale(500, 300, 1000, 800, label_px=12).scale == 1.0
    whole = fit_scale(1000, 1000, 800, 800, label_px=12)
    assert whole.scale == 0.8 and not whole.scrolls_vertically
    # A tall history: fitting the height would shrink labels to 1 px; the width wins.
    tall = fit_scale(900, 12000, 800, 600, label_px=12)
    assert tall.scale * 12 >= 9 and tall.scale == 800 / 900
    assert tall.scrolls_vertically and not tall.scrolls_horizontally
    # Four wide lanes in a narrow view: the readable floor, scrolling both ways.
    narrow = fit_scale(1200, 12000, 500, 600, label_px=12)
    assert narrow.scale == 9 / 12 and narrow.scrolls_horizontally


def test_every_line_keeps_its_colour_for_its_whole_life():
    g = build_graph(deployed_history())
    before = line_colours(g, 8)
    assert before["collection"] == 0 and len(set(before.values())) == len(before)
    # A new project (one that sorts first) appears later: nobody else's colour moves,
    # (the view passes the whole history, so a hidden line keeps its colour too).
    grown = build_graph(deployed_history() + [on("aaa", V(20, 7, origin="deployment"))])
    after = line_colours(grown, 8)
    assert {k: after[k] for k in before} == before
    assert after["aaa"] not in before.values()

#!/usr/bin/env python3
"""Lineage graph benchmark: 10,000 versions (issue 4, "Benchmarks").

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_graph.py [--quick] [--versions N] [--runs N] [--readable-only]

Measures, in one run on a generated history (mostly a chain, ~3% branches that run a
few versions, ~2% reverts carrying matches_version, one legacy parent at the root):
  1. build_graph + layered_layout + scene build (LineageView.set_versions): target < 1 s;
  2. one repaint of the view at fit-to-window (viewport().grab(), median): target < 50 ms;
against named baselines in the same run:
  - networkx.spring_layout on subsets of 250 and 499 nodes (force-directed, O(n^2)
    per iteration; 499 is the largest size networkx lays out without scipy, which
    is not a dependency, and 10,000 would take minutes even with it);
  - the naive scene: one QGraphicsEllipseItem + one QGraphicsTextItem per node and one
    QGraphicsLineItem per edge, built and repainted at fit-to-window the same way.
Then the same for lines (issue 10): a collection line of 1,000 versions and 10 projects
x 1,000 versions each (deployments from the collection, edits, pushes back, redeploys:
first and second parents across lanes), 11,000 versions in all: build_graph +
layered_layout (one band of lanes per line) + scene build < 1 s, repaint at fit < 50 ms,
against the single-line history of the same size above as the named baseline, and
fold_runs' time.
Then the readable graph (issue 16 §1–§2), on the same two histories: planning as the
window does (folded past a screenful, edge tracks, landmarks) against planning unfolded
(set_versions' plan) as the baseline; core's fold_for_screen, edge_tracks and landmarks
alone; selecting a version with its ancestry lit against selecting with the highlight off
(target < 50 ms, a key press); and a walk key's target (Ctrl+Right: nearest in the next lane).
Prints machine info, medians, ratios and PASS/MISS; never asserts.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's gui/ (and its gui/__init__.py), not an installed copy
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gui  # noqa: E402,F401  (applies the shiboken refcount guard before any Qt call)
import networkx as nx  # noqa: E402
from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QPainter, QPen  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QGraphicsEllipseItem,
    QGraphicsScene,
    QGraphicsTextItem,
    QGraphicsView,
)

from bench._common import machine_line, median_time, verdict  # noqa: E402
from core.history import VersionInfo  # noqa: E402
from core.history.lineage import build_graph, fold_runs, layered_layout, line_layout  # noqa: E402
from gui.graph.view import LineageView  # noqa: E402

TARGET_BUILD = 1.0
TARGET_REPAINT = 0.050
ORIGINS = ("sync", "sync", "sync", "local_modification", "deployment")


def machine_info() -> str:
    import PySide6

    return machine_line(f"PySide6 {PySide6.__version__}", f"networkx {nx.__version__}")


def generate(n: int, seed: int = 7) -> list[VersionInfo]:
    rng = random.Random(seed)
    t0 = datetime(2023, 1, 1, tzinfo=timezone.utc)
    digest = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n + 1)]
    versions = [VersionInfo(1, 1, digest[1], "ab" * 32, None, None, "sync", t0, {})]
    main_tip = 1
    branch_tip: int | None = None
    for i in range(2, n + 1):
        roll = rng.random()
        if branch_tip is not None and roll < 0.5:
            parent = branch_tip  # keep extending the open branch for a while
        else:
            parent = main_tip
        meta: dict = {"files_added": rng.randint(0, 2), "files_removed": 0, "files_changed": rng.randint(0, 3)}
        content = digest[i]
        if rng.random() < 0.02 and i > 10:
            back = rng.randint(1, i - 1)
            content, meta["matches_version"] = digest[back], back
        versions.append(VersionInfo(i, 1, content, digest[parent], parent, None, rng.choice(ORIGINS),
                                    t0 + timedelta(minutes=i), meta))
        if parent == branch_tip:
            branch_tip = i if rng.random() < 0.85 else None
        elif rng.random() < 0.03:
            branch_tip = i  # a branch opens: the next versions may grow off this one...
            main_tip = parent  # ...while the main line continues from its parent
        else:
            main_tip = i
    return versions


def generate_lines(per_line: int, projects: int, seed: int = 11) -> list[VersionInfo]:
    """A collection line and `projects` project lines of `per_line` versions each.

    Each step picks a line: the collection syncs; a project is deployed from the
    collection head (first deployment: parent = that version; redeploy: parent = the
    project's head, second parent = the collection head), edited, or pushed back
    (a collection version whose second parent is the project's head)."""
    rng = random.Random(seed)
    t0 = datetime(2023, 1, 1, tzinfo=timezone.utc)
    versions: list[VersionInfo] = []
    heads: dict[str, VersionInfo] = {}
    counts = {"collection": 0, **{f"project-{p:02d}": 0 for p in range(projects)}}

    def add(line: str, parent: VersionInfo | None, second: VersionInfo | None, origin: str) -> None:
        vid = len(versions) + 1
        content = hashlib.sha256(str(vid).encode()).hexdigest()
        v = VersionInfo(vid, 1, content, parent.content_hash if parent else None, parent.id if parent else None,
                        second.id if second else None, origin, t0 + timedelta(minutes=vid), {}, line)
        versions.append(v)
        heads[line] = v
        counts[line] += 1

    add("collection", None, None, "sync")
    while min(counts.values()) < per_line:
        open_lines = [line for line, c in counts.items() if c < per_line]
        line = rng.choice(open_lines)
        if line == "collection":
            add(line, heads["collection"], None, "sync")
        elif line not in heads:
            add(line, heads["collection"], None, "deployment")
        else:
            roll = rng.random()
            if roll < 0.1:
                add(line, heads[line], heads["collection"], "deployment")
            elif roll < 0.15 and counts["collection"] < per_line:
                add("collection", heads["collection"], heads[line], "sync")
            else:
                add(line, heads[line], None, "local_modification")
    return versions


def bench_lines(app, per_line: int, projects: int, runs: int, baseline_versions: list[VersionInfo]) -> None:
    versions = generate_lines(per_line, projects)
    print(f"\nlines: {len(versions)} versions on {projects + 1} lines "
          f"({sum(1 for v in versions if v.second_parent_id)} with a second parent)")
    t_graph, graph = median_time(lambda: build_graph(versions), runs)
    t_layout, laid = median_time(lambda: line_layout(graph), runs)
    t_fold, runs_found = median_time(lambda: fold_runs(graph), runs)
    lanes = sum(width for _, width in laid.bands.values())
    print(f"graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges, {lanes} lanes in "
          f"{len(laid.bands)} bands, {len(runs_found)} foldable runs")
    print(f"build_graph                      {t_graph * 1000:9.1f} ms")
    print(f"line_layout                      {t_layout * 1000:9.1f} ms")
    print(f"fold_runs                        {t_fold * 1000:9.1f} ms")
    view = LineageView()
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    t_scene, _ = median_time(lambda: view.set_versions(versions, None), runs)
    view.zoom_to_fit()
    app.processEvents()
    view.viewport().grab()
    t_paint, _ = median_time(lambda: view.viewport().grab(), max(runs, 5))
    base = baseline_versions[:len(versions)]
    t_base, _ = median_time(lambda: view.set_versions(base, None), runs)
    print(f"set_versions (graph+layout+scene) {t_scene * 1000:8.1f} ms   baseline one line, {len(base)} versions "
          f"{t_base * 1000:.1f} ms   ratio {t_scene / max(t_base, 1e-9):.2f}x")
    print(f"repaint at fit-to-window         {t_paint * 1000:9.2f} ms")
    print(f"RESULT lines: layout+scene build {t_scene:.3f} s (target < {TARGET_BUILD:.0f} s): "
          f"{verdict(t_scene, TARGET_BUILD)}")
    print(f"RESULT lines: repaint at fit {t_paint * 1000:.1f} ms (target < {TARGET_REPAINT * 1000:.0f} ms): "
          f"{verdict(t_paint, TARGET_REPAINT)}")
    view.close()


TARGET_SELECT = 0.050


def bench_readable(app, label: str, versions: list[VersionInfo], runs: int) -> None:
    """Issue 16's costs on one history (see the module docstring)."""
    from core.history.lineage_tracks import edge_tracks, landmarks
    from core.history.lineage_view import fold_for_screen
    from gui import hotkeys
    from gui.graph.navigation import targets
    from gui.graph.scene import ViewOptions, plan_scene

    print(f"\nreadable graph ({label}): {len(versions)} versions")
    graph = build_graph(versions)
    laid = line_layout(graph)
    t_plain, _ = median_time(lambda: plan_scene(versions, None, ViewOptions(fold=False)), runs)
    t_window, plan = median_time(lambda: plan_scene(versions, None, ViewOptions(fold=True, screen_rows=20)), runs)
    print(f"plan_scene as the window plans (folded, tracks) {t_window * 1000:8.1f} ms   baseline unfolded plan "
          f"{t_plain * 1000:.1f} ms   ratio {t_window / max(t_plain, 1e-9):.2f}x   "
          f"({plan.graph.number_of_nodes()} nodes drawn, {plan.folded_runs} runs folded, {plan.max_row + 1} rows)")
    t_fold, folded = median_time(lambda: fold_for_screen(graph, 20), runs)
    t_tracks, tracks = median_time(lambda: edge_tracks(graph, laid.positions), runs)
    t_marks, marks = median_time(lambda: landmarks(graph), runs)
    print(f"fold_for_screen (20 rows)         {t_fold * 1000:9.1f} ms   ({len(folded)} runs)")
    print(f"edge_tracks                       {t_tracks * 1000:9.1f} ms   ({len(tracks)} edges between lanes, "
          f"at most {max((t.tracks for t in tracks.values()), default=0)} tracks in a gap)")
    print(f"landmarks                         {t_marks * 1000:9.1f} ms   ({len(marks)} marks)")

    view = LineageView()
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    view.set_versions(versions, None)
    ids = sorted(k for k in view.graph().nodes if isinstance(k, int))
    picks = [ids[-1], ids[len(ids) // 2], ids[len(ids) // 10]]

    def select_all() -> None:
        for key in picks:
            view.select_version(key)

    view.set_highlight_ancestry(False)
    t_off, _ = median_time(select_all, runs)
    view.set_highlight_ancestry(True)
    t_on, _ = median_time(select_all, runs)
    t_on, t_off = t_on / len(picks), t_off / len(picks)
    print(f"select with ancestry lit          {t_on * 1000:9.1f} ms   baseline highlight off {t_off * 1000:.1f} ms   "
          f"ratio {t_on / max(t_off, 1e-9):.1f}x   (mean of head, middle, a tenth up)")
    view.select_version(picks[1])
    t_walk, _ = median_time(lambda: targets(view.plan, picks[1], hotkeys.GRAPH_LANE_RIGHT), runs)
    print(f"walk key target (Ctrl+Right)      {t_walk * 1000:9.1f} ms")
    print(f"RESULT {label}: select with ancestry lit {t_on * 1000:.1f} ms (target < {TARGET_SELECT * 1000:.0f} ms): "
          f"{verdict(t_on, TARGET_SELECT)}")
    view.close()


def naive_scene(graph: nx.DiGraph, pos: dict) -> QGraphicsScene:
    scene = QGraphicsScene()
    pen = QPen(Qt.GlobalColor.gray, 2)
    for u, v in graph.edges:
        (x1, y1), (x2, y2) = pos[u], pos[v]
        scene.addLine(x1 * 300, -y1 * 60, x2 * 300, -y2 * 60, pen)
    for node, data in graph.nodes(data=True):
        x, y = pos[node]
        dot = QGraphicsEllipseItem(QRectF(-8, -8, 16, 16))
        dot.setPos(x * 300, -y * 60)
        dot.setBrush(Qt.GlobalColor.blue)
        scene.addItem(dot)
        label = QGraphicsTextItem(f"{data['content_hash'][:12]}\n{data['origin']}")
        label.setPos(x * 300 + 14, -y * 60 - 16)
        scene.addItem(label)
    return scene


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny data, one run: a smoke test")
    ap.add_argument("--versions", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--projects", type=int, default=10, help="project lines in the lines case")
    ap.add_argument("--per-line", type=int, default=1_000, help="versions per line in the lines case")
    ap.add_argument("--readable-only", action="store_true", help="only the readable graph's figures (issue 16)")
    args = ap.parse_args(argv)
    n = 300 if args.quick else args.versions
    runs = 1 if args.quick else max(3, args.runs)
    spring_sizes = (50, 100) if args.quick else (250, 499)
    per_line, projects = (30, 3) if args.quick else (args.per_line, args.projects)

    app = QApplication.instance() or QApplication([])
    print(f"machine: {machine_info()}")
    versions = generate(n)
    if args.readable_only:
        bench_readable(app, "one line", versions, runs)
        bench_readable(app, "lines", generate_lines(per_line, projects), runs)
        return 0
    print(f"data: {n} versions, {sum(1 for v in versions if 'matches_version' in v.metadata)} reverts, "
          f"runs: {runs} (median)")

    t_graph, graph = median_time(lambda: build_graph(versions), runs)
    t_layout, pos = median_time(lambda: layered_layout(graph), runs)
    lanes = int(max(x for x, _ in pos.values())) + 1
    print(f"graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges, {lanes} lanes, "
          f"{int(max(y for _, y in pos.values())) + 1} rows")
    print(f"build_graph                      {t_graph * 1000:9.1f} ms")
    print(f"layered_layout                   {t_layout * 1000:9.1f} ms")

    view = LineageView()
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    t_scene, _ = median_time(lambda: view.set_versions(versions, None), runs)
    # set_versions runs build_graph + layered_layout itself, then builds the scene.
    print(f"set_versions (graph+layout+scene) {t_scene * 1000:8.1f} ms")
    view.zoom_to_fit()
    app.processEvents()
    view.viewport().grab()  # first paint builds font caches; not what a repaint costs
    t_paint, _ = median_time(lambda: view.viewport().grab(), max(runs, 5))
    print(f"repaint at fit-to-window         {t_paint * 1000:9.2f} ms   (scale {view.transform().m11():.4f})")

    # Baseline 1: spring_layout on subsets (quadratic; 10,000 nodes would take minutes).
    for size in spring_sizes:
        sub = graph.subgraph(list(graph.nodes)[:size]).copy()
        t_lay_sub, _ = median_time(lambda: layered_layout(sub), runs)
        t_spring, _ = median_time(lambda: nx.spring_layout(sub, seed=1), 1 if args.quick else 3)
        print(f"baseline networkx.spring_layout, {size} nodes  {t_spring * 1000:9.1f} ms  "
              f"vs layered_layout same subset {t_lay_sub * 1000:.1f} ms  "
              f"ratio {t_spring / max(t_lay_sub, 1e-9):.0f}x  (spring is O(n^2) per iteration)")

    # Baseline 2: the naive scene, one ellipse + one text item per node.
    t_naive_build, scene = median_time(lambda: naive_scene(graph, pos), 1 if args.quick else 3)
    naive = QGraphicsView(scene)
    naive.setRenderHint(QPainter.RenderHint.Antialiasing)
    naive.resize(1200, 800)
    naive.show()
    naive.fitInView(scene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
    app.processEvents()
    naive.viewport().grab()
    t_naive_paint, _ = median_time(lambda: naive.viewport().grab(), max(runs, 5) if not args.quick else 1)
    print(f"baseline naive scene build (graph+layout excluded)  {t_naive_build * 1000:9.1f} ms  "
          f"ratio {t_naive_build / max(t_scene, 1e-9):.2f}x of set_versions")
    print(f"baseline naive scene repaint at fit               {t_naive_paint * 1000:9.1f} ms  "
          f"ratio {t_naive_paint / max(t_paint, 1e-9):.1f}x slower")

    print(f"RESULT layout+scene build {t_scene:.3f} s (target < {TARGET_BUILD:.0f} s): {verdict(t_scene, TARGET_BUILD)}")
    print(f"RESULT repaint at fit {t_paint * 1000:.1f} ms (target < {TARGET_REPAINT * 1000:.0f} ms): "
          f"{verdict(t_paint, TARGET_REPAINT)}")
    view.close()
    bench_lines(app, per_line, projects, runs, generate(per_line * (projects + 1) + 1))
    bench_readable(app, "one line", versions, runs)
    bench_readable(app, "lines", generate_lines(per_line, projects), runs)
    if args.quick:
        print("(quick run: tiny data, figures are not meaningful)")
    naive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

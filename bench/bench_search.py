#!/usr/bin/env python3
"""Search benchmark: one keystroke in the find box on a 10,000-version history (issue 16 §3).

    .venv/bin/python bench/bench_search.py [--quick] [--versions N] [--runs N]

Generates --versions versions (default 10,000) of one artifact on four lines, with commit
subjects, notes and times, and types a query one character at a time:
    origin:sync line:collection since:2026-03-01 form
Each keystroke is timed as the window does it:
  - ours (core): parse_query + SearchIndex.match (the index is built once per history, on
    the window's loader worker with the graph's plan; its build is shown apart);
  - ours (window): the same, then LineageView.set_search_matches on the drawn 10,000-node
    graph (offscreen Qt) and the repaint of the view: hits lit, the rest dimmed, scroll-bar ticks;
  - ours (folded): the same on the graph drawn folded as the window draws it (hits inside
    folded runs light their run and are counted there);
  - floor "repaint alone": the same view repainted with nothing changed (what any keystroke
    that changes the picture costs at least; on a loaded machine it is most of ours (window));
  - baseline "rescan": what a find box without an index does on each keystroke: every
    version's metadata turned to text (json.dumps) and lowercased, then the same tests.
Prints machine info, sizes, the median and worst keystroke per contender, ratios, and
PASS/MISS against 50 ms for the worst keystroke of ours (window). Never asserts a timing.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench._common import load_line, machine_line, ms, verdict  # noqa: E402
from core.ancestry import SearchIndex, parse_query  # noqa: E402
from core.history import VersionInfo  # noqa: E402

TARGET = 0.050
QUERY = "origin:sync line:collection since:2026-03-01 form"
SUBJECTS = ["Add form filling", "Fix tables", "Update docs", "Tidy scripts", "New merge rules", "Bump version"]


def history(n: int, seed: int = 3) -> list[VersionInfo]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    out: list[VersionInfo] = []
    heads: dict[str, int] = {}
    lines = ["collection", "upstream", "web", "docs"]
    for i in range(1, n + 1):
        line = lines[0] if rng.random() < 0.7 else rng.choice(lines[1:])
        origin = {"collection": rng.choice(["sync", "sync", "local_modification", "merge"]),
                  "upstream": "sync"}.get(line, rng.choice(["deployment", "local_modification"]))
        meta = {"commit_subject": rng.choice(SUBJECTS), "ref": "main", "resolved_commit": f"{rng.getrandbits(160):040x}",
                "user": "ana", "machine": "laptop"} if origin == "sync" else {"user": "ana", "machine": "laptop"}
        out.append(VersionInfo(id=i, artifact_id=1, content_hash=f"{rng.getrandbits(256):064x}", parent_hash=None,
                               parent_id=heads.get(line), second_parent_id=None, change_origin=origin,
                               created_at=start + timedelta(minutes=50 * i), metadata=meta, line=line))
        heads[line] = i
    return out


def rescan(versions: list[VersionInfo], text: str) -> list[int]:
    """The baseline: no index; every version's text made again for each keystroke."""
    q = parse_query(text, typing=True)
    out = []
    for v in sorted(versions, key=lambda v: v.id, reverse=True):
        notes = json.dumps(v.metadata).lower()
        if q.origins and v.change_origin not in q.origins:
            continue
        if q.lines and v.line.lower() not in q.lines:
            continue
        if q.since is not None and v.created_at < q.since:
            continue
        if q.until is not None and v.created_at >= q.until:
            continue
        if q.words and not all(w in notes or v.content_hash.startswith(w) for w in q.words):
            continue
        out.append(v.id)
    return out


def keystrokes(fn, runs: int) -> list[float]:
    """Seconds per keystroke, every prefix of QUERY, `runs` times."""
    times = []
    for _ in range(runs):
        for k in range(1, len(QUERY) + 1):
            t0 = time.perf_counter()
            fn(QUERY[:k])
            times.append(time.perf_counter() - t0)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small data, for a smoke test")
    ap.add_argument("--versions", type=int, default=None, help="versions (default 10,000)")
    ap.add_argument("--runs", type=int, default=3, help="times the query is typed (at least 3)")
    args = ap.parse_args(argv)
    n = args.versions or (300 if args.quick else 10000)
    runs = max(3, args.runs)
    print("== Search benchmark (one keystroke in the find box) ==")
    print(f"machine: {machine_line()}")
    print(f"runs:    the query typed {runs} times ({len(QUERY)} keystrokes each); at start: {load_line()}")
    versions = history(n)
    print(f"data:    {n:,} versions on 4 lines; query {QUERY!r}")

    t0 = time.perf_counter()
    index = SearchIndex(versions)
    built = time.perf_counter() - t0

    from PySide6.QtWidgets import QApplication

    from gui.graph.view import LineageView

    app = QApplication.instance() or QApplication([])
    from gui.graph.scene import ViewOptions

    view = LineageView()
    view.resize(900, 700)
    view.show()
    t0 = time.perf_counter()
    view.set_versions(versions, None)
    app.processEvents()
    drawn = time.perf_counter() - t0
    folded = LineageView()
    folded.resize(900, 700)
    folded.show()
    folded.set_versions(versions, None, ViewOptions(fold=True, screen_rows=folded.screen_rows()))
    app.processEvents()

    def window(on: LineageView):
        def keystroke(text: str) -> None:
            on.set_search_matches(index.match(parse_query(text, typing=True)))
            on.viewport().repaint()  # the paint the keystroke costs, now rather than at the next event loop turn
        return keystroke

    contenders = {
        "ours (core)": lambda text: index.match(parse_query(text, typing=True)),
        "ours (window)": window(view),
        "ours (folded)": window(folded),
        "repaint alone": lambda text: view.viewport().repaint(),
        "rescan": lambda text: rescan(versions, text),
    }
    results = {name: keystrokes(fn, runs) for name, fn in contenders.items()}
    same = index.match(parse_query(QUERY)) == rescan(versions, QUERY)
    print(f"index built once per history in {ms(built)} (at the first query, on a worker past 2,000 versions); graph drawn in {ms(drawn)} "
          f"(not per keystroke); folded graph: {folded.node_count():,} nodes")
    print(f"\n{'contender':<16}{'median':>12}{'worst':>12}")
    for name, times in results.items():
        print(f"{name:<16}{ms(statistics.median(times))}{ms(max(times))}")
    base = statistics.median(results["rescan"])
    print(f"ratio (median): rescan / ours (core) = {base / statistics.median(results['ours (core)']):.1f}x   "
          f"rescan / ours (window) = {base / statistics.median(results['ours (window)']):.1f}x")
    print(f"same matches as the rescan: {'yes' if same else 'NO'} ({len(index.match(parse_query(QUERY))):,} versions)")
    print(f"\nat end: {load_line()}")
    worst = max(max(results["ours (window)"]), max(results["ours (folded)"]))
    print("\n-- target --")
    print(f"{verdict(worst, TARGET)}  worst keystroke on {n:,} versions (match + dim + repaint, drawn or folded) < 50 ms: {ms(worst).strip()}")
    if args.quick:
        print("(--quick: small data, a smoke run; the target is for 10,000 versions)")
    view.close()
    folded.close()
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

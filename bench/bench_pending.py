#!/usr/bin/env python3
"""What crash safety costs a sync (issue 7.1): pending records against none.

    .venv/bin/python bench/bench_pending.py [--quick] [--artifacts N] [--repeats R]

Each sync that replaces a copy now writes a pending record before its swap (a file
written, fsynced, renamed, its folder fsynced) and removes it after recording. The
baseline is the same sync with the pending record left out (`Workspace.pending.hold`
replaced by a stand-in that writes nothing), which is what sync did before. Both run
side by side, alternating, on fresh data folders: the first sync of N artifacts (all
copied in) and a sync with every artifact changed upstream (all replaced). Prints the
machine, the medians and the ratio; never asserts.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import load_line, machine_line  # noqa: E402
from core import sync  # noqa: E402
from core.workspace import Workspace  # noqa: E402


class _NoRecord:
    """The baseline: the sync as before pending records (nothing written, nothing to remove)."""

    def hold(self, record):  # noqa: ANN001 - stands in for PendingRecords.hold
        return self

    def done(self) -> None:
        pass

    def leave(self) -> None:
        pass

    def roll_forward(self, *a, **kw) -> list[str]:  # noqa: ANN002, ANN003
        return []


def generate(root: Path, count: int, version: str) -> None:
    for i in range(count):
        skill = root / f"skill-{i:04d}"
        (skill / "scripts").mkdir(parents=True, exist_ok=True)
        (skill / "SKILL.md").write_text(f"# skill {i} {version}\n" + "text\n" * 40)
        (skill / "scripts" / "run.sh").write_text(f"#!/bin/sh\necho {i}\n")
        (skill / "reference.md").write_text("reference\n" * 200)


def one_round(work: Path, count: int, baseline: bool) -> tuple[float, float]:
    """(first sync, sync with everything changed) in seconds, on a fresh data folder."""
    if work.exists():
        shutil.rmtree(work)
    ups = work / "up"
    generate(ups, count, "v1")
    with Workspace.open(work / "home") as ws:
        if baseline:
            ws.pending = _NoRecord()  # type: ignore[assignment]
        for i in range(count):
            sync.add_artifact(ws, f"skill-{i:04d}", str(ups / f"skill-{i:04d}"))
        start = time.perf_counter()
        results = sync.sync_all(ws)
        first = time.perf_counter() - start
        assert all(r.action == "copied" for r in results), {r.action for r in results}
        generate(ups, count, "v2")
        start = time.perf_counter()
        results = sync.sync_all(ws)
        changed = time.perf_counter() - start
        assert all(r.action == "replaced" for r in results), {r.action for r in results}
    return first, changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 artifacts, one repeat (a smoke run)")
    ap.add_argument("--artifacts", type=int, default=None, help="artifacts per sync (default 200)")
    ap.add_argument("--repeats", type=int, default=None, help="alternating rounds per side (default 3)")
    args = ap.parse_args(argv)
    count = args.artifacts or (10 if args.quick else 200)
    repeats = args.repeats or (1 if args.quick else 3)
    print(f"machine: {machine_line()}")
    print(f"load:    {load_line()}")
    print(f"data:    {count} skills x 3 files, {repeats} alternating rounds per side")
    times: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="bench-pending-") as tmp:
        for _ in range(repeats):
            for baseline in (True, False):
                times[baseline].append(one_round(Path(tmp) / "work", count, baseline))
    for label, i in (("first sync (copy in)", 0), ("sync, all changed (replace)", 1)):
        ours = statistics.median(t[i] for t in times[False])
        base = statistics.median(t[i] for t in times[True])
        print(f"{label:30s} pending records {ours:7.3f} s   baseline (no record) {base:7.3f} s   "
              f"ratio {ours / base:5.2f}   ({(ours - base) / count * 1000:+.2f} ms per artifact)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

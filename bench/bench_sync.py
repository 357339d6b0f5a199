#!/usr/bin/env python3
"""Sync benchmark: 1,000 generated artifacts from folder upstreams (issue 3 §6).

    .venv/bin/python bench/bench_sync.py [--quick] [--artifacts N] [--keep DIR]

Measures, in one run on generated data:
  1. the first sync (copy every artifact in, record 1,000 root versions);
  2. the first re-check after it, nothing changed (the stat cache fills: every file
     is read once more, because a digest cached within 2 s of a file's mtime is
     never trusted, see docs/hashing.md);
  3. a sync with nothing changed, warm stat cache (target < 1 s) — what a second
     "Sync now" or a cron run sees;
  4. a sync with 10 artifacts changed upstream (target < 2 s).
Prints machine info, medians, and PASS/MISS against the targets; never asserts.
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

from bench._common import machine_line, timed, verdict  # noqa: E402
from core import sync# noqa: E402
from core.workspace import Workspace  # noqa: E402

TARGET_NO_CHANGE = 1.0
TARGET_TEN_CHANGED = 2.0
RACY_WAIT = 2.1  # the stat cache's racy-git granularity (2 s) plus a margin


def generate(upstreams: Path, count: int) -> list[Path]:
    """Skill-shaped folders: SKILL.md, a script, two reference files (about 6 KB each)."""
    roots = []
    for i in range(count):
        root = upstreams / f"skill-{i:04d}"
        (root / "scripts").mkdir(parents=True)
        (root / "reference").mkdir()
        (root / "SKILL.md").write_text(f"# skill {i}\n\n" + "Use this skill when asked.\n" * 40)
        script = root / "scripts" / "run.sh"
        script.write_text(f"#!/bin/sh\necho {i}\n")
        script.chmod(0o755)
        (root / "reference" / "notes.md").write_text(f"notes {i}\n" * 200)
        (root / "reference" / "data.json").write_text('{"n": %d}\n' % i)
        roots.append(root)
    return roots


def check(results, expect_actions: set[str]) -> None:
    bad = [r for r in results if r.action not in expect_actions]
    if bad:
        raise SystemExit(f"unexpected results: {bad[:3]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="30 artifacts, one repeat (a smoke run)")
    ap.add_argument("--artifacts", type=int, default=None, help="number of artifacts (default 1000)")
    ap.add_argument("--repeats", type=int, default=None, help="repeats of the measured syncs (default 5)")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temp folder, removed)")
    args = ap.parse_args(argv)
    count = args.artifacts or (30 if args.quick else 1000)
    repeats = args.repeats or (1 if args.quick else 5)
    wait = 0.0 if args.quick else RACY_WAIT

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-sync-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine_line()}")
    print(f"data:    {count} artifacts x 5 files in {work}")
    try:
        roots = generate(work / "upstreams", count)
        ws = Workspace.open(home=work / "home")
        try:
            add_s, _ = timed(lambda: [sync.add_artifact(ws, r.name, str(r)) for r in roots])
            first_s, results = timed(lambda: sync.sync_all(ws))
            check(results, {"copied"})
            time.sleep(wait)
            recheck_s, results = timed(lambda: sync.sync_all(ws))
            check(results, {"nothing"})
            time.sleep(wait)  # the digests just cached must be older than the granularity to be trusted
            no_change = []
            for _ in range(repeats):
                seconds, results = timed(lambda: sync.sync_all(ws))
                check(results, {"nothing"})
                no_change.append(seconds)
            status_s, _ = timed(lambda: sync.status_all(ws))
            ten = []
            for rep in range(repeats):
                changed = roots[(rep * 10) % count:][:10]
                for root in changed:
                    with open(root / "SKILL.md", "a") as fh:
                        fh.write(f"change {rep}\n")
                seconds, results = timed(lambda: sync.sync_all(ws))
                replaced = sum(r.action == "replaced" for r in results)
                if replaced != len(changed):
                    raise SystemExit(f"expected {len(changed)} replaced, got {replaced}")
                ten.append(seconds)
                time.sleep(wait)
        finally:
            ws.close()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    med_nc, med_ten = statistics.median(no_change), statistics.median(ten)
    print(f"add {count} artifacts:                      {add_s:8.3f} s")
    print(f"first sync (copy + record {count}):          {first_s:8.3f} s")
    print(f"first re-check, cache filling:              {recheck_s:8.3f} s")
    print(f"sync, nothing changed (median of {repeats}):      {med_nc:8.3f} s   "
          f"target < {TARGET_NO_CHANGE:g} s  {verdict(med_nc, TARGET_NO_CHANGE)}")
    print(f"status, nothing changed:                    {status_s:8.3f} s")
    print(f"sync, 10 changed upstream (median of {repeats}):  {med_ten:8.3f} s   "
          f"target < {TARGET_TEN_CHANGED:g} s  {verdict(med_ten, TARGET_TEN_CHANGED)}")
    if args.quick:
        print("(--quick: a smoke run on few artifacts; the targets are for 1,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

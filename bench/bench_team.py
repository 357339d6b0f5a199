#!/usr/bin/env python3
"""Team benchmark: a shared history and object store on PostgreSQL (issue 17).

    .venv/bin/python bench/bench_team.py [--quick] [--artifacts N] [--files N]

Starts the throwaway PostgreSQL server the tests use (tests/pg_server.py; prints why and
exits 0 when there is none), generates N skills x M files, then measures in one run:
  1. the first sync of all of them by one member into PostgreSQL (history rows, local
     store, and the shared store: every object and manifest uploaded), against the same
     first sync on SQLite (history rows and the local store only): ratio, target < 2x;
  2. a second member's first `diff` of a version (fresh data folder, nothing cached:
     manifests and changed files fetched from the database), the median over several
     artifacts each diffed for the first time, target < 200 ms; the same diff again
     (cached) for comparison;
  3. database bytes per stored byte: the shared_objects table's total size (heap, TOAST,
     index) over the bytes it holds inflated, and the whole database over the same.
Prints machine info, sizes, ratios and PASS/MISS; never asserts.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import machine_line, timed, verdict  # noqa: E402

TARGET_RATIO = 2.0
TARGET_DIFF_S = 0.200


def generate(upstreams: Path, count: int, files: int) -> int:
    """Skill folders of `files` files each: prose-like lines from a seeded vocabulary (a few kB
    each, compressing about as real Markdown does, not as one repeated line); returns the bytes written."""
    rng = random.Random(17)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(3000)]

    def prose(lines: int) -> str:
        return "".join(" ".join(rng.choices(words, k=rng.randint(4, 14))) + ".\n" for _ in range(lines))

    total = 0
    for i in range(count):
        root = upstreams / f"skill-{i:04d}"
        (root / "reference").mkdir(parents=True)
        body = f"# skill {i}\n\n" + prose(40)
        (root / "SKILL.md").write_text(body)
        total += len(body)
        for n in range(files - 1):
            text = f"# notes {i}/{n}\n" + prose(20 + n * 4)
            (root / "reference" / f"part-{n}.md").write_text(text)
            total += len(text)
    return total


def first_sync(home: Path, url: str | None, upstreams: Path) -> tuple[float, float]:
    """(seconds to add every artifact, seconds for the first sync) in a fresh data folder."""
    from core import sync
    from core.workspace import Workspace

    ws = Workspace.open(home=home, db_url=url)
    try:
        roots = sorted(upstreams.iterdir())
        add_s, _ = timed(lambda: [sync.add_artifact(ws, r.name, str(r)) for r in roots])
        sync_s, results = timed(lambda: sync.sync_all(ws))
        bad = [r for r in results if r.action != "copied"]
        if bad:
            raise SystemExit(f"unexpected results: {bad[:3]}")
        return add_s, sync_s
    finally:
        ws.close()


def edit_and_sync(home: Path, url: str, upstreams: Path, count: int) -> None:
    """A second upstream state for the first `count` artifacts (one file changed), synced."""
    from core import sync
    from core.workspace import Workspace

    for root in sorted(upstreams.iterdir())[:count]:
        with open(root / "SKILL.md", "a") as fh:
            fh.write("One more line.\n")
    ws = Workspace.open(home=home, db_url=url)
    try:
        sync.sync_all(ws)
    finally:
        ws.close()


def first_diff(home: Path, url: str, name: str) -> float:
    """Seconds for `main.py diff NAME v1 v2` as the command does it, in an open workspace."""
    from core import diff
    from core.workspace import Workspace

    ws = Workspace.open(home=home, db_url=url)
    try:
        start = time.perf_counter()
        art = ws.history.get_artifact(name)
        v2, v1 = ws.history.versions(art.id)[:2]
        ws.objects.prefetch(manifests=(v1.content_hash, v2.content_hash))
        changes = diff.compare(ws.objects, v1.content_hash, v2.content_hash)
        ws.objects.prefetch(d for c in changes for d in (c.old_digest, c.new_digest))
        text = [diff.file_diff(ws.objects, c) for c in changes]
        seconds = time.perf_counter() - start
        if not text:
            raise SystemExit(f"the diff of {name} is empty")
        return seconds
    finally:
        ws.close()


def sizes(url: str) -> tuple[int, int, int, int]:
    """(shared_objects total bytes, whole database bytes, bytes held inflated, objects+manifests)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            table = conn.execute(text("SELECT pg_total_relation_size('shared_objects')")).scalar()
            database = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
            held, rows = conn.execute(text("SELECT coalesce(sum(size), 0), count(*) FROM shared_objects")).one()
        return int(table), int(database), int(held), int(rows)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="20 artifacts x 3 files (a smoke run)")
    ap.add_argument("--artifacts", type=int, default=None, help="number of skills (default 1000)")
    ap.add_argument("--files", type=int, default=None, help="files per skill (default 10)")
    ap.add_argument("--diffs", type=int, default=None, help="first diffs timed, one artifact each (default 15)")
    args = ap.parse_args(argv)
    count = args.artifacts or (20 if args.quick else 1000)
    files = args.files or (3 if args.quick else 10)
    diffs = min(args.diffs or (3 if args.quick else 15), count)

    from tests import pg_server

    print(f"machine: {machine_line()}")
    try:
        server = pg_server.start()
    except pg_server.PgUnavailable as exc:
        print(f"skipped: no throwaway PostgreSQL server ({exc})")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-team-"))
    try:
        raw = generate(work / "upstreams", count, files)
        print(f"data:    {count} skills x {files} files, {raw / 1e6:.1f} MB, in {work}")
        print("server:  a throwaway PostgreSQL on a unix socket (tests/pg_server.py: fsync=off, as the tests run it)")
        url = server.url(server.create_database("bench_team"))

        _, sqlite_s = first_sync(work / "sqlite-home", None, work / "upstreams")
        _, pg_s = first_sync(work / "alice", url, work / "upstreams")
        ratio = pg_s / sqlite_s
        print(f"first sync, SQLite (local store only):        {sqlite_s:8.3f} s")
        print(f"first sync, PostgreSQL (+ shared store):      {pg_s:8.3f} s")
        print(f"ratio PostgreSQL / SQLite = {ratio:.2f}x   target < {TARGET_RATIO:g}x  {verdict(ratio, TARGET_RATIO)}")

        edit_and_sync(work / "alice", url, work / "upstreams", diffs)
        firsts, again = [], []
        for i in range(diffs):
            home = work / f"bob-{i}"  # a fresh member each time: nothing cached
            firsts.append(first_diff(home, url, f"skill-{i:04d}"))
            again.append(first_diff(home, url, f"skill-{i:04d}"))
        med, med_again = statistics.median(firsts), statistics.median(again)
        print(f"second member's first diff of a version (median of {diffs}): {med * 1000:7.1f} ms   "
              f"target < {TARGET_DIFF_S * 1000:g} ms  {verdict(med, TARGET_DIFF_S)}")
        print(f"the same diff again, from the cache (median of {diffs}):      {med_again * 1000:7.1f} ms")

        table, database, held, rows = sizes(url)
        print(f"shared store: {rows} objects and manifests, {held / 1e6:.2f} MB inflated")
        print(f"database bytes per stored byte: shared_objects {table / held:.2f}, "
              f"whole database {database / held:.2f} (incl. history rows and PostgreSQL's own ~7.5 MB)")
        if args.quick:
            print("(--quick: a smoke run on tiny data; the targets are for 1,000 x 10)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

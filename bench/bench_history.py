"""History benchmark: a long version chain, parent links + recursive query against the
seed's stored-JSON-lineage scheme (issue 3, section 6).

    .venv/bin/python bench/bench_history.py            # 10,000 versions (about a minute, ~3.5 GB temp for the baseline)
    .venv/bin/python bench/bench_history.py --quick    # 500 versions, seconds

Both schemes are built in the same run, on separate SQLite files in one temporary
folder, with the same pragmas (WAL, synchronous=FULL, foreign keys, one
IMMEDIATE transaction per recorded version). Ours goes through the real
`History.record_version` (ORM, dedup checks, head lookup); the baseline is the
seed's table where each row stores its whole lineage as a JSON array, written
with the bare sqlite3 module. Prints machine info, timings (medians) and sizes,
and PASS/MISS for the 50 ms lineage target. It never asserts timings.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import cpu_line, median_time  # noqa: E402
from core.history import open_database  # noqa: E402
from core.history import History  # noqa: E402
from core.upstreams import UpstreamSpec  # noqa: E402

MIB = 1 << 20
LINEAGE_TARGET_MS = 50.0


def machine_info(where: Path) -> list[str]:
    return [
        f"machine: {cpu_line()}",
        f"machine: python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.release()}",
        f"machine: data folder {where}",
    ]


def content_hash(i: int) -> str:
    return hashlib.sha256(f"version {i}".encode()).hexdigest()


def file_size(path: Path) -> int:
    """Main file + WAL after a full checkpoint: what the data costs on disk."""
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = 0
    for suffix in ("", "-wal"):
        part = Path(str(path) + suffix)
        if part.exists():
            total += part.stat().st_size
    return total


def median_ms(fn, runs: int) -> float:
    return median_time(fn, runs)[0] * 1000


def first_last_decile_ms(per_call: list[float]) -> tuple[float, float]:
    """Median cost of the first and the last tenth of the chain: flat = O(1) per version."""
    tenth = max(1, len(per_call) // 10)
    return statistics.median(per_call[:tenth]) * 1000, statistics.median(per_call[-tenth:]) * 1000


# --- ours: parent links, recursive query ------------------------------------------


def run_ours(folder: Path, n: int, checkpoints: list[int], runs: int) -> dict:
    path = folder / "parent-links.sqlite3"
    db = open_database(f"sqlite:///{path}")
    history = History(db)
    art = history.add_artifact("bench", "skill", UpstreamSpec("folder", "/bench"), "skills/bench", "dir")
    per_call: list[float] = []
    sizes: dict[int, int] = {}
    last_id = None
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        outcome = history.record_version(art.id, content_hash(i), "sync", metadata={"i": i})
        per_call.append(time.perf_counter() - t0)
        last_id = outcome.version.id
        if i + 1 in checkpoints:
            sizes[i + 1] = file_size(path)
    total = time.perf_counter() - start
    lineage = history.lineage(last_id)
    lineage_ms = median_ms(lambda: history.lineage(last_id), runs)
    db.dispose()
    return {
        "total_s": sum(per_call), "wall_s": total, "median_ms": statistics.median(per_call) * 1000,
        "deciles_ms": first_last_decile_ms(per_call),
        "sizes": sizes, "lineage_ms": lineage_ms, "lineage": lineage, "final": file_size(path),
    }


# --- the seed's scheme: every row stores its lineage as a JSON array ---------------


def run_seed(folder: Path, n: int, checkpoints: list[int], runs: int) -> dict:
    path = folder / "stored-json.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None, timeout=5)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = FULL")
    raw.execute("PRAGMA foreign_keys = ON")
    raw.execute(
        "CREATE TABLE versions (id INTEGER PRIMARY KEY, artifact_id INTEGER NOT NULL,"
        " content_hash VARCHAR(64) NOT NULL, parent_hash VARCHAR(64), change_origin TEXT NOT NULL,"
        " created_at TEXT NOT NULL, metadata TEXT NOT NULL, lineage TEXT NOT NULL)"
    )
    raw.execute("CREATE INDEX ix_v_hash ON versions (content_hash)")
    raw.execute("CREATE INDEX ix_v_art ON versions (artifact_id, id)")
    per_call: list[float] = []
    sizes: dict[int, int] = {}
    last_id = None
    for i in range(n):
        t0 = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        row = raw.execute(
            "SELECT content_hash, lineage FROM versions WHERE artifact_id = 1 ORDER BY id DESC LIMIT 1"
        ).fetchone()
        parent_hash, lineage = (row[0], json.loads(row[1])) if row else (None, [])
        lineage.append(content_hash(i))
        cur = raw.execute(
            "INSERT INTO versions (artifact_id, content_hash, parent_hash, change_origin, created_at,"
            " metadata, lineage) VALUES (1, ?, ?, 'sync', ?, ?, ?)",
            (content_hash(i), parent_hash, time.strftime("%Y-%m-%d %H:%M:%S"),
             json.dumps({"i": i}), json.dumps(lineage)),
        )
        raw.execute("COMMIT")
        per_call.append(time.perf_counter() - t0)
        last_id = cur.lastrowid
        if i + 1 in checkpoints:
            sizes[i + 1] = file_size(path)

    def read_lineage() -> list[str]:
        return json.loads(raw.execute("SELECT lineage FROM versions WHERE id = ?", (last_id,)).fetchone()[0])

    lineage = read_lineage()
    lineage_ms = median_ms(read_lineage, runs)
    raw.close()
    return {
        "total_s": sum(per_call), "median_ms": statistics.median(per_call) * 1000,
        "deciles_ms": first_last_decile_ms(per_call),
        "sizes": sizes, "lineage_ms": lineage_ms, "lineage": lineage, "final": file_size(path),
    }


def mib(n: int) -> str:
    return f"{n / MIB:.2f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 versions: a smoke run")
    parser.add_argument("--versions", type=int, help="chain length (default 10,000; 500 with --quick)")
    parser.add_argument("--runs", type=int, default=None, help="lineage timing runs (median)")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the databases (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args(argv)

    n = args.versions or (500 if args.quick else 10_000)
    runs = args.runs or (5 if args.quick else 15)
    checkpoints = sorted({max(1, n // 10), max(1, n // 2), n})
    folder = Path(tempfile.mkdtemp(prefix="bench-history-", dir=args.dir))
    try:
        print(f"bench_history: chain of {n} versions, one artifact, {runs} lineage runs")
        for line in machine_info(folder):
            print(line)
        ours = run_ours(folder, n, checkpoints, runs)
        seed = run_seed(folder, n, checkpoints, runs)

        print(f"record parent-links (History.record_version): {ours['total_s'] / n * 1000:.2f} ms/version mean, "
              f"{ours['median_ms']:.2f} ms median, {ours['total_s']:.1f} s total, "
              f"first/last tenth {ours['deciles_ms'][0]:.2f}/{ours['deciles_ms'][1]:.2f} ms median")
        print(f"record seed-json (bare sqlite3): {seed['total_s'] / n * 1000:.2f} ms/version mean, "
              f"{seed['median_ms']:.2f} ms median, {seed['total_s']:.1f} s total, "
              f"first/last tenth {seed['deciles_ms'][0]:.2f}/{seed['deciles_ms'][1]:.2f} ms median")
        verdict = "PASS" if ours["lineage_ms"] < LINEAGE_TARGET_MS else "MISS"
        print(f"lineage newest parent-links (recursive CTE): {ours['lineage_ms']:.2f} ms median, "
              f"{len(ours['lineage'])} hashes [target < {LINEAGE_TARGET_MS:.0f} ms: {verdict}]")
        print(f"lineage newest seed-json (read one row + json.loads): {seed['lineage_ms']:.2f} ms median, "
              f"{len(seed['lineage'])} hashes")
        same = ours["lineage"] == seed["lineage"] == [content_hash(i) for i in range(n)]
        print(f"lineage check: both schemes give the same {n} hashes oldest first: {'yes' if same else 'NO'}")
        for at in checkpoints:
            a, b = ours["sizes"][at], seed["sizes"][at]
            print(f"size at {at} versions: parent-links {mib(a)}, seed-json {mib(b)}, ratio {b / a:.1f}x")
        first, last = checkpoints[0], checkpoints[-1]
        factor = last / first
        print(f"growth {first}->{last} versions (x{factor:.0f} more): "
              f"parent-links x{ours['sizes'][last] / ours['sizes'][first]:.1f}, "
              f"seed-json x{seed['sizes'][last] / seed['sizes'][first]:.1f} "
              f"(linear would be x{factor:.0f}, quadratic x{factor * factor:.0f})")
        print(f"final size: parent-links {mib(ours['final'])} ({ours['final'] / n:.0f} bytes/version), "
              f"seed-json {mib(seed['final'])}, ratio {seed['final'] / ours['final']:.1f}x")
        return 0 if same else 1
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

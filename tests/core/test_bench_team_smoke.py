"""bench/bench_team.py runs end to end on tiny data (no timing is checked, only the report)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import pg_server

ROOT = Path(__file__).resolve().parents[2]


def test_team_bench_quick() -> None:
    try:
        pg_server.start().stop()  # the bench starts its own; skip here, saying why, where it cannot
    except pg_server.PgUnavailable as exc:
        pytest.skip(f"no throwaway PostgreSQL server: {exc}")
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_team.py"), "--quick"],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    for line in ("ratio PostgreSQL / SQLite =", "second member's first diff of a version",
                 "the same diff again, from the cache", "database bytes per stored byte: shared_objects"):
        assert line in out.stdout, f"missing {line!r} in:\n{out.stdout}"
    assert out.stdout.count("PASS") + out.stdout.count("MISS") == 2

"""bench/bench_sync.py --quick runs end to end (figures printed, no timing asserted)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_sync_quick_runs(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_sync.py"), "--quick", "--artifacts", "12",
         "--keep", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out
    for label in ("first sync", "nothing changed", "10 changed"):
        assert label in out
    assert out.count("PASS") + out.count("MISS") == 2

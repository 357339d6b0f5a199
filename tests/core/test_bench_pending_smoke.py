"""bench/bench_pending.py --quick runs end to end (figures printed, no timing asserted)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_pending_quick_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_pending.py"), "--quick", "--artifacts", "4"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "machine:" in proc.stdout
    for label in ("first sync", "all changed"):
        assert label in proc.stdout and "ratio" in proc.stdout

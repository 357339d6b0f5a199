"""bench/bench_search.py --quick runs end to end (figures printed, matches checked against the rescan, no timing asserted)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_search_quick_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_search.py"), "--quick", "--versions", "60"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out and "same matches as the rescan: yes" in out
    assert out.count("PASS") + out.count("MISS") == 1

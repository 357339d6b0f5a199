"""bench/bench_git_checkout.py --quick runs end to end (figures printed, no timing asserted)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_git_checkout_quick_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_git_checkout.py"), "--quick"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out and "ratio project / baseline" in out
    assert "same files as the baseline  : yes" in out  # no attributes here: both write the same bytes

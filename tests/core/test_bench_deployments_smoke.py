"""bench/bench_deployments.py --quick runs end to end (figures printed, no timing asserted)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_deployments_quick_runs(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_deployments.py"), "--quick", "--keep", str(tmp_path / "w")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out and "baseline per-deployment lookups (10)" in out
    assert "modified 3" in out  # the edited copies are seen as edited
    assert out.count("PASS") + out.count("MISS") == 1

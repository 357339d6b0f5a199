"""bench/bench_blame.py --quick runs end to end (figures printed, owners checked against git, no timing asserted)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: it is the bench's baseline")
def test_bench_blame_quick_runs(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_blame.py"), "--quick", "--versions", "12", "--lines", "60",
         "--keep", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out
    assert "same owners as git blame: yes" in out
    assert out.count("PASS") + out.count("MISS") == 5  # after a sync, warm, incremental, older, cold
    assert "0 contents read; owners as a cold blame's: yes" in out  # after a sync: the upkeep kept it

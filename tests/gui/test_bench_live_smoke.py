"""bench/bench_live.py --quick runs end to end and prints its figures; no timing asserts."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_live_quick_runs():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_live.py"), "--quick", "--artifacts", "6",
                           "--seconds", "1", "--edits", "1"],
                          capture_output=True, text=True, timeout=110, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out and "data:" in out
    for name in ("watch", "poll", "baseline"):
        assert re.search(rf"^  {name}\s+[\d.]+ s/min\s+ratio vs baseline", out, re.M), out
    assert len(re.findall(r"target < 1000 ms: (PASS|MISS)$", out, re.M)) == 2, out

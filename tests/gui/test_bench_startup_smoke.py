"""bench/bench_startup.py --quick runs end to end (~5 s) and prints its figures; no timing asserts."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_startup_quick_runs():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_startup.py"), "--quick"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out and "data: demo collection" in out
    assert re.search(r"^bare QLabel \(baseline\)\s+median\s+[\d.]+ ms", out, re.M)
    # Each window figure reports how many versions the window really showed.
    assert re.search(r"^window, demo\s+median\s+[\d.]+ ms.*\[VERSIONS \d+\]", out, re.M)
    assert re.search(r"^window, \d+ versions\s+median\s+[\d.]+ ms.*\[VERSIONS \d+\]", out, re.M)
    verdicts = re.findall(r"^window, .*target < 2 s: (PASS|MISS)$", out, re.M)
    assert len(verdicts) == 2, out

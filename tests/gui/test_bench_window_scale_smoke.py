"""bench/bench_window_scale.py --quick runs both contenders end to end (~20 s) and prints
its figures; no timing asserts."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_window_scale_quick_runs(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    shot = tmp_path / "window.png"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_window_scale.py"), "--quick",
                           "--screenshot", str(shot)],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out and "data: 8 artifacts" in out and "data: 16 artifacts" in out
    # Both contenders ran every phase at both sizes and drew the long history.
    for contender in ("reference", "ours"):
        runs = re.findall(rf"^  {contender} +first paint [\d.]+ s, longest stall [\d,]+ ms .*"
                          rf"synced (\d+) \(again: 0 changed\), longest history drawn with 120 versions$",
                          out, re.M)
        assert runs == ["8", "16"], out
        # show->paint, then the five phases
        assert len(re.findall(rf"^ +\d+  {contender}(?: +[\d,]+ \([\d,]+\)){{6}}$", out, re.M)) == 2, out
    assert re.search(r"^ours at 16 artifacts: first paint [\d.]+ s, target < 1.5 s: (PASS|MISS)$", out, re.M)
    assert re.search(r"^ours at 16 artifacts: longest stall .* target < 100 ms: (PASS|MISS)", out, re.M)
    assert shot.stat().st_size > 10_000

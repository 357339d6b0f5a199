"""bench/bench_graph.py --quick runs end to end (figures are not checked: no timing asserts)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_graph_quick_runs():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_graph.py"), "--quick"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out
    assert "baseline networkx.spring_layout" in out
    assert "baseline naive scene" in out
    assert "RESULT layout+scene build" in out and "RESULT repaint at fit" in out
    assert ("PASS" in out) or ("MISS" in out)
    assert "RESULT lines: layout+scene build" in out and "RESULT lines: repaint at fit" in out
    assert "bands" in out and "foldable runs" in out

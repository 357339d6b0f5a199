"""bench/bench_status_repo.py --quick runs end to end (figures printed, no timing asserted)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_status_repo_quick_prints_its_figures(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_status_repo.py"), "--quick", "--dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "machine:" in out and re.search(r"^ratio baseline / ours: wall [\d.]+x, CPU [\d.]+x$", out, re.M)
    assert re.search(r"^ours +status +wall +\d+ ms +CPU +\d+ ms +git processes +\d+ +git fetch +1$", out, re.M), out
    assert re.search(r"^(PASS|MISS)  status of 5 artifacts", out, re.M)
    assert list(tmp_path.iterdir()) == []

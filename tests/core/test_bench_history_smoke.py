"""bench/bench_history.py --quick runs and prints every figure it promises (no timing assertions)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_history_quick_prints_its_figures(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_history.py"), "--quick", "--versions", "200",
         "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("bench_history: chain of 200 versions")
    assert re.search(r"^machine: cpu .+, \d+ logical cores$", out, re.M)
    assert re.search(r"^record parent-links .*: [\d.]+ ms/version mean.*first/last tenth [\d.]+/[\d.]+ ms median$", out, re.M)
    assert re.search(r"^record seed-json .*: [\d.]+ ms/version mean", out, re.M)
    assert re.search(r"^lineage newest parent-links .*: [\d.]+ ms median, 200 hashes \[target < 50 ms: (PASS|MISS)\]$", out, re.M)
    assert re.search(r"^lineage newest seed-json .*200 hashes$", out, re.M)
    assert "both schemes give the same 200 hashes oldest first: yes" in out
    sizes = re.findall(r"^size at (\d+) versions: parent-links ([\d.]+) MiB, seed-json ([\d.]+) MiB, ratio ([\d.]+)x$", out, re.M)
    assert [int(s[0]) for s in sizes] == [20, 100, 200]
    assert re.search(r"^growth 20->200 versions .*quadratic x100\)$", out, re.M)
    assert re.search(r"^final size: parent-links [\d.]+ MiB \(\d+ bytes/version\), seed-json [\d.]+ MiB, ratio [\d.]+x$", out, re.M)
    assert list(tmp_path.iterdir()) == []  # its databases are removed afterwards

"""bench/bench_cli.py --quick runs and prints every figure it promises (no timing assertions)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_cli_quick_prints_its_figures(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_cli.py"), "--quick", "--versions", "20", "60",
         "--runs", "1", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for name in ("python -c pass", "main.py --help", "main.py --version", "main.py hash <one-file folder>",
                 "main.py status (empty, database at head)"):
        assert re.search(rf"^{re.escape(name)} +[\d.]+ ms +[\d.]+x   CPU +[\d.]+ ms +[\d.]+x$", out, re.M), (name, out)
    for n in (20, 60):
        assert f"a chain of {n} versions" in out
    assert len(re.findall(r"^  ours \(streamed, compact\) +[\d.]+ ms  CPU +[\d.]+ ms  peak RSS +[\d.]+ MiB  output +[\d.]+ MB$", out, re.M)) == 2
    assert len(re.findall(r"^  old \(whole document, indent=2\) ", out, re.M)) == 2
    assert len(re.findall(r"^  ratio old / ours: time [\d.]+x, peak RSS [\d.]+x$", out, re.M)) == 2
    assert re.search(r"^(PASS|MISS)  peak memory does not grow with the output \(20 -> 60 versions\)", out, re.M)
    assert list(tmp_path.iterdir()) == []  # its data is removed afterwards

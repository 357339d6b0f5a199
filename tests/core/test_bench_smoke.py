"""The benchmarks run end to end on tiny data (no timing is checked, only the report)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_hashing_bench_quick(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_hashing.py"), "--quick", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for line in ("ratio cold: naive / hash_tree =", "ratio warm: naive / hash_tree =",
                 "ratio whole process: warm / floor =", "naive / cold =",
                 "ratio big file: hash_file throughput / in-memory =", "peak memory of hash_file"):
        assert line in text, f"missing {line!r} in:\n{text}"
    assert text.count("PASS") + text.count("MISS") == 6
    assert list(tmp_path.iterdir()) == []  # the generated data is removed

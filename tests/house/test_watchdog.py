"""The suite's watchdog (tests/conftest.py): a test that never returns ends its worker with
every thread's stack, even when pytest-timeout cannot act, so CI fails in minutes with the
culprit named instead of hanging until its own limit."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_stuck_test_is_ended_with_its_stack_named(tmp_path):
    # The suite's own hooks, in a throwaway run outside the repository.
    (tmp_path / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.conftest import pytest_configure, pytest_runtest_protocol  # noqa: F401\n"
    )
    (tmp_path / "test_stuck.py").write_text("import time\n\ndef test_never_returns():\n    time.sleep(120)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:timeout", "-p", "no:xdist", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=90, env=dict(os.environ, WATCHDOG_S="2"),
    )
    assert proc.returncode != 0
    assert "Timeout (0:00:02)!" in proc.stderr
    assert "in test_never_returns" in proc.stderr  # the stuck test's frame is in the dump

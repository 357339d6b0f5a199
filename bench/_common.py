"""Helpers shared by the bench/bench_*.py scripts: machine description, load average,
medians. The scripts run as `python bench/bench_x.py`, so each puts this checkout's
root on sys.path and imports `bench._common`."""
from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any, Callable


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo, else what platform knows."""
    cpu = platform.processor() or platform.machine() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return cpu


def machine_line(*extras: str) -> str:
    """One line: system | cpu | cores | Python version (| extras...)."""
    parts = [f"{platform.system()} {platform.release()}", cpu_name(), f"{os.cpu_count()} CPUs",
             f"Python {platform.python_version()}", *extras]
    return " | ".join(parts)


def cpu_line() -> str:
    return f"cpu {cpu_name()}, {os.cpu_count()} logical cores"


def load_line() -> str:
    try:
        one, five, _ = os.getloadavg()
        return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"
    except OSError:
        return "load average unknown"


def child_env() -> dict[str, str]:
    """The environment for timed child processes: bytecode caches on, as a user's python
    has them, even when this shell sets PYTHONDONTWRITEBYTECODE (then every start-up
    would compile the project's modules again)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall seconds of `runs` calls, and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call, and its result."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def verdict(value: float, target: float) -> str:
    """PASS when `value` is below `target` (times: smaller is better)."""
    return "PASS" if value < target else "MISS"

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


def spin(seconds: float) -> None:
    """Run the Qt event loop for `seconds` (timers, socket notifiers, queued signals). A
    QEventLoop, not QTest.qWait: qWait keeps the GIL while it waits, so the window's workers
    crawl beside it (a Python thread got ~1% of the CPU it gets beside an event loop)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def store_skill_md(objects, data: bytes) -> str:
    """Store a tree whose one file is SKILL.md holding `data` in `objects` (an ObjectStore);
    its content hash."""
    from core.content import ManifestEntry, TreeHash, content_hash_of

    entry = ManifestEntry(b"SKILL.md", "f", objects.put_bytes(data), len(data))
    tree = TreeHash(content_hash_of([entry]), (entry,))
    objects.put_manifest(tree)
    return tree.content_hash


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


def rounds(contenders: dict[str, Callable[[], Any]], runs: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Median wall seconds per contender, and each one's last result. Contenders take turns
    within each round, so a burst of outside load hits all of them rather than one."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    results: dict[str, Any] = {}
    for _ in range(runs):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}, results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def print_checks(checks: list[tuple[str, bool, str]], quick: bool = False) -> None:
    """The targets, one line each: PASS/MISS, what, the figure."""
    for label, ok, figure in checks:
        print(f"{'PASS' if ok else 'MISS'}  {label}: {figure}")
    if quick:
        print("(quick run: data too small for the figures to mean anything)")


def record_long_chain(home: Path, versions: int, upstream: Path, *, numbered: bool = False) -> float:
    """One artifact `long` with a chain of `versions` versions recorded through History
    (every seventh a local modification; `numbered` puts i in each one's metadata); seconds taken."""
    import hashlib

    from core.upstreams import UpstreamSpec
    from core.workspace import Workspace

    upstream.mkdir(parents=True, exist_ok=True)
    (upstream / "SKILL.md").write_text("# long\n", encoding="utf-8")
    start = time.perf_counter()
    with Workspace.open(str(home)) as ws:
        info = ws.history.add_artifact("long", "skill", UpstreamSpec("folder", str(upstream)), "skills/long", "dir")
        for i in range(versions):
            digest = hashlib.sha256(f"version {i}".encode()).hexdigest()
            ws.history.record_version(info.id, digest, "local_modification" if i % 7 == 3 else "sync",
                                      metadata={"i": i} if numbered else None)
    return time.perf_counter() - start


#!/usr/bin/env python3
"""What following the world costs while nothing happens, and how soon a change shows (issue 15 §3).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_live.py          # 1,000 artifacts x 10 files, ~3 min
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_live.py --quick  # a smoke run, ~20 s

Data: N skills of 10 files each (SKILL.md, scripts/, references/), added from folder
upstreams and synced; every 10th deployed into one project, so project copies are
followed too. Then, in this one process, each contender runs for D seconds of an
idle Qt event loop (offscreen) and its process CPU time (every thread) is measured:

- watch:    gui.sync.live_watch.LiveWatch as the window runs it: a QFileSystemWatcher on
            every folder and file of every copy, the history watcher thread
            (PRAGMA data_version every 0.2 s);
- poll:     the same with a watch budget of 0: the fallback, every copy's stat keys
            polled every second on the watcher thread (core.live.DiskPoller);
- baseline: the named baseline, what "follow without F5" would cost done naively:
            core.sync.status_all over every artifact once a second (back to back when
            one pass takes longer than a second).

Also printed: the watches taken and the time to list them and add them (the first
re-check, on a worker, then addPaths on the GUI thread), and the latency from a change
to the LiveUpdate reaching the GUI thread (median of R edits on disk; R versions
recorded through another connection). Figures, never asserts.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench._common import load_line, machine_line, spin  # noqa: E402


def generate(up: Path, count: int, files: int) -> None:
    for i in range(count):
        root = up / f"skill-{i:04d}"
        (root / "scripts").mkdir(parents=True, exist_ok=True)
        (root / "references").mkdir(exist_ok=True)
        (root / "SKILL.md").write_text(f"---\nname: skill-{i:04d}\n---\n# skill {i}\n" + "text\n" * 30)
        for n in range(files - 1):
            folder = "scripts" if n % 2 else "references"
            (root / folder / f"part_{n}.md").write_text(f"part {n} of {i}\n" * 20)


def build(work: Path, count: int, files: int):
    from core import projects, sync
    from core.workspace import Workspace

    generate(work / "up", count, files)
    ws = Workspace.open(str(work / "home"))
    for i in range(count):
        sync.add_artifact(ws, f"skill-{i:04d}", str(work / "up" / f"skill-{i:04d}"))
    sync.sync_all(ws)
    (work / "web").mkdir()
    web = projects.add_project(ws, "web", work / "web")
    for artifact in ws.history.list_artifacts()[::10]:
        projects.deploy(ws, artifact, web)
    return ws


def wait_for(app, predicate, limit: float = 30.0) -> float:
    """Seconds until `predicate()` holds, spinning the event loop meanwhile (limit: give up)."""
    from PySide6.QtCore import QEventLoop

    start = time.perf_counter()
    while not predicate() and time.perf_counter() - start < limit:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)  # a bench's own loop, not the window's
        time.sleep(0.002)
    return time.perf_counter() - start


def cpu_idle(app, seconds: float) -> float:
    """Process CPU seconds (all threads) used while the event loop idles for `seconds`."""
    start = time.process_time()
    spin(seconds)
    return time.process_time() - start


def run_watch(app, ws, budget: int | None, seconds: float, edits: int, files: list[Path]) -> dict:
    from core.history import History, open_database
    from gui.sync.live_watch import LiveWatch

    from PySide6.QtCore import QTimer

    watch = LiveWatch(ws, budget=budget)
    updates: list = []
    watch.updated.connect(updates.append)
    beats = [time.perf_counter()]
    gaps = [0.0]

    def beat() -> None:
        now = time.perf_counter()
        gaps[0] = max(gaps[0], now - beats[0])
        beats[0] = now

    heart = QTimer()
    heart.setInterval(10)
    heart.timeout.connect(beat)
    heart.start()
    watch.start()
    setup = wait_for(app, lambda: watch._mark is not None and (watch.watched() > 0 or watch.polling))
    spin(1.5)  # the poller's starting point; the settle timer; first events from the start
    heart.stop()
    out = {"setup": setup, "watches": watch.watched(), "polling": watch.polling, "stall": gaps[0]}
    out["cpu"] = cpu_idle(app, seconds)
    out["wall"] = seconds
    disk, history = [], []
    other = open_database(ws.db.url.render_as_string(hide_password=False))
    try:
        for n in range(edits):
            target = files[(n * 7) % len(files)]
            before = len(updates)
            target.write_text(f"edited {n} {time.time_ns()}\n")
            disk.append(wait_for(app, lambda: len(updates) > before))
            spin(0.3)
            before = len(updates)
            art = ws.history.list_artifacts()[n]
            content = hashlib.sha256(f"{budget} {n} {time.time_ns()}".encode()).hexdigest()
            History(other).record_version(art.id, content, "local_modification")
            history.append(wait_for(app, lambda: len(updates) > before))
            spin(0.3)
    finally:
        other.dispose()
        watch.close()
        watch.deleteLater()  # destroyed on the GUI thread, never by a collector on a worker
        spin(0.1)
    out["disk_latency"] = statistics.median(disk) if disk else float("nan")
    out["history_latency"] = statistics.median(history) if history else float("nan")
    return out


def run_baseline(ws, seconds: float) -> dict:
    from core import sync

    start_cpu, start = time.process_time(), time.perf_counter()
    passes = 0
    while time.perf_counter() - start < seconds:
        began = time.perf_counter()
        sync.status_all(ws)
        passes += 1
        rest = 1.0 - (time.perf_counter() - began)
        if rest > 0:
            time.sleep(min(rest, max(0.0, seconds - (time.perf_counter() - start))))
    wall = time.perf_counter() - start
    return {"cpu": time.process_time() - start_cpu, "wall": wall, "passes": passes}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="20 artifacts, 2 s per contender (a smoke run)")
    ap.add_argument("--artifacts", type=int, default=None, help="default 1,000")
    ap.add_argument("--files", type=int, default=10, help="files per artifact (default 10)")
    ap.add_argument("--seconds", type=float, default=None, help="idle time per contender (default 20)")
    ap.add_argument("--edits", type=int, default=None, help="changes timed per contender (default 5)")
    args = ap.parse_args(argv)
    count = args.artifacts or (20 if args.quick else 1000)
    seconds = args.seconds or (2.0 if args.quick else 20.0)
    edits = args.edits or (2 if args.quick else 5)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    print(f"machine: {machine_line()}")
    print(f"load:    {load_line()}")
    try:
        limit = Path("/proc/sys/fs/inotify/max_user_watches").read_text().strip()
    except OSError:
        limit = "unknown"
    print(f"data:    {count} skills x {args.files} files, every 10th deployed into a project; "
          f"{seconds:g} s idle per contender; fs.inotify.max_user_watches {limit}")
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        began = time.perf_counter()
        ws = build(Path(tmp), count, args.files)
        print(f"built in {time.perf_counter() - began:.1f} s")
        files = sorted((Path(ws.home.collection_dir) / "skills").glob("*/SKILL.md"))
        try:
            watch = run_watch(app, ws, None, seconds, edits, files)
            poll = run_watch(app, ws, 0, seconds, edits, files)
            base = run_baseline(ws, seconds)
        finally:
            ws.close()
    per_min = {name: r["cpu"] / r["wall"] * 60 for name, r in (("watch", watch), ("poll", poll), ("baseline", base))}
    print(f"watch:    {watch['watches']:,} watches, set up in {watch['setup']:.2f} s (listing on a worker, "
          f"addPaths on the watch thread); longest GUI-thread stall meanwhile {watch['stall'] * 1000:.0f} ms")
    print(f"poll:     polling={poll['polling']}, set up in {poll['setup']:.2f} s; "
          f"longest GUI-thread stall meanwhile {poll['stall'] * 1000:.0f} ms")
    per_pass = base["cpu"] / max(base["passes"], 1)
    print(f"baseline: status_all of {count} artifacts, {base['passes']} passes in {base['wall']:.1f} s "
          f"({base['wall'] / max(base['passes'], 1):.2f} s wall, {per_pass:.2f} s CPU per pass; once a second "
          f"would cost {per_pass * 60:.1f} CPU s/min)")
    print("CPU per minute idle (process, all threads):")
    for name in ("watch", "poll", "baseline"):
        ratio = per_min[name] / per_min["baseline"] if per_min["baseline"] else float("nan")
        print(f"  {name:9s} {per_min[name]:7.2f} s/min   ratio vs baseline {ratio:6.3f}")
    print("latency, change -> LiveUpdate on the GUI thread (median):")
    for name, r in (("watch", watch), ("poll", poll)):
        print(f"  {name:9s} edit on disk {r['disk_latency'] * 1000:7.0f} ms   "
              f"history from another connection {r['history_latency'] * 1000:7.0f} ms   "
              f"target < 1000 ms: {'PASS' if max(r['disk_latency'], r['history_latency']) < 1.0 else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

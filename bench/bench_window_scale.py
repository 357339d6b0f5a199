#!/usr/bin/env python3
"""The window at scale: first paint and the longest event-loop stall (issue 8).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_window_scale.py          # 125..1,000 artifacts, ~10 min
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_window_scale.py --quick  # a smoke test, ~20 s

Data, built once and grown: N skill artifacts from folder upstreams (two files each,
copied into the collection, stored, and recorded through `History.record_version`,
1-5 versions each), one of them ("long-history") with a 10,000-version history. Every
10th artifact has an upstream change waiting, every 10th another a local edit, every
20th both (diverged), every 25th was added but never synced (new). The collection is
grown 125 -> 250 -> 500 -> 1,000 and copied at each size, so every run starts on a
fresh copy of the same data.

Contenders, each in a fresh `python` process per size:
- ours: the window as it is;
- reference (the named baseline, "before"): the same window with the parts issue 8
  replaced put back (`bench/_window_reference.py`): the QStandardItemModel list with
  columns resized to their contents, version counts by loading every history, each
  history read, planned and drawn (every node item) on the GUI thread, the "Compare
  with" combo filled with one item per version. Ours freezes the start-up objects
  before making the window, as `gui.shell.app.run` does (`gui.shell.app.prepare_process`);
  the reference does not, as the old app did not.

Each child prints the time from its process start to the window's first Paint event,
then runs these phases with a 10 ms QTimer heartbeat on the GUI thread:
  start    from the first paint until the first states are in the list and the graph is
           drawn (the gap from `show()` to the first paint is the first paint's own time,
           reported beside it as "show->paint", not a stall: nothing is on screen yet);
  sync     Sync now (the diverged dialog accepted as it opens) until syncFinished;
  resync   Sync now again, with nothing changed since;
  select   another artifact, then
  longest  the 10,000-version artifact, until it is drawn (+0.5 s of scrolling-free idle).
For each phase: the longest gap between two heartbeats (the longest stall) and the
GUI thread's own CPU time within that gap. Under other load the gap also holds time the
OS gave to other processes; the CPU figure is what the window itself spent. Prints
machine, load, sizes, both contenders side by side with ratios, and PASS/MISS against
the targets (first paint < 1.5 s, no stall > 100 ms); never asserts.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import load_line, machine_line  # noqa: E402

FIRST_PAINT_TARGET = 1.5  # s
STALL_TARGET = 0.100  # s
SIZES = (125, 250, 500, 1000)
QUICK_SIZES = (8, 16)
LONG = "long-history"
PHASES = ("start", "sync", "resync", "select", "longest")


# ---------------------------------------------------------------------- data
def _write_skill(folder: Path, name: str, text: str) -> None:
    (folder / "scripts").mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\n---\n# {name}\n{text}\n", encoding="utf-8")
    (folder / "scripts" / "run.sh").write_text(f"#!/bin/sh\necho {name}\n", encoding="utf-8")


def grow(home: Path, upstreams: Path, start: int, stop: int, long_versions: int) -> None:
    """Add artifacts start..stop-1 (artifact 0 is the long history) to the data folder."""
    from core.content import hash_tree
    from core.upstreams import UpstreamSpec
    from core.workspace import Workspace

    with Workspace.open(str(home)) as ws:
        for i in range(start, stop):
            name = LONG if i == 0 else f"skill-{i:04d}"
            upstream, local = upstreams / name, ws.home.collection_dir / "skills" / name
            _write_skill(upstream, name, "first text")
            info = ws.history.add_artifact(name, "skill", UpstreamSpec("folder", str(upstream)), f"skills/{name}", "dir")
            if i % 25 == 4:
                continue  # added, never synced: "new"
            # A stored parent and a stored head (so the compare panel has files to show),
            # behind 0-3 older versions whose content was not kept (hashes only).
            _write_skill(local, name, "older text")
            older = hash_tree(local)
            ws.objects.store_tree(local, older)
            count = long_versions if i == 0 else 1 + i % 5
            for k in range(count - 2):
                origin = "local_modification" if k % 7 == 3 else "sync"
                ws.history.record_version(info.id, hashlib.sha256(f"{name} {k}".encode()).hexdigest(), origin)
            if count >= 2:
                ws.history.record_version(info.id, older.content_hash, "sync")
            _write_skill(local, name, "first text")
            current = hash_tree(local)
            ws.objects.store_tree(local, current)
            ws.history.record_version(info.id, current.content_hash, "sync")
            if i % 10 == 1 or i % 20 == 3:
                _write_skill(upstream, name, "changed upstream")
            if i % 10 == 2 or i % 20 == 3:
                _write_skill(local, name, "edited here")


# --------------------------------------------------------------------- child
CHILD = r"""
import json, os, sys, time, traceback
from pathlib import Path
def fail_fast(*exc):  # Qt prints an exception raised in a slot and goes on: the phase would wait forever
    traceback.print_exception(*exc)
    os._exit(3)
sys.excepthook = fail_fast
# BENCH_WINDOW_PROFILE=DIR: the GUI thread's cProfile of each phase, DIR/<contender>-<phase>.prof
profile_dir = os.environ.get("BENCH_WINDOW_PROFILE")
if profile_dir:
    import cProfile
    profiler = cProfile.Profile(); profiler.enable()
started = float(sys.argv[1]); root, home, settings_dir, contender = sys.argv[2:6]
screenshot = sys.argv[6] if len(sys.argv) > 6 else ""
sys.path.insert(0, root)
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
from gui.shell.app import make_application
app = make_application([])
if contender == "reference":
    from bench import _window_reference
    _window_reference.install()
from core.workspace import Workspace
from gui.shell.main_window import MainWindow
ws = Workspace.open(home)
if contender == "ours":
    from gui.shell.app import prepare_process
    prepare_process(app)  # as gui.shell.app.run does before making the window

class Beat(QObject):
    def __init__(self):
        super().__init__()
        self.phase, self.results = "start", {}
        self.last, self.cpu = time.perf_counter(), time.thread_time()
        self.worst = self.worst_cpu = 0.0
        self.timer = QTimer(self); self.timer.setInterval(10); self.timer.timeout.connect(self.tick); self.timer.start()
    def tick(self):
        now, cpu = time.perf_counter(), time.thread_time()
        gap, spent = now - self.last, cpu - self.cpu
        self.last, self.cpu = now, cpu
        if gap > self.worst:
            self.worst, self.worst_cpu = gap, spent
    def painted(self):  # on screen: what came before is the first paint's time, not a stall
        self.tick()
        out["show_to_paint"] = [self.worst, self.worst_cpu]
        self.worst = self.worst_cpu = 0.0
    def next(self, phase):
        self.tick()
        self.results[self.phase] = [self.worst, self.worst_cpu]
        if profile_dir:
            global profiler
            profiler.disable(); profiler.dump_stats(os.path.join(profile_dir, f"{contender}-{self.phase}.prof"))
            if phase != "done":
                profiler = cProfile.Profile(); profiler.enable()
        self.phase, self.worst, self.worst_cpu = phase, 0.0, 0.0

window = MainWindow(ws)
window.resize(1400, 900)
beat = Beat()
out = {"contender": contender, "artifacts": len(window.model.artifact_ids())}
waiting = {"states", "graph"}

class FirstPaint(QObject):
    def eventFilter(self, obj, ev):
        if "paint" not in out and ev.type() == QEvent.Type.Paint:
            w = getattr(obj, "window", None)
            if w is not None and w() is window:
                out["paint"] = time.time() - started
                # Its work is done: a Python filter on every event of the application would
                # otherwise count in every phase's stalls (it took 10% of one on Sync now).
                QTimer.singleShot(0, lambda: app.removeEventFilter(self))
                QTimer.singleShot(0, beat.painted)
        return False
painted = FirstPaint(); app.installEventFilter(painted)

def after(ms, fn):
    QTimer.singleShot(ms, fn)

def started_done(what):
    waiting.discard(what)
    if not waiting:
        window.statusesUpdated.disconnect(on_states); window.artifactShown.disconnect(on_graph)
        after(300, sync_now)
def on_states(): started_done("states")
def on_graph(_id): started_done("graph")
window.statusesUpdated.connect(on_states); window.artifactShown.connect(on_graph)
if window.browser.loading is None and window.browser.artifact_id == window._current_artifact:
    waiting.discard("graph")  # drawn inside the constructor (the reference draws on the GUI thread)

def accept_dialog():
    if window.sync.dialog is not None:
        window.sync.dialog.accept()
accepter = QTimer(); accepter.setInterval(50); accepter.timeout.connect(accept_dialog)

def sync_now():
    beat.next("sync")
    window.syncFinished.connect(on_synced); accepter.start()
    window.sync_now()
def on_synced(results):
    window.syncFinished.disconnect(on_synced); accepter.stop()
    out["synced"] = len(results)
    after(300, sync_again)

def sync_again():
    beat.next("resync")
    window.syncFinished.connect(on_resynced); accepter.start()
    window.sync_now()
def on_resynced(results):
    window.syncFinished.disconnect(on_resynced); accepter.stop()
    out["resynced"] = sum(1 for r in results if r.action in ("copied", "replaced"))
    after(300, select_other)

def select_other():
    beat.next("select")
    other = next(a for a in window.model.artifact_ids() if window.model.info(a).name != "long-history"
                 and a != window._current_artifact)
    window.artifactShown.connect(on_other)
    window.select_artifact(other)
def on_other(_id):
    window.artifactShown.disconnect(on_other)
    after(300, select_longest)

def select_longest():
    beat.next("longest")
    longest = next(a for a in window.model.artifact_ids() if window.model.info(a).name == "long-history")
    window.artifactShown.connect(on_longest)
    window.select_artifact(longest)
def on_longest(_id):
    window.artifactShown.disconnect(on_longest)
    out["versions"] = len(window._versions)
    after(500, finish)

def finish():
    beat.next("done")
    out["phases"] = beat.results
    if screenshot:
        versions = window._versions
        child = next((v for v in versions if v.parent_id is not None), None)
        if child is not None:
            window.graph.select_version(child.id)
            window.browser.show_version(child.id)
        after(200, lambda: (window.grab().save(screenshot), app.quit()))
    else:
        app.quit()

window.show()
app.exec()
print("RESULT " + json.dumps(out), flush=True)
window.close()
ws.close()
"""


def run_child(home: Path, contender: str, settings: Path, timeout: float, screenshot: str = "") -> dict:
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.time()
    args = [sys.executable, "-c", CHILD, f"{started:.6f}", str(ROOT), str(home), str(settings), contender]
    if screenshot:
        args.append(screenshot)
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"the {contender} window did not finish (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


# ---------------------------------------------------------------------- main
def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def ratio(before: float, after: float) -> str:
    return f"{before / after:6.1f}x" if after > 0 else "     -"


def longest_stall(result: dict) -> tuple[str, float, float]:
    phase = max(result["phases"], key=lambda p: result["phases"][p][0])
    gap, cpu = result["phases"][phase]
    return phase, gap, cpu


def report(results: dict[int, dict[str, dict]], contenders: list[str]) -> None:
    print()
    print("first paint (s) and longest stall (ms; GUI-thread CPU in it, ms) by collection size")
    head = f"{'artifacts':>9}  " + "  ".join(f"{c + ' paint':>16}" for c in contenders)
    head += "  " + "  ".join(f"{c + ' stall':>26}" for c in contenders)
    if len(contenders) == 2:
        head += f"  {'paint ratio':>11}  {'stall ratio':>11}"
    print(head)
    for size, by in results.items():
        line = f"{size:>9}  " + "  ".join(f"{by[c]['paint']:>16.2f}" for c in contenders)
        for c in contenders:
            phase, gap, cpu = longest_stall(by[c])
            line += f"  {ms(gap):>10} ({ms(cpu):>5}) {phase:<7}"
        if len(contenders) == 2:
            ref, ours = by["reference"], by["ours"]
            line += f"  {ratio(ref['paint'], ours['paint']):>11}  {ratio(longest_stall(ref)[1], longest_stall(ours)[1]):>11}"
        print(line)
    print()
    print("longest stall per phase, ms (GUI-thread CPU in it); show->paint is part of the first paint")
    print(f"{'artifacts':>9}  {'contender':<10}" + "".join(f"{p:>18}" for p in ("show->paint", *PHASES)))
    for size, by in results.items():
        for c in contenders:
            phases = {**by[c]["phases"], "show->paint": by[c].get("show_to_paint", [0.0, 0.0])}
            print(f"{size:>9}  {c:<10}" + "".join(
                f"{ms(phases[p][0]) + ' (' + ms(phases[p][1]) + ')':>18}" if p in phases else f"{'-':>18}"
                for p in ("show->paint", *PHASES)))
    print()
    largest = max(results)
    ours = results[largest].get("ours")
    if ours is not None:
        _, gap, cpu = longest_stall(ours)
        print(f"ours at {largest} artifacts: first paint {ours['paint']:.2f} s, target < {FIRST_PAINT_TARGET} s: "
              f"{'PASS' if ours['paint'] < FIRST_PAINT_TARGET else 'MISS'}")
        print(f"ours at {largest} artifacts: longest stall {ms(gap)} ms (GUI-thread CPU {ms(cpu)} ms), "
              f"target < {ms(STALL_TARGET)} ms: {'PASS' if gap < STALL_TARGET else 'MISS'}"
              f" (CPU: {'PASS' if cpu < STALL_TARGET else 'MISS'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny collections and history: a smoke test")
    parser.add_argument("--sizes", default=None, help="comma-separated collection sizes (default 125,250,500,1000)")
    parser.add_argument("--long-versions", type=int, default=None, help="versions of the longest history (10000)")
    parser.add_argument("--no-reference", action="store_true", help="run only ours (the reference takes minutes)")
    parser.add_argument("--screenshot", default=None, help="save ours at the largest size as this PNG")
    parser.add_argument("--dir", default=None, help="where the temporary data goes")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",")) if args.sizes else list(QUICK_SIZES if args.quick else SIZES)
    long_versions = args.long_versions or (120 if args.quick else 10_000)
    contenders = ["ours"] if args.no_reference else ["reference", "ours"]

    import PySide6

    print(f"machine: {machine_line(f'PySide6 {PySide6.__version__}')}")
    print(f"machine: {load_line()}, QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', '(default)')}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-window-", dir=args.dir))
    try:
        home, upstreams = tmp / "grown", tmp / "upstreams"
        results: dict[int, dict[str, dict]] = {}
        have = 0
        for size in sizes:
            took = time.perf_counter()
            grow(home, upstreams, have, size, long_versions)
            have = size
            print(f"data: {size} artifacts, one with {long_versions} versions "
                  f"(grown in {time.perf_counter() - took:.1f} s)", flush=True)
            results[size] = {}
            for contender in contenders:
                run_home = tmp / f"{contender}-{size}"
                shutil.copytree(home, run_home, symlinks=True)
                shot = args.screenshot if args.screenshot and contender == "ours" and size == sizes[-1] else ""
                result = run_child(run_home, contender, tmp / f"settings-{contender}-{size}",
                                   timeout=3600, screenshot=shot)
                shutil.rmtree(run_home, ignore_errors=True)
                results[size][contender] = result
                _, gap, cpu = longest_stall(result)
                print(f"  {contender:<10} first paint {result['paint']:.2f} s, longest stall {ms(gap)} ms "
                      f"(CPU {ms(cpu)} ms), synced {result.get('synced')} (again: {result.get('resynced')} "
                      "changed), "
                      f"longest history drawn with {result.get('versions')} versions", flush=True)
        report(results, contenders)
        print(f"machine: {load_line()} (after)")
        if args.screenshot:
            print(f"screenshot: {args.screenshot}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up benchmark: process start to the first painted main window (issue 4).

    .venv/bin/python bench/bench_startup.py            # demo + 10,000-version history, 5 runs each
    .venv/bin/python bench/bench_startup.py --quick    # 300 versions, 2 runs: a smoke test

Each run is a fresh `python` process. The parent notes the wall-clock time just
before starting it; the child builds the application and the main window the
way `python main.py` does, and an application-wide event filter prints the
wall-clock time of the first Paint event delivered to any widget of the main
window. The difference is "start-up to first paint" and includes interpreter
start, imports, opening the database (migrations check) and loading the artifact
list; the selected artifact's history is read and laid out on a worker, so the
child also prints when its graph is drawn ("graph drawn at"), then quits.

Homes measured, each prepared once in a temporary folder:
  - demo: `core.demo.build_demo` (the collection a newcomer opens);
  - history: one artifact with N versions (default 10,000) written with
    `History.record_version`, the window opening on it (the whole graph drawn).
Baseline in the same run: a bare `QApplication` + `QLabel.show()` first paint.
Status hashing runs on a worker thread and is not waited for (by design the
window never blocks on it). Prints machine info, medians, ratios, PASS/MISS
against the 2 s target; never asserts.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import cpu_line, record_long_chain  # noqa: E402

TARGET_S = 2.0

BARE_CHILD = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel("first paint")
class F(QObject):
    done = False
    def eventFilter(self, obj, ev):
        if not self.done and ev.type() == QEvent.Type.Paint and getattr(obj, "window", None) and obj.window() is label:
            self.done = True
            print(f"PAINT {time.time():.6f}", flush=True)
            QTimer.singleShot(0, app.quit)
        return False
f = F(); app.installEventFilter(f)
label.show()
app.exec()
"""

APP_CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
home, settings_dir = sys.argv[2], sys.argv[3]
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
from gui.shell.app import make_application
app = make_application([])
from core.workspace import Workspace
from gui.shell.main_window import MainWindow
ws = Workspace.open(home)
window = MainWindow(ws)
window.resize(1400, 900)
def graph_shown(*_):
    # The history is read and laid out on a worker: the graph follows the first paint.
    print(f"GRAPH {time.time():.6f}", flush=True)
    print(f"VERSIONS {len(window._versions)}", flush=True)
    QTimer.singleShot(0, app.quit)
class F(QObject):
    done = False
    def eventFilter(self, obj, ev):
        if not self.done and ev.type() == QEvent.Type.Paint:
            w = getattr(obj, "window", None)
            if w is not None and w() is window:
                self.done = True
                print(f"PAINT {time.time():.6f}", flush=True)
                if window.browser.loading is None:
                    graph_shown()
        return False
f = F(); app.installEventFilter(f)
window.artifactShown.connect(graph_shown)
window.show()
app.exec()
window.close()  # waits for the status worker, so the process exits cleanly
ws.close()
"""


def machine_info() -> list[str]:
    import PySide6

    return [
        f"machine: {cpu_line()}",
        f"machine: python {platform.python_version()}, PySide6 {PySide6.__version__}, "
        f"{platform.system()} {platform.release()}, QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', '(default)')}",
    ]


def prepare_demo(home: Path) -> int:
    from core import demo
    from core.workspace import Workspace

    with Workspace.open(str(home)) as ws:
        return len(demo.build_demo(ws))


def prepare_history(home: Path, versions: int) -> float:
    return record_long_chain(home, versions, home.parent / "history-upstream" / "long")


def first_paint(code: str, args: list[str], env: dict[str, str]) -> tuple[float, float | None, str]:
    """Seconds from process start to the first paint, and to the graph drawn (None: no graph)."""
    start = time.time()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)
    lines = done.stdout.splitlines()
    paint = next((line for line in lines if line.startswith("PAINT ")), None)
    if paint is None:
        raise SystemExit(f"the child never painted (exit {done.returncode}):\n{done.stderr[-2000:]}")
    graph = next((float(line.split()[1]) - start for line in lines if line.startswith("GRAPH ")), None)
    extra = " ".join(line for line in lines if line.startswith("VERSIONS "))
    return float(paint.split()[1]) - start, graph, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny history, 2 runs: a smoke test")
    parser.add_argument("--versions", type=int, default=None, help="versions in the long history (default 10000)")
    parser.add_argument("--runs", type=int, default=None, help="runs per contender (default 5, quick 2)")
    parser.add_argument("--dir", default=None, help="where the temporary homes go")
    args = parser.parse_args(argv)
    versions = args.versions or (300 if args.quick else 10_000)
    runs = args.runs or (2 if args.quick else 5)

    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("QT_QPA_PLATFORM", env.get("QT_QPA_PLATFORM", "offscreen"))
    for line in machine_info():
        print(line)

    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-", dir=args.dir))
    try:
        demo_home, long_home = tmp / "demo-home", tmp / "long-home"
        count = prepare_demo(demo_home)
        print(f"data: demo collection with {count} artifacts")
        took = prepare_history(long_home, versions)
        print(f"data: one artifact with {versions} versions (written in {took:.1f} s via History.record_version)")

        contenders = {
            "bare QLabel (baseline)": (BARE_CHILD, []),
            "window, demo": (APP_CHILD, [str(ROOT), str(demo_home), str(tmp / "settings-demo")]),
            f"window, {versions} versions": (APP_CHILD, [str(ROOT), str(long_home), str(tmp / "settings-long")]),
        }
        medians: dict[str, float] = {}
        for name, (code, child_args) in contenders.items():
            times, graphs, extra = [], [], ""
            first_paint(code, child_args, env)  # warm the OS file cache; not counted
            for _ in range(runs):
                t, graph, extra = first_paint(code, child_args, env)
                times.append(t)
                if graph is not None:
                    graphs.append(graph)
            medians[name] = statistics.median(times)
            shown = f" [{extra}]" if extra else ""
            if graphs:
                shown += f" graph drawn at median {statistics.median(graphs) * 1000:.0f} ms"
            print(f"{name:<28} median {medians[name] * 1000:8.1f} ms  (runs: "
                  f"{', '.join(f'{t * 1000:.0f}' for t in times)} ms){shown}")

        base = medians["bare QLabel (baseline)"]
        print()
        for name, value in medians.items():
            if name.startswith("bare"):
                continue
            verdict = "PASS" if value < TARGET_S else "MISS"
            print(f"{name:<28} {value:6.3f} s = {value / base:4.1f}x bare Qt   target < {TARGET_S:.0f} s: {verdict}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

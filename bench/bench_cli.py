"""Command-line benchmark: start-up of the commands, and `log --json` on long histories.

    .venv/bin/python bench/bench_cli.py                       # ~1 min: start-up, log of 1,000 and 10,000 versions
    .venv/bin/python bench/bench_cli.py --quick               # a few seconds: tiny histories
    .venv/bin/python bench/bench_cli.py --before /tmp/before  # also time another checkout's main.py

Every figure is a whole process (`python main.py ...` in a subprocess), medians of
--runs runs with the contenders taking turns in each round. Baselines, named and in the
same run: a bare `python -c pass` for start-up; for `log --json` the implementation
before streaming (every lineage built, the whole document in memory, then
`json.dumps(indent=2)`), kept below as `_OLD_LOG_JSON`. Peak memory is the child's
own maximum RSS (os.wait4). It never asserts timings.
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
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import child_env, cpu_line, load_line, ms, print_checks, record_long_chain  # noqa: E402

MIB = 1 << 20

# The implementation of `log --json` before it was streamed (main at 5b8d253), run on
# this checkout's database layer: lineages of all versions in one dict, the whole
# document as one dict, json.dumps(indent=2) into one string.
_OLD_LOG_JSON = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    from core.history import ordinal_by_id
    from core.workspace import Workspace

    def lineages(history, versions):
        result = {{}}
        for v in sorted(versions, key=lambda item: item.id):
            if v.parent_id is None:
                base = [v.parent_hash] if v.parent_hash is not None else []
            elif v.parent_id in result:
                base = result[v.parent_id]
            else:
                base = history.lineage(v.parent_id)
            result[v.id] = [*base, v.content_hash]
        return result

    with Workspace.open({home!r}) as ws:
        art = ws.history.get_artifact({name!r})
        versions = ws.history.versions(art.id)
        lin = lineages(ws.history, versions)
    number = ordinal_by_id(versions)
    doc = {{"artifact": art.name, "versions": [
        {{"id": v.id, "number": number[v.id], "line": v.line,
         "parents": [p for p in (v.parent_id, v.second_parent_id) if p is not None],
         "content_hash": v.content_hash, "parent_hash": v.parent_hash,
         "change_origin": v.change_origin, "created_at": v.created_at.isoformat(),
         "lineage": lin[v.id], "metadata": v.metadata}}
        for v in versions
    ]}}
    data = (json.dumps(doc, indent=2, default=str) + "\\n").encode()
    sys.stdout.buffer.write(data)
    """
)


def run(cmd: list[str], *, stdout: int | None = subprocess.DEVNULL, env: dict | None = None) -> tuple[float, int, int, float]:
    """Wall seconds, peak RSS (bytes), exit status and CPU seconds (user + system) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL, cwd=ROOT, env=env or child_env())
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return took, usage.ru_maxrss * 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def run_counted(cmd: list[str]) -> tuple[float, int, int, float]:
    """Like run, with stdout read through a pipe by this process; returns (seconds, peak RSS,
    bytes, CPU seconds of the child)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT, env=child_env())
    total = 0
    fd = proc.stdout.fileno()  # type: ignore[union-attr]
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        total += len(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.stdout.close()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed")
    return time.perf_counter() - start, usage.ru_maxrss * 1024, total, usage.ru_utime + usage.ru_stime


def rounds(contenders: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per contender; contenders take turns in each round."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, cmd in contenders.items():
            took, _, code, cpu = run(cmd)
            if code not in (0, 1):
                raise SystemExit(f"{name}: {cmd} exited {code}")
            times[name].append((took, cpu))
    return {name: (statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts))
            for name, ts in times.items()}


def startup(work: Path, runs: int, before: Path | None) -> None:
    py = sys.executable
    one = work / "one-file"
    one.mkdir()
    (one / "SKILL.md").write_text("# one\n")
    home = work / "home-empty"
    subprocess.run([py, str(ROOT / "main.py"), "--home", str(home), "status"], check=True, capture_output=True,
                   env=child_env())
    checkouts = {"": ROOT} | ({"before: ": before} if before else {})
    contenders: dict[str, list[str]] = {"python -c pass": [py, "-c", "pass"]}
    for label, where in checkouts.items():
        main = str(where / "main.py")
        contenders |= {
            f"{label}main.py --help": [py, main, "--help"],
            f"{label}main.py --version": [py, main, "--version"],
            f"{label}main.py hash <one-file folder>": [py, main, "--home", str(home), "hash", str(one)],
            f"{label}main.py status (empty, database at head)": [py, main, "--home", str(home), "status"],
        }
    # one unmeasured round: bytecode caches, page cache
    rounds(contenders, 1)
    med = rounds(contenders, runs)
    base, base_cpu = med["python -c pass"]
    print(f"\n-- start-up, whole process (median of {runs}; wall and CPU = user + system; "
          "ratios to `python -c pass`) --")
    for name, (t, cpu) in med.items():
        print(f"{name:<52} {ms(t)}  {t / base:5.2f}x   CPU {ms(cpu)}  {cpu / base_cpu:5.2f}x")


def log_json(work: Path, sizes: list[int], runs: int, baseline_max: int) -> list[tuple[str, bool, str]]:
    py = sys.executable
    checks = []
    peaks: dict[int, int] = {}
    outputs: dict[int, int] = {}
    print(f"\n-- log --json, whole process (median of {runs}; output read through a pipe) --")
    for n in sizes:
        home = work / f"home-{n}"
        took = record_long_chain(home, n, home.parent / "upstream-long", numbered=True)
        print(f"history: one artifact, a chain of {n} versions (written in {took:.1f} s via History.record_version)")
        ours = [py, str(ROOT / "main.py"), "--home", str(home), "log", "long", "--json"]
        limited = [*ours, "--limit", "10"]
        old = [py, "-c", _OLD_LOG_JSON.format(root=str(ROOT), home=str(home), name="long")]
        contenders = {"ours (streamed, compact)": ours, "ours --limit 10": limited}
        if n <= baseline_max:
            contenders["old (whole document, indent=2)"] = old
        results: dict[str, list[tuple[float, int, int, float]]] = {name: [] for name in contenders}
        run_counted(ours)  # warm-up
        for _ in range(runs):
            for name, cmd in contenders.items():
                results[name].append(run_counted(cmd))
        null_runs = [run(ours) for _ in range(runs)]
        dev_null = statistics.median(r[0] for r in null_runs)
        for name, rs in results.items():
            t = statistics.median(r[0] for r in rs)
            cpu = statistics.median(r[3] for r in rs)
            peak = max(r[1] for r in rs)
            size = rs[-1][2]
            print(f"  {name:<34} {ms(t)}  CPU {ms(cpu)}  peak RSS {peak / MIB:7.1f} MiB  output {size / 1e6:9.1f} MB")
        print(f"  {'ours, stdout to /dev/null':<34} {ms(dev_null)}  CPU {ms(statistics.median(r[3] for r in null_runs))}")
        t_ours = statistics.median(r[0] for r in results["ours (streamed, compact)"])
        peaks[n] = max(r[1] for r in results["ours (streamed, compact)"])
        outputs[n] = results["ours (streamed, compact)"][-1][2]
        if "old (whole document, indent=2)" in results:
            t_old = statistics.median(r[0] for r in results["old (whole document, indent=2)"])
            peak_old = max(r[1] for r in results["old (whole document, indent=2)"])
            print(f"  ratio old / ours: time {t_old / t_ours:.1f}x, peak RSS {peak_old / peaks[n]:.1f}x")
        else:
            print(f"  (old implementation not run above {baseline_max} versions: it would hold the whole "
                  f"{outputs[n] / 1e9:.1f}+ GB document in memory; --baseline-max N to run it)")
        if n >= 10_000:
            checks.append((f"log --json of {n} versions < 2 s (through a pipe)", t_ours < 2.0, f"{t_ours:.2f} s"))
            checks.append((f"log --json of {n} versions < 2 s (stdout to /dev/null)", dev_null < 2.0,
                           f"{dev_null:.2f} s"))
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        mem_growth, out_growth = peaks[big] / peaks[small], outputs[big] / outputs[small]
        checks.append((f"peak memory does not grow with the output ({small} -> {big} versions)",
                       mem_growth < 2.0,
                       f"peak RSS x{mem_growth:.2f} ({peaks[small] / MIB:.0f} -> {peaks[big] / MIB:.0f} MiB) "
                       f"while the output grows x{out_growth:.0f}"))
    return checks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny histories, for a smoke test")
    ap.add_argument("--versions", type=int, nargs="+", default=None, help="history sizes (default 1000 10000)")
    ap.add_argument("--runs", type=int, default=None, help="runs per contender (median; default 7, quick 2)")
    ap.add_argument("--baseline-max", type=int, default=1000,
                    help="largest history the old implementation is run on (default 1000)")
    ap.add_argument("--before", type=Path, default=None,
                    help="another checkout (e.g. `git archive 79d4701 | tar -x -C DIR`) whose main.py start-up is timed too")
    ap.add_argument("--dir", type=Path, default=None, help="parent folder for the data")
    args = ap.parse_args(argv)
    sizes = args.versions or ([50, 200] if args.quick else [1000, 10_000])
    runs = args.runs or (2 if args.quick else 7)

    work = Path(tempfile.mkdtemp(prefix="bench-cli-", dir=args.dir))
    try:
        print("== CLI benchmark ==")
        print(f"machine: {cpu_line()}")
        print(f"python: {platform.python_implementation()} {platform.python_version()}, "
              f"{platform.system()} {platform.release()}")
        print(f"at start: {load_line()}")
        startup(work, runs, args.before)
        checks = log_json(work, sizes, runs, args.baseline_max)
        print(f"\nat end: {load_line()}")
        print("\n-- targets --")
        print_checks(checks, args.quick)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

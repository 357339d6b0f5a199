#!/usr/bin/env python3
"""`status` over many artifacts of one git repository: one fetch per repository (issue 18 §1).

    .venv/bin/python bench/bench_status_repo.py                 # 1,000 artifacts, 3 runs each
    .venv/bin/python bench/bench_status_repo.py --quick         # 5 artifacts, 1 run (the smoke test)
    .venv/bin/python bench/bench_status_repo.py --before DIR    # baseline from another checkout

One local git repository with N skills (`skills/sNNNN/SKILL.md` + a script). Each contender
gets its own data folder, filled by its own code (`add --all`, `sync`), so every artifact is
up to date; then `main.py --home H status` is timed as a whole process (wall and CPU of the
child), the contenders taking turns in each round.

  ours      this checkout: one Fetcher per run (one `git fetch`, one ref lookup, one tree)
  baseline  main before issue 18 (BASELINE_COMMIT, unpacked with `git archive` into a temp
            folder, or --before DIR): a fetch, a default-branch lookup and a subject per artifact

A `git` shim on PATH counts the git processes and `git fetch`es of one status per contender.
Prints the machine, sizes, medians and ratios, and PASS/MISS for the target (ours < 2 s at
1,000 artifacts, at most one fetch); never asserts.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import child_env, load_line, machine_line  # noqa: E402

BASELINE_COMMIT = "731a535"  # main before issue 18: the per-artifact fetch
TARGET_SECONDS = 2.0
_GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid",
            "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid"}


def make_repo(repo: Path, n: int) -> None:
    for i in range(n):
        folder = repo / "skills" / f"s{i:04d}"
        (folder / "scripts").mkdir(parents=True)
        (folder / "SKILL.md").write_text(f"---\nname: s{i:04d}\n---\n# skill {i}\n" + "text\n" * 40)
        (folder / "scripts" / "run.py").write_text(f"print({i})\n")
    env = {**os.environ, **_GIT_ENV}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "skills"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def unpack_baseline(dest: Path) -> Path:
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_COMMIT], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def timed_status(checkout: Path, home: Path) -> tuple[float, float]:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(checkout / "main.py"), "--home", str(home), "status"],
                          cwd=checkout, capture_output=True, env=child_env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"status failed in {checkout}: {proc.stderr.decode()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def traced(checkout: Path, home: Path, shim_dir: Path) -> tuple[int, int]:
    """(git processes, git fetches) of one status, through a logging `git` on PATH."""
    real = shutil.which("git")
    shim_dir.mkdir(parents=True, exist_ok=True)
    log = shim_dir / "git.log"
    log.unlink(missing_ok=True)
    (shim_dir / "git").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (shim_dir / "git").chmod(0o755)
    env = child_env()
    env["PATH"] = f"{shim_dir}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run([sys.executable, str(checkout / "main.py"), "--home", str(home), "status"], cwd=checkout,
                          capture_output=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"status (traced) failed in {checkout}: {proc.stderr.decode()[-400:]}")
    lines = log.read_text().splitlines() if log.exists() else []
    return len(lines), sum(1 for line in lines if " fetch " in f" {line} ")


def prepare(checkout: Path, home: Path, repo: Path) -> None:
    for args in (["add", "--all", "--source", str(repo), "--ref", "main"], ["sync"]):
        proc = subprocess.run([sys.executable, str(checkout / "main.py"), "--home", str(home), *args],
                              cwd=checkout, capture_output=True, env=child_env())
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed in {checkout}: {proc.stderr.decode()[-400:]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="5 artifacts, 1 run")
    ap.add_argument("--artifacts", type=int, default=None)
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--before", type=Path, default=None, help=f"baseline checkout (default: {BASELINE_COMMIT})")
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    n = args.artifacts or (5 if args.quick else 1000)
    runs = args.runs or (1 if args.quick else 3)
    work = Path(tempfile.mkdtemp(prefix="bench-status-repo-", dir=args.dir))
    try:
        repo = work / "repo"
        make_repo(repo, n)
        base = args.before or unpack_baseline(work / "baseline")
        contenders = {"ours": (ROOT, work / "home-ours"), "baseline": (base, work / "home-baseline")}
        for checkout, home in contenders.values():
            prepare(checkout, home, repo)
        print(f"machine: {machine_line()}")
        print(load_line())
        print(f"data: one local git repository, {n} skills (2 files each), every artifact up to date; "
              f"{runs} run(s) per contender")
        print(f"baseline: {'--before ' + str(args.before) if args.before else 'main at ' + BASELINE_COMMIT}")
        walls: dict[str, list[float]] = {k: [] for k in contenders}
        cpus: dict[str, list[float]] = {k: [] for k in contenders}
        for _ in range(runs):
            for name, (checkout, home) in contenders.items():
                wall, cpu = timed_status(checkout, home)
                walls[name].append(wall)
                cpus[name].append(cpu)
        med = {k: statistics.median(v) for k, v in walls.items()}
        cpu = {k: statistics.median(v) for k, v in cpus.items()}
        for name, (checkout, home) in contenders.items():
            procs, fetched = traced(checkout, home, work / f"shim-{name}")
            print(f"{name:<9} status  wall {med[name] * 1000:8.0f} ms  CPU {cpu[name] * 1000:8.0f} ms  "
                  f"git processes {procs:5d}  git fetch {fetched:5d}")
            if name == "ours":
                ours_fetches = fetched
        print(f"ratio baseline / ours: wall {med['baseline'] / med['ours']:.1f}x, CPU {cpu['baseline'] / cpu['ours']:.1f}x")
        ok = med["ours"] < TARGET_SECONDS and ours_fetches <= 1
        print(f"{'PASS' if ok else 'MISS'}  status of {n} artifacts of one repository < {TARGET_SECONDS:g} s "
              f"whole process ({med['ours']:.2f} s) with at most one git fetch ({ours_fetches})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

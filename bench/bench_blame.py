#!/usr/bin/env python3
"""Blame benchmark: core.ancestry.blame against `git blame` on the same history (issue 16 §4).

    .venv/bin/python bench/bench_blame.py [--quick] [--versions N] [--lines N] [--runs N] [--keep DIR]

Generates one skill whose SKILL.md grows to --lines lines (default 20,000) over --versions
versions (default 1,000): each version inserts a few lines at random places and edits a
couple; every tenth is an edit made in a project ("web") and pushed back (a project version
with the collection head as first parent, then a collection version with it as second
parent, as push records them). The same history goes into a git repository as commits
(a project edit is a commit on a side branch, the push a merge commit whose tree is the
project's), written with `git fast-import` and packed as git keeps them.

Contenders, taking turns in each round (the blamed version is the last one recorded, N):
  - ours, cold: `blame_file(ws, artifact, "SKILL.md")` in process with the blame cache
    emptied first (versions read from the database, manifests and contents from the object
    store, verified; the head and the walk's checkpoints are stored on the way);
  - ours, warm: the same with N's entry in the cache (blame opened again, nothing changed);
  - ours, incremental: N's first parent cached, N not (blame opened on a head after a sync
    recorded one version on top of the one blamed last): one content read and one diff;
  - ours, older: a version half-way between two of the checkpoints a walk leaves (a click
    on a line of the Blame view blames the version that brought it);
  - git: `git blame --porcelain SKILL.md` (a process, so its start-up is in it);
  - ours as a process: `main.py blame NAME --json`, warm (shown for a like-for-like with git).
  - ours, after a sync: a version recorded on top of the head, the blame upkeep run on it
    as every record runs it (core.ancestry.blame_upkeep; its cost is printed beside the
    record's), then Blame opened on it. Measured after the rounds, on versions added on top.
The target (< 1 s) is for what a user meets opening Blame: on a head after a sync, again,
or on an older version. Cold (the cache deleted, or a long history kept by an app without
the upkeep and never blamed) is reported beside them.
The owners of every mode must agree with git's: each line's version is mapped to its commit.
Prints machine info, sizes, medians, ratios and PASS/MISS; never asserts a timing.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import child_env, load_line, machine_line, ms, store_skill_md, verdict  # noqa: E402

TARGET = 1.0
WORDS = (
    "skill file read write the a when user asks run script output table page summary check each line "
    "keep short never upload local report format markdown code review agent command note step result "
    "extract text tables pages quote answer bundled range branding rules service logo"
).split()


def git_env(home: Path) -> dict[str, str]:
    return dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(home),
                GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
                GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")


def line(rng: random.Random, n: int) -> bytes:
    return (" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) + f" {n}\n").encode()


def plan(versions: int, lines: int, seed: int = 16) -> list[tuple[str, bytes]]:
    """(kind, content) per step: kind 'c' a collection edit, 'p' a project edit then its push."""
    rng = random.Random(seed)
    per_step = max(1, lines // versions)
    text: list[bytes] = [line(rng, i) for i in range(per_step)]
    steps = [("c", b"".join(text))]
    n = len(text)
    while len(steps) < versions:
        for _ in range(per_step):
            text.insert(rng.randint(0, len(text)), line(rng, n))
            n += 1
        for _ in range(2):
            text[rng.randrange(len(text))] = line(rng, n)
            n += 1
        kind = "p" if len(steps) % 10 == 9 and len(steps) + 2 <= versions else "c"
        steps.append((kind, b"".join(text)))
    return steps


def build_ours(home: Path, steps: list[tuple[str, bytes]]) -> tuple[int, list[int], float]:
    """Record the history; (artifact id, version id of each step's collection version, seconds)."""
    from core.upstreams import UpstreamSpec
    from core.workspace import Workspace

    start = time.perf_counter()
    ids = []
    with Workspace.open(str(home)) as ws:
        # Built without the blame upkeep, so every mode below starts from the cache it names
        # (the upkeep's cost per record is measured on its own, after the rounds).
        ws.history.recorded_listeners.clear()
        art = ws.history.add_artifact("big", "skill", UpstreamSpec("folder", "/up/big"), "skills/big", "dir")
        head = None
        for kind, data in steps:
            content_hash = store_skill_md(ws.objects, data)
            if kind == "p":
                project = ws.history.record_version(
                    art.id, content_hash, "local_modification", line="web",
                    parent_id=head.id, parent_hash=head.content_hash).version
                head = ws.history.record_version(
                    art.id, content_hash, "sync", parent_id=head.id, parent_hash=head.content_hash,
                    second_parent_id=project.id, metadata={"pushed_from": "web"}).version
                ids.append(project.id)
            else:
                head = ws.history.record_version(
                    art.id, content_hash, "sync", parent_id=head.id if head else None,
                    parent_hash=head.content_hash if head else None).version
                ids.append(head.id)
        return art.id, ids, time.perf_counter() - start


def build_git(repo: Path, steps: list[tuple[str, bytes]], env: dict) -> tuple[list[str], float]:
    """The same history as commits (a push: a side-branch commit merged); the commit of each step."""
    start = time.perf_counter()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    stream = []
    mark = 0
    marks = []
    head = None
    stamp = 1_700_000_000
    for i, (kind, data) in enumerate(steps):
        mark += 1
        blob = mark
        stream.append(b"blob\nmark :%d\ndata %d\n%s\n" % (blob, len(data), data))
        who = b"bench <bench@example.invalid> %d +0000\n" % (stamp + i)
        if kind == "p":
            mark += 1
            side = mark
            stream.append(b"commit refs/heads/web\nmark :%d\ncommitter %sdata 4\nedit\nfrom :%d\n"
                          b"M 100644 :%d SKILL.md\n\n" % (side, who, head, blob))
            mark += 1
            stream.append(b"commit refs/heads/main\nmark :%d\ncommitter %sdata 4\npush\nfrom :%d\nmerge :%d\n"
                          b"M 100644 :%d SKILL.md\n\n" % (mark, who, head, side, blob))
            marks.append(side)
        else:
            mark += 1
            parent = b"from :%d\n" % head if head else b""
            stream.append(b"commit refs/heads/main\nmark :%d\ncommitter %sdata 4\nstep\n%s"
                          b"M 100644 :%d SKILL.md\n\n" % (mark, who, parent, blob))
            marks.append(mark)
        head = mark
    export = repo / "marks"
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet", f"--export-marks={export}"],
                   input=b"".join(stream), check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "main"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "gc", "-q"], check=True, env=env)
    commit_of = dict(row.split() for row in export.read_text().splitlines())
    return [commit_of[f":{m}"] for m in marks], time.perf_counter() - start


def git_owners(repo: Path, env: dict, commit: str | None = None) -> list[str]:
    at = [commit, "--"] if commit else []
    out = subprocess.run(["git", "-C", str(repo), "blame", "--porcelain", *at, "SKILL.md"],
                         capture_output=True, check=True, env=env).stdout
    owners = []
    for row in out.split(b"\n"):
        parts = row.split(b" ")
        if len(parts) >= 3 and len(parts[0]) == 40 and parts[1].isdigit():
            owners.append(parts[0].decode())
    return owners


def rounds_with_setup(contenders: dict[str, tuple[Callable[[], object], Callable[[], object]]],
                      runs: int) -> tuple[dict[str, float], dict[str, object]]:
    """Median wall seconds per contender (its setup untimed, right before it), and each one's
    last result; contenders take turns within each round."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    results: dict[str, object] = {}
    for _ in range(runs):
        for name, (setup, fn) in contenders.items():
            setup()
            gc.collect()  # the results kept (20,000 lines each) are not collected inside a timing
            t0 = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}, results


def after_syncs(ws, art_id: int, final: bytes, runs: int) -> dict[str, float | int | bool]:
    """`runs` versions recorded on top of the head, as a sync records them: the record (the
    upkeep off), then the upkeep on that version (what it adds to the record), then Blame on
    it (what a person opening Blame after that sync waits for). Medians; contents read by
    the last Blame, and whether its owners are a cold blame's of the same version."""
    from core.ancestry import blame_file
    from core.ancestry.blame_upkeep import keep_blame_current

    rng = random.Random(99)
    text = final.splitlines(keepends=True)
    times: dict[str, list[float]] = {"record": [], "upkeep": [], "blame": []}
    reads: list[str] = []
    real_read = ws.objects.read_bytes
    blame_file(ws, art_id, "SKILL.md")  # the head blamed before (warm), as the upkeep keeps it
    listeners = list(ws.history.recorded_listeners)
    ws.history.recorded_listeners.clear()  # the record timed alone; the upkeep right after it
    for i in range(runs):
        for _ in range(20):
            text.insert(rng.randint(0, len(text)), line(rng, 10_000_000 + i))
        content_hash = store_skill_md(ws.objects, b"".join(text))
        head = ws.history.head(art_id)
        gc.collect()
        start = time.perf_counter()
        version = ws.history.record_version(art_id, content_hash, "sync", parent_id=head.id,
                                            parent_hash=head.content_hash).version
        times["record"].append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        keep_blame_current(ws, version)
        times["upkeep"].append(time.perf_counter() - start)
        reads.clear()
        ws.objects.read_bytes = lambda d: reads.append(d) or real_read(d)  # type: ignore[method-assign]
        gc.collect()
        start = time.perf_counter()
        kept = blame_file(ws, art_id, "SKILL.md")
        times["blame"].append(time.perf_counter() - start)
        ws.objects.read_bytes = real_read  # type: ignore[method-assign]
    ws.history.recorded_listeners[:] = listeners
    cold = blame_file(ws, art_id, "SKILL.md", use_cache=False)
    same = [ln.version_id for ln in kept.lines] == [ln.version_id for ln in cold.lines]
    return {**{k: statistics.median(v) for k, v in times.items()}, "reads": len(reads), "same": same}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small data, for a smoke test")
    ap.add_argument("--versions", type=int, default=None, help="versions (default 1,000)")
    ap.add_argument("--lines", type=int, default=None, help="lines of the file at the head (default 20,000)")
    ap.add_argument("--runs", type=int, default=3, help="rounds per contender (median; at least 3)")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = ap.parse_args(argv)
    versions = args.versions or (40 if args.quick else 1000)
    lines = args.lines or (400 if args.quick else 20000)
    runs = max(3, args.runs)
    if shutil.which("git") is None:
        raise SystemExit("git is not installed: it is the baseline of this benchmark")
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-blame-"))
    work.mkdir(parents=True, exist_ok=True)
    env = git_env(work)
    try:
        print("== Blame benchmark (core.ancestry.blame vs git blame) ==")
        print(f"machine: {machine_line(git_version)}")
        print(f"runs:    {runs} per contender (median; contenders take turns); at start: {load_line()}")
        steps = plan(versions, lines)
        home = work / "home"
        art_id, version_ids, t_ours = build_ours(home, steps)
        commits, t_git = build_git(work / "repo", steps, env)
        final = steps[-1][1]
        head_lines = final.count(b"\n")
        print(f"data:    SKILL.md {head_lines:,} lines ({len(final) / 1e6:.1f} MB) at the head; "
              f"{len(steps):,} steps ({sum(k == 'p' for k, _ in steps)} pushed from a project), "
              f"{sum(len(d) for _, d in steps) / 1e6:.0f} MB of content over the history; "
              f"built in {t_ours:.1f} s (ours) and {t_git:.1f} s (git fast-import + gc)")

        from core.ancestry import blame_cache_dir, blame_file, blame_keys
        from core.ancestry.blame import CHECKPOINT_EVERY
        from core.workspace import Workspace

        ws = Workspace.open(str(home))
        versions_now = ws.history.versions(art_id)
        by_id = {v.id: v for v in versions_now}
        head = max(by_id.values(), key=lambda v: (v.line == "collection", v.id))
        base = by_id[head.parent_id]
        keys = blame_keys(by_id, b"SKILL.md")
        cache_dir = blame_cache_dir(ws)
        entry = cache_dir / str(art_id) / f"{keys[head.id]}.blame"
        base_entry = cache_dir / str(art_id) / f"{keys[base.id]}.blame"

        # an older version, half-way between two checkpoints: a click on a line in the Blame view
        older_step = max(0, len(steps) - 2 - CHECKPOINT_EVERY // 2)
        while older_step > 0 and steps[older_step][0] != "c":
            older_step -= 1
        older = by_id[version_ids[older_step]]
        older_entry = cache_dir / str(art_id) / f"{keys[older.id]}.blame"

        def checkpoints_not_older() -> None:
            head_cached()
            older_entry.unlink(missing_ok=True)

        def empty_cache() -> None:
            shutil.rmtree(cache_dir, ignore_errors=True)

        def head_cached() -> None:
            if not entry.exists():
                blame_file(ws, art_id, "SKILL.md")

        def base_cached_head_not() -> None:
            if not base_entry.exists():
                blame_file(ws, art_id, "SKILL.md", base.id)
            entry.unlink(missing_ok=True)

        cmd = [sys.executable, str(ROOT / "main.py"), "--home", str(home), "blame", "big", "--json"]
        blame_head = lambda: blame_file(ws, art_id, "SKILL.md")  # noqa: E731
        contenders = {
            "cold": (empty_cache, blame_head),
            "warm": (head_cached, blame_head),
            "incremental": (base_cached_head_not, blame_head),
            "older": (checkpoints_not_older, lambda: blame_file(ws, art_id, "SKILL.md", older.id)),
            "git": (lambda: None, lambda: git_owners(work / "repo", env)),
            "ours_process": (head_cached, lambda: subprocess.run(cmd, capture_output=True, check=True,
                                                                 env=child_env())),
        }
        med, results = rounds_with_setup(contenders, runs)
        after = after_syncs(ws, art_id, final, runs)
        ws.close()
        version_to_commit = dict(zip(version_ids, commits))
        theirs = results["git"]
        agree = {}
        older_theirs = git_owners(work / "repo", env, commits[older_step])
        for mode in ("cold", "warm", "incremental", "older"):
            ours = [version_to_commit.get(line.version_id, "?") for line in results[mode].lines]
            want = older_theirs if mode == "older" else theirs
            agree[mode] = sum(a == b for a, b in zip(ours, want)) if len(ours) == len(want) else -1
        size = sum(f.stat().st_size for f in cache_dir.rglob("*.blame"))
        print(f"\nours, cold (empty cache; fills it)          {ms(med['cold'])}   git / ours = "
              f"{med['git'] / med['cold']:.2f}x")
        print(f"ours, warm (head cached)                    {ms(med['warm'])}   git / ours = "
              f"{med['git'] / med['warm']:.2f}x")
        print(f"ours, incremental (parent cached, not head) {ms(med['incremental'])}   git / ours = "
              f"{med['git'] / med['incremental']:.2f}x")
        print(f"ours, older ({len(steps) - 1 - older_step} versions back)        {ms(med['older'])}   "
              f"(checkpoints cached, it not: a click on a line of the Blame view)")
        print(f"ours, after a sync (the upkeep kept it)     {ms(after['blame'])}   git / ours = "
              f"{med['git'] / after['blame']:.2f}x   (Blame opened on a version just recorded; "
              f"{after['reads']} contents read; owners as a cold blame's: {'yes' if after['same'] else 'NO'})")
        print(f"  the record itself                         {ms(after['record'])}")
        print(f"  + keeping blame current at that record    {ms(after['upkeep'])}   (one read, one diff, "
              f"one entry written)")
        print(f"git blame --porcelain (a process)           {ms(med['git'])}")
        print(f"ours: main.py blame --json, warm (process)  {ms(med['ours_process'])}   git / ours = "
              f"{med['git'] / med['ours_process']:.2f}x")
        print(f"blame cache after the runs: {len(list(cache_dir.rglob('*.blame')))} entries, {size / 1e6:.1f} MB")
        same = all(agree[m] == len(older_theirs if m == "older" else theirs) for m in agree)
        print(f"same owners as git blame: {'yes' if same else 'NO'} "
              f"({', '.join(f'{m} {agree[m]:,}' for m in agree)} of {len(theirs):,} lines; "
              f"older of {len(older_theirs):,})")
        print(f"\nat end: {load_line()}")
        print("\n-- target --")
        what = f"{lines:,} lines over {versions:,} versions blamed in < {TARGET} s"
        print(f"{verdict(after['blame'], TARGET)}  {what}, after a sync (the target's case): "
              f"{after['blame']:.3f} s")
        print(f"{verdict(med['warm'], TARGET)}  {what}, warm (blamed before): {med['warm']:.3f} s")
        print(f"{verdict(med['incremental'], TARGET)}  {what}, incremental (a version recorded without "
              f"the upkeep): {med['incremental']:.3f} s")
        print(f"{verdict(med['older'], TARGET)}  {what}, an older version: {med['older']:.3f} s")
        print(f"{verdict(med['cold'], TARGET)}  {what}, cold (cache deleted, or a history never blamed nor "
              f"kept; reported, not the target's case): {med['cold']:.3f} s")
        if args.quick:
            print("(--quick: small data, a smoke run; the target is for 20,000 lines over 1,000 versions)")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"data kept in {work}")


if __name__ == "__main__":
    raise SystemExit(main())

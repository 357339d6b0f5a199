#!/usr/bin/env python3
"""Deployment status benchmark: 1,000 deployments (issue 10, "Speed").

    .venv/bin/python bench/bench_deployments.py [--quick] [--artifacts N] [--projects N] [--keep DIR]

Builds 100 artifacts from folder upstreams, syncs them, registers 10 projects and
deploys every artifact into every project (1,000 deployments), a few of them edited
in the project or outdated by an upstream change. Then measures, warm stat cache:
  1. `deployment_states` alone (the deployments part of `status`);
  2. the whole `status` in-process (artifact states + deployments), and
     `main.py status --json` as a process (start-up included): target < 2 s;
against the named baseline, the same states computed the per-deployment way: three
History lookups (deployed version, collection head, project head) per deployment,
each in its own session, as a loop over `Deployments.deployment` would do.
Prints machine info, medians, ratio and PASS/MISS; never asserts.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import machine_line, median_time, timed, verdict  # noqa: E402
from core import projects, sync  # noqa: E402
from core.history import COLLECTION_LINE, Deployments  # noqa: E402
from core.projects.drift import hash_copy  # noqa: E402
from core.workspace import Workspace  # noqa: E402

TARGET_STATUS = 2.0
RACY_WAIT = 2.1  # the stat cache trusts a digest only 2 s after the file's mtime


def generate(upstreams: Path, count: int) -> list[Path]:
    roots = []
    for i in range(count):
        root = upstreams / f"skill-{i:04d}"
        (root / "scripts").mkdir(parents=True)
        (root / "SKILL.md").write_text(f"# skill {i}\n\n" + "Use this skill when asked.\n" * 40)
        (root / "scripts" / "run.sh").write_text(f"#!/bin/sh\necho {i}\n")
        (root / "notes.md").write_text(f"notes {i}\n" * 100)
        roots.append(root)
    return roots


def per_deployment_states(ws: Workspace) -> int:
    """Baseline: the same three hashes, looked up one deployment at a time."""
    store = Deployments(ws.db)
    found = 0
    projects_by_id = {p.id: p for p in store.projects()}
    for artifact in ws.history.list_artifacts():
        for project in projects_by_id.values():
            d = store.deployment(artifact.id, project.id)
            if d is None:
                continue
            deployed = ws.history.version(d.version_id)
            head = ws.history.head(artifact.id, COLLECTION_LINE)
            ws.history.head(artifact.id, project.name)
            copy = hash_copy(projects.project_copy_path(project, artifact), artifact, ws.stat_cache)
            projects.classify_deployment(deployed.content_hash, copy.content_hash if copy else None,
                                         head.content_hash if head else None)
            found += 1
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="5 artifacts x 2 projects, one run (a smoke run)")
    ap.add_argument("--artifacts", type=int, default=None, help="default 100")
    ap.add_argument("--projects", type=int, default=None, help="default 10")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temp folder, removed)")
    args = ap.parse_args(argv)
    count = args.artifacts or (5 if args.quick else 100)
    n_projects = args.projects or (2 if args.quick else 10)
    runs = 1 if args.quick else args.runs
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine_line()}")
    print(f"data:    {count} artifacts x {n_projects} projects = {count * n_projects} deployments in {work}")
    try:
        roots = generate(work / "upstreams", count)
        ws = Workspace.open(home=work / "home")
        try:
            for r in roots:
                sync.add_artifact(ws, r.name, str(r))
            sync.sync_all(ws)
            registered = []
            for p in range(n_projects):
                folder = work / "projects" / f"p{p:02d}"
                folder.mkdir(parents=True)
                registered.append(projects.add_project(ws, f"p{p:02d}", folder))
            artifacts = ws.history.list_artifacts()
            deploy_s, _ = timed(lambda: [projects.deploy(ws, a, p) for a in artifacts for p in registered])
            # A few deployments drift: edits in a project, and upstream changes synced in.
            for a in artifacts[:3]:
                (projects.project_copy_path(registered[0], a) / "SKILL.md").write_text("edited in a project\n")
            for r in roots[3:6]:
                (r / "SKILL.md").write_text("changed upstream\n")
            sync.sync_all(ws, on_deployments=lambda checks: None)
            if not args.quick:
                time.sleep(RACY_WAIT)
            sync.status_all(ws)
            projects.deployment_states(ws)  # the stat cache is warm from here on
            t_states, states = median_time(lambda: projects.deployment_states(ws), runs)
            t_status, _ = median_time(lambda: (sync.status_all(ws), projects.deployment_states(ws)), runs)
            t_base, found = median_time(lambda: per_deployment_states(ws), runs)
        finally:
            ws.close()
        command = [sys.executable, str(ROOT / "main.py"), "--home", str(work / "home"), "status", "--json"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t_cli, proc = median_time(lambda: subprocess.run(command, capture_output=True), runs)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_cli = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / runs
        if proc.returncode != 0:
            raise SystemExit(f"main.py status failed: {proc.stderr.decode()[:500]}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    counts: dict[str, int] = {}
    for s in states:
        counts[s.state.value] = counts.get(s.state.value, 0) + 1
    print(f"states: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))} ({len(states)} deployments)")
    print(f"deploy all {len(states)}:                        {deploy_s:8.3f} s")
    print(f"deployment_states (median of {runs}):           {t_states:8.3f} s")
    print(f"baseline per-deployment lookups ({found}):   {t_base:8.3f} s   ratio {t_base / max(t_states, 1e-9):.1f}x")
    print(f"status in-process (artifacts + deployments):  {t_status:8.3f} s")
    print(f"`main.py status --json`: CPU time {cpu_cli:.3f} s per run (user + sys, mean); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"RESULT `main.py status --json` with {len(states)} deployments {t_cli:.3f} s "
          f"(a process: start-up, {count} artifacts' upstreams, deployments; target < {TARGET_STATUS:g} s): "
          f"{verdict(t_cli, TARGET_STATUS)}")
    if args.quick:
        print("(--quick: a smoke run on few deployments; the target is for 1,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

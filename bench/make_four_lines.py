#!/usr/bin/env python3
"""A 257-version artifact on four lines, for screenshots and the graph's tests.

    .venv/bin/python bench/make_four_lines.py --home DIR [--versions 257]

Records one skill, `lineage-257` (with `--home`, each version's SKILL.md stored in the object
store, a line added by each version and a merge's lines from both sides, so the window
compares and blames them; the graph's tests record the history only), with an upstream folder and a collection copy beside it (so
its state is read as for any skill), whose versions run on four lines — the collection
(upstream syncs in long runs, local edits, merges), the `upstream` line (diverged states
kept aside, later merged), and two projects, `web` and `api` (deployed, edited, pushed
back, redeployed) — in a fixed, seeded order, so every run draws the same graph.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import store_skill_md  # noqa: E402
from core.history import History, UPSTREAM_LINE  # noqa: E402
from core.store import ObjectStore  # noqa: E402
from core.upstreams import UpstreamSpec  # noqa: E402

NAME = "lineage-257"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def content(n: int) -> str:
    return hashlib.sha256(f"four-lines {n}".encode()).hexdigest()


def skill_text(lines: list[str]) -> str:
    return f"---\nname: {NAME}\n---\n# {NAME}\n\nFour lines of history.\n\n" + "".join(f"- {x}\n" for x in lines)


def record_four_lines(history: History, total: int = 257, seed: int = 7, upstream: Path | None = None,
                      objects: ObjectStore | None = None) -> int:
    """Record the artifact's `total` versions; returns its id. `upstream`: its upstream folder
    (default: a path that does not exist, so its state is an error). With `objects`, each
    version's SKILL.md is stored (its parent's lines, then one of its own; a merge's or a
    push's second parent's lines too); without, the contents are made-up hashes."""
    rng = random.Random(seed)
    source = str(upstream) if upstream is not None else "/upstream/lineage-257"
    art = history.add_artifact(NAME, "skill", UpstreamSpec("folder", source), f"skills/{NAME}", "dir")
    count = 0
    clock = T0
    heads: dict[str, int] = {}

    texts: dict[int, list[str]] = {}

    def rec(line: str, origin: str, parent: int | None, second: int | None = None, meta=None) -> int:
        nonlocal count, clock
        count += 1
        clock += timedelta(hours=rng.randint(2, 20))
        lines = list(texts.get(parent, []))
        lines += [x for x in texts.get(second, []) if x not in lines]
        if origin != "deployment":
            lines.append(f"v{count}: {origin.replace('_', ' ')} on {line}")
        digest = store_skill_md(objects, skill_text(lines).encode()) if objects is not None else content(count)
        out = history.record_version(art.id, digest, origin, parent_id=parent, second_parent_id=second,
                                     line=line, created_at=clock, metadata=meta or {})
        assert out.recorded, out.reason
        texts[out.version.id] = lines
        heads[line] = out.version.id
        return out.version.id

    rec("collection", "sync", None)
    deployed = {"web": False, "api": False}
    while count < total:
        step = rng.random()
        c = heads["collection"]
        if count in (12, 40) or (step < 0.05 and not all(deployed.values())):
            project = "web" if not deployed["web"] else "api"
            if not deployed[project]:
                rec(project, "deployment", c)
                deployed[project] = True
                continue
        if step < 0.08 and any(deployed.values()):  # a project edits its copy
            project = rng.choice([p for p, d in deployed.items() if d])
            rec(project, "local_modification", heads[project])
        elif step < 0.11 and any(deployed.values()):  # pushed back into the collection
            project = rng.choice([p for p, d in deployed.items() if d])
            rec("collection", "sync", c, second=heads[project], meta={"pushed_from": project})
        elif step < 0.15 and any(deployed.values()):  # redeployed to a project
            project = rng.choice([p for p, d in deployed.items() if d])
            rec(project, "deployment", heads[project], second=c)
        elif step < 0.18:  # upstream diverged: kept aside, then merged a little later
            up_parent = heads.get(UPSTREAM_LINE, c)
            kept = rec(UPSTREAM_LINE, "sync", up_parent, meta={"decision": "kept_local"})
            if count < total:
                rec("collection", "local_modification", c)
            if count < total:
                rec("collection", "merge", heads["collection"], second=kept)
        elif step < 0.26:
            rec("collection", "local_modification", c)
        else:
            rec("collection", "sync", c, meta={"resolved_commit": content(count)[:40]})
    last_texts[art.id] = skill_text(texts[heads["collection"]])
    return art.id


last_texts: dict[int, str] = {}  # the collection head's SKILL.md of each artifact recorded with objects


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="data folder to create the history in")
    parser.add_argument("--versions", type=int, default=257)
    args = parser.parse_args(argv)
    from core.workspace import Workspace

    ws = Workspace.open(args.home)
    try:
        upstream = Path(ws.home.root) / "upstream" / NAME
        art_id = record_four_lines(ws.history, args.versions, upstream=upstream, objects=ws.objects)
        for folder in (upstream, Path(ws.home.collection_dir) / "skills" / NAME):  # both at the head
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "SKILL.md").write_text(last_texts[art_id], encoding="utf-8")
    finally:
        ws.close()
    print(f"{NAME}: {args.versions} versions on collection, upstream, web and api in {args.home}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

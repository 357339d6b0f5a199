"""A team member's sync that brings a copy forward (core.sync.outdated: the copy is behind
another member's newer head) replaces the live collection copy too. Killed before it
stages, at its swap and just after it, the next sync must leave the copy at the head,
record nothing, leave nothing behind in the collection, and no longer say "behind".

(A full run of this over every call from the first on the collection, 112 cases, broke
none of these; kills inside the object store can leave a `.tmp-*` file there, which
docs/objects.md says is never read.)
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from core.content import hash_tree
from tests.crash.harness import KILL_CALLS, parse_trace, strace_options, strace_problem
from tests.main_server import run_main

_PROBLEM = strace_problem()
pytestmark = pytest.mark.skipif(_PROBLEM is not None, reason=f"needs strace: {_PROBLEM}")


def test_a_bring_forward_killed_around_its_swap_ends_at_the_head_recording_nothing(pg_url, tmp_path):
    def cli(home: Path, *args: str, strace: list[str] | None = None, kills: bool = False) -> subprocess.CompletedProcess:
        return run_main(["--home", str(home), "--db", pg_url, *args],
                        strace=[*strace_options(kills), *strace] if strace else None)

    up = tmp_path / "up" / "review"
    (up / "lib").mkdir(parents=True)
    (up / "SKILL.md").write_text("# review\n")
    (up / "lib" / "run.sh").write_text("echo 1\n")
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    for home, *args in ((alice, "add", "review", "--source", str(up)), (alice, "sync"), (bob, "sync")):
        assert cli(home, *args).returncode == 0
    (alice / "collection" / "skills" / "review" / "SKILL.md").write_text("# review\nalice's edit\n")
    assert cli(alice, "sync").returncode == 0
    head = hash_tree(alice / "collection" / "skills" / "review").content_hash
    versions = len(json.loads(cli(alice, "log", "review", "--json").stdout)["versions"])
    template = tmp_path / "bob-behind"
    shutil.copytree(bob, template, symlinks=True)

    def reset() -> None:
        shutil.rmtree(bob)
        shutil.copytree(template, bob, symlinks=True)

    trace = tmp_path / "trace.txt"
    assert cli(bob, "sync", strace=["-o", str(trace), "-e", f"trace={','.join(KILL_CALLS)}"]).returncode == 0
    calls = [c for c in parse_trace(trace.read_text(errors="replace"), bob) if "/collection/" in c.where]
    swap = next(i for i, c in enumerate(calls) if c.after_swap)
    staging = next(c for c in calls if c.syscall in ("mkdir", "mkdirat") and ".staging-" in c.where)
    cases = [staging, calls[swap], calls[swap + 1]]  # before it stages, at the swap, just after it

    for call in cases:
        reset()
        killed = cli(bob, "sync", strace=["-o", str(tmp_path / "case.txt"), "-e", f"trace={call.syscall}",
                                          "-e", f"inject={call.syscall}:signal=SIGKILL:when={call.nth}"], kills=True)
        assert killed.returncode in (-9, 137), (call, killed.returncode)
        after = cli(bob, "sync", "--json")
        assert after.returncode == 0, (call, after.stderr)
        assert hash_tree(bob / "collection" / "skills" / "review").content_hash == head, call
        assert len(json.loads(cli(bob, "log", "review", "--json").stdout)["versions"]) == versions, call
        left = [p.name for p in (bob / "collection").rglob("*")
                if any(mark in p.name for mark in (".staging-", ".backup-", ".lineage-recovery"))]
        assert left == [], (call, left)
        assert json.loads(cli(bob, "status", "--json").stdout)["artifacts"][0]["state"] != "behind", call
    assert os.path.isdir(bob / "collection" / "skills" / "review" / "lib")

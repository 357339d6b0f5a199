"""The verbs' crash sweep (issue 14 §3): deploy, push, restore, `sync --strategy merge`,
`merge --continue`, remove and `sync --deploy`, each killed before a file system call on
the data folder or a project, must leave the old or the new copy, and the same command
again plus the next sync must end exactly as a run that was never killed
(tests/crash/verbs.py says what is checked).

By default two calls per verb (the swap, the call after it);
LINEAGE_CRASH_SWEEP=full kills before every call (the `slow` test; about 1,000 cases),
LINEAGE_CRASH_SWEEP=every4 (any number) before one call in four plus those two.
LINEAGE_CRASH_REPORT names a JSON file for every case's outcome (`-verbs` is added to its
name); each worker also streams its outcomes to `verbs-N.jsonl` in the test's tmp folder.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crash.harness import ROOT, strace_problem
from tests.crash.verbs import VERBS

_PROBLEM = strace_problem()
pytestmark = pytest.mark.skipif(_PROBLEM is not None, reason=f"crash sweep needs strace: {_PROBLEM}")
WORKERS = 2


def run_workers(base: Path, wanted: list[tuple[str, bool]]) -> list[dict]:
    procs = []
    for w in range(WORKERS):
        spec = base / f"verbs-{w}.json"
        spec.write_text(json.dumps(wanted[w::WORKERS]))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "tests.crash.verbs", "worker", str(base / f"w{w}"), str(spec)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outcomes = []
    for p in procs:
        out, err = p.communicate(timeout=4 * 3600 - 60)
        assert p.returncode == 0, err.decode()[-2000:]
        outcomes.extend(json.loads(out))
    return outcomes


def sweep(tmp_path: Path, *, full: bool) -> None:
    outcomes = run_workers(tmp_path, [(name, full) for name in VERBS])
    report = os.environ.get("LINEAGE_CRASH_REPORT")
    if report:
        Path(report + "-verbs").write_text(json.dumps(outcomes, indent=1))
    assert {o["verb"] for o in outcomes} == set(VERBS)
    broken = [f"{o['verb']}: kill before #{o['index']} {o['where']}: {'; '.join(o['problems'])}"
              for o in outcomes if o["problems"]]
    assert not broken, f"{len(broken)} of {len(outcomes)} cases broke an invariant:\n" + "\n".join(broken)


@pytest.mark.timeout(900)
def test_every_verb_killed_at_its_swap_and_around_it_ends_as_if_never_killed(tmp_path):
    sweep(tmp_path, full=False)


_SWEEP = os.environ.get("LINEAGE_CRASH_SWEEP", "")


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
@pytest.mark.skipif(not (_SWEEP == "full" or _SWEEP.startswith("every")),
                    reason="the full crash sweep (every call) runs with LINEAGE_CRASH_SWEEP=full (or everyN)")
def test_every_verb_killed_at_any_call_ends_as_if_never_killed(tmp_path):
    sweep(tmp_path, full=True if _SWEEP == "full" else int(_SWEEP[len("every"):]))

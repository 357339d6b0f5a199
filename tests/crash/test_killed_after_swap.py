"""Issue 7.1 as reported: a sync killed right after its swap (strace kills it at its first
rmdir, the old copy's removal) must not turn the next upstream change into a conflict."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.crash.harness import STRACE_OPTIONS, strace_problem
from tests.main_server import run_main

_PROBLEM = strace_problem()
pytestmark = pytest.mark.skipif(_PROBLEM is not None, reason=f"needs strace: {_PROBLEM}")


def test_a_sync_killed_after_its_swap_is_recorded_as_sync_by_the_next_one(tmp_path):
    home, up = tmp_path / "home", tmp_path / "up" / "st"
    up.mkdir(parents=True)

    def main(*args: str, strace: list[str] | None = None) -> subprocess.CompletedProcess:
        return run_main(["--home", str(home), *args], strace=strace)

    (up / "SKILL.md").write_text("v1\n")
    assert main("add", "st", "--source", str(up)).returncode == 0
    assert main("sync").returncode == 0
    (up / "SKILL.md").write_text("v2\n")
    killed = main("sync", strace=[*STRACE_OPTIONS, "-o", "/dev/null",
                                  "-e", "inject=rmdir:signal=SIGKILL:when=1"])
    assert killed.returncode in (-9, 137)
    assert (home / "collection" / "skills" / "st" / "SKILL.md").read_text() == "v2\n"  # the swap happened
    (up / "SKILL.md").write_text("v3\n")
    after = main("sync", "--json")
    assert after.returncode == 0, after.stdout + after.stderr
    (result,) = json.loads(after.stdout)["results"]
    assert (result["state"], result["action"], result["conflict"]) == ("upstream_changed", "replaced", False)
    log = json.loads(main("log", "st", "--json").stdout)
    assert [v["change_origin"] for v in log["versions"]] == ["sync", "sync", "sync"]
    assert not list((home / "collection" / "skills").glob(".st.staging-*"))  # swept at once

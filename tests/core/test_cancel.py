"""Cancel reaches work already running: a git command is killed, a sync stops at once."""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from core.upstreams import sources
from core import sync
from core.upstreams import git as git_upstream
from core.cancel import Cancelled, cancellable, cancelled
from core.workspace import Workspace


def test_cancelled_is_false_outside_and_follows_the_check_inside():
    assert cancelled() is False
    flag = threading.Event()
    with cancellable(flag.is_set):
        assert cancelled() is False
        flag.set()
        assert cancelled() is True
    assert cancelled() is False


@pytest.mark.skipif(shutil.which("git") is None or os.name != "posix", reason="needs git and a POSIX shell")
def test_a_running_git_command_is_killed_on_cancel(tmp_path):
    pid_file = tmp_path / "pid"
    marker = tmp_path / "finished"
    alias = f"!echo $$ > '{pid_file}'; sleep 30; touch '{marker}'"
    asked = threading.Event()
    threading.Timer(0.3, asked.set).start()
    with cancellable(asked.is_set), pytest.raises(Cancelled, match="nothing was changed"):
        git_upstream.run_git(["-c", f"alias.slow={alias}", "slow"], what="a test", cwd=tmp_path)
    assert not marker.exists()
    pid = int(pid_file.read_text())
    for _ in range(100):  # the shell git started was killed with its process group
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the git alias shell {pid} is still running")


def test_sync_all_cancelled_during_a_fetch_stops_there_and_changes_nothing(tmp_path, monkeypatch):
    def make(name: str) -> Path:
        root = tmp_path / "up" / name
        root.mkdir(parents=True)
        (root / "SKILL.md").write_text(f"# {name}\n")
        return root

    with Workspace.open(tmp_path / "home") as ws:
        for name in ("a", "b", "c"):
            sync.add_artifact(ws, name, str(make(name)))
        real_fetch = sources.fetch
        asked = threading.Event()

        def fetch(spec, cache_dir):
            if spec.location.endswith("/b"):  # a slow upstream: the person presses Cancel meanwhile
                asked.set()
                while not cancelled():
                    time.sleep(0.01)
                raise Cancelled("Cancelled while git was working on b; nothing was changed.")
            return real_fetch(spec, cache_dir)

        monkeypatch.setattr(sources, "fetch", fetch)
        results = sync.sync_all(ws, cancel=asked.is_set)
        assert [(r.name, r.action) for r in results] == [("a", "copied"), ("b", "cancelled"), ("c", "cancelled")]
        assert [r.state for r in results[1:]] == [sync.SyncState.NOT_CHECKED] * 2
        assert not (ws.home.collection_dir / "skills" / "b").exists()
        assert not (ws.home.collection_dir / "skills" / "c").exists()
        assert ws.history.versions(results[1].artifact_id) == []

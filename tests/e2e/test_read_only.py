"""A read-only data folder (issue 7): the commands that only read still work.

Tests run as root, where permissions stop nothing, so the real case is a read-only bind
mount of the data folder in a private mount namespace (`unshare -m`, root only); where
that cannot be made the test skips with the reason. The same rules are also checked in
process with os.access reporting the folder as not writable, which runs everywhere.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import sync
from core.errors import DataFolderError
from core.history import History
from core.workspace import PendingRecord, Workspace

ROOT = Path(__file__).resolve().parents[2]


def _main(home: Path, *args: str, wrap: list[str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*(wrap or []), sys.executable, str(ROOT / "main.py"), "--home", str(home), *args],
                          cwd=ROOT, capture_output=True, timeout=120)


def _read_only_mount(home: Path) -> list[str]:
    """A command prefix that runs a program with `home` mounted read-only, or skip."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is not installed")
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
    wrap = [unshare, "-m", "sh", "-c", script, str(home)]
    probe = subprocess.run([*wrap, "sh", "-c", f'touch "{home}/probe" 2>/dev/null && echo writable || echo read-only'],
                           capture_output=True, timeout=30)
    if probe.returncode != 0 or probe.stdout.strip() != b"read-only":
        pytest.skip(f"cannot mount a folder read-only here (needs root in a mount namespace): "
                    f"{probe.stderr.decode(errors='replace').strip()[-200:]}")
    return wrap


@pytest.fixture
def synced(tmp_path) -> Path:
    up = tmp_path / "up" / "st"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text("v1\n")
    home = tmp_path / "home"
    for args in (("add", "st", "--source", str(up)), ("sync",)):
        assert _main(home, *args).returncode == 0
    return home


def _leave_crash_leftovers(home: Path) -> list[Path]:
    """What a killed sync leaves: a staging folder and a pending record nobody holds."""
    staging = home / "collection" / "skills" / ".st.staging-dead"
    staging.mkdir()
    (staging / "SKILL.md").write_text("half\n")
    pending = PendingRecord(1, "0" * 64, None).encode()
    (home / "pending").mkdir(exist_ok=True)
    record = home / "pending" / "dead.json"
    record.write_bytes(pending)
    return [staging, record]


def test_log_status_and_diff_work_on_a_read_only_mount(synced):
    leftovers = _leave_crash_leftovers(synced)
    wrap = _read_only_mount(synced)
    log = _main(synced, "log", "st", "--json", wrap=wrap)
    assert log.returncode == 0, log.stderr
    assert [v["change_origin"] for v in json.loads(log.stdout)["versions"]] == ["sync"]
    status = _main(synced, "status", "--json", wrap=wrap)
    assert status.returncode == 0, status.stderr
    assert b"up_to_date" in status.stdout and b"Traceback" not in status.stderr
    diff = _main(synced, "diff", "st", wrap=wrap)
    assert diff.returncode == 0 and b"SKILL.md" in diff.stdout
    refused = _main(synced, "sync", wrap=wrap)
    assert refused.returncode == 2 and b"read-only" in refused.stderr and b"Traceback" not in refused.stderr
    assert all(p.exists() for p in leftovers)  # nothing swept or recorded where nothing may be written


@pytest.fixture
def no_write_access(monkeypatch, synced):
    """os.access says the data folder (and the database in it) cannot be written."""
    real = os.access

    def access(path, mode, *a, **kw):
        if mode & os.W_OK and str(path).startswith(str(synced)):
            return False
        return real(path, mode, *a, **kw)

    monkeypatch.setattr(os, "access", access)
    return synced


def test_a_read_only_data_folder_is_opened_for_reading_only(no_write_access, monkeypatch):
    home = no_write_access
    leftovers = _leave_crash_leftovers(home)
    before = _files(home)

    def refuse(*a, **kw):
        raise AssertionError("a read-only workspace recorded a version")

    monkeypatch.setattr(History, "record_version", refuse)
    with Workspace.open(home) as ws:
        assert ws.read_only and ws.db.read_only
        (art,) = ws.history.list_artifacts()
        assert [v.change_origin for v in ws.history.versions(art.id)] == ["sync"]
        (status,) = sync.status_all(ws)
        assert status.state.value == "up_to_date"
        with pytest.raises(DataFolderError, match="read-only"):
            sync.sync_all(ws)
        with pytest.raises(DataFolderError, match="read-only"):
            sync.add_artifact(ws, "other", str(home))
    assert all(p.exists() for p in leftovers)
    assert _files(home) == before  # not a file added or removed


def _files(home: Path) -> list[Path]:
    # SQLite's own -wal/-shm may appear where the folder is in truth writable (mode=ro shares a WAL).
    return sorted(p.relative_to(home) for p in home.rglob("*") if not p.name.endswith(("-wal", "-shm")))

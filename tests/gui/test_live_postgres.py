"""Live teammates (issue 17): on one PostgreSQL, a sync recorded by member A shows in member B's
open window with no click (LISTEN/NOTIFY on the app's channel, core.history.notify).

Runs against the throwaway server tests/pg_server.py starts (skipped, saying why, without one;
ARTIFACT_LINEAGE_REQUIRE_PG=1 makes that a failure). The promise is "within a second or two";
LIVE_GUARD_MS is the guard, not a timing claim.
"""
from __future__ import annotations


import pytest

from core.workspace import Workspace
from tests.gui.helpers import select_artifact, skill
from tests.gui.test_live import cli

LIVE_GUARD_MS = 5000


@pytest.fixture
def ws(data_home, pg_url):
    """Member B's workspace: its own data folder, the team's database."""
    workspace = Workspace.open(str(data_home), db_url=pg_url)
    yield workspace
    workspace.close()


def test_a_sync_by_member_a_shows_in_member_bs_open_window(qtbot, ws, tmp_path, make_window, pg_url):
    alice = tmp_path / "alice"
    upstream = skill(tmp_path / "up", "pdf", "# pdf\nfirst text")
    cli("add", "pdf", "--source", str(upstream), home=alice, db=pg_url)
    cli("sync", home=alice, db=pg_url)
    window = make_window()
    assert window.live.watch.kind == "postgresql listen" or not window.live.watch.kind
    qtbot.waitUntil(lambda: window.live.watch._mark is not None, timeout=LIVE_GUARD_MS)
    artifact_id = window.model.artifact_ids()[0]
    select_artifact(qtbot, window, artifact_id)
    before = len(window.browser.versions)

    skill(tmp_path / "up", "pdf", "# pdf\nsecond text, synced by Alice")
    cli("sync", home=alice, db=pg_url)

    qtbot.waitUntil(lambda: len(window.browser.versions) == before + 1, timeout=LIVE_GUARD_MS)
    assert window.live.watch.kind == "postgresql listen"

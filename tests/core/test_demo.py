"""core.demo: the demo collection is built through the real sync engine."""
from __future__ import annotations

import json

import pytest

from core import demo, sync
from core.diff import compare
from core.errors import LineageError
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path / "home"))
    yield workspace
    workspace.close()


def test_build_demo_creates_history_and_a_pending_update(ws):
    calls = []
    artifacts = demo.build_demo(ws, progress=lambda done, total, label: calls.append((done, total, label)))
    plan = json.loads((demo.DEMO_DIR / "plan.json").read_text())

    assert len(artifacts) >= 4
    assert {(a.name, a.type) for a in artifacts} == {(s["name"], s["type"]) for s in plan["artifacts"]}
    assert {a.type for a in artifacts} >= {"skill", "command", "agent"}

    histories = {a.name: ws.history.versions(a.id) for a in artifacts}
    rich = [
        name
        for name, versions in histories.items()
        if len(versions) >= 4
        and any(v.change_origin == "local_modification" for v in versions)
        and any("matches_version" in v.metadata for v in versions)
    ]
    assert rich, {n: [(v.change_origin, v.metadata.get("matches_version")) for v in vs] for n, vs in histories.items()}

    # The revert really returns to the content of the version it names.
    versions = histories[rich[0]]
    by_id = {v.id: v for v in versions}
    revert = next(v for v in versions if "matches_version" in v.metadata)
    assert by_id[revert.metadata["matches_version"]].content_hash == revert.content_hash

    # A binary change and an exec-bit change are somewhere in the history.
    statuses = set()
    binary_paths = set()
    for versions in histories.values():
        for v in versions:
            if v.parent_hash:
                for change in compare(ws.objects, v.parent_hash, v.content_hash):
                    statuses.add(change.status)
                    if change.path.endswith(b".png"):
                        binary_paths.add(change.path)
    assert "mode_changed" in statuses
    assert binary_paths

    states = {s.name: s.state for s in sync.status_all(ws)}
    assert sync.SyncState.UPSTREAM_CHANGED in states.values(), states
    assert sync.SyncState.ERROR not in states.values(), states

    assert calls[-1][0] == calls[-1][1]  # progress ends at total
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)

    # "Sync now" after the demo brings the pending update in.
    results = sync.sync_all(ws)
    assert any(r.action == "replaced" and r.version_recorded for r in results)
    assert all(s.state == sync.SyncState.UP_TO_DATE for s in sync.status_all(ws))


def test_build_demo_twice_says_it_is_already_open(ws):
    demo.build_demo(ws)
    before = len(ws.history.list_artifacts())
    with pytest.raises(LineageError, match="already open"):
        demo.build_demo(ws)
    assert len(ws.history.list_artifacts()) == before


def test_build_demo_refuses_when_a_name_is_taken(ws, tmp_path):
    own = tmp_path / "mine" / "commands" / "review.md"
    own.parent.mkdir(parents=True)
    own.write_text("my own review command\n")
    sync.add_artifact(ws, "review", str(own), type="command")
    with pytest.raises(LineageError, match="already has a command named 'review'"):
        demo.build_demo(ws)


def test_demo_history_is_spread_over_past_days_and_leaves_the_clock_alone(ws):
    from datetime import datetime, timedelta, timezone

    before = datetime.now(timezone.utc)
    demo.build_demo(ws)
    pdf = ws.history.get_artifact("pdf", "skill")
    # oldest first; the upstream state a take-upstream kept aside shares that sync's moment
    stamps = [v.created_at for v in reversed(ws.history.versions(pdf.id, line="collection"))]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert {v.created_at for v in ws.history.versions(pdf.id, line="upstream")} <= set(stamps)
    assert stamps[-1] - stamps[0] > timedelta(days=7)
    assert stamps[-1] <= before
    assert ws.clock is None  # the next real sync is stamped now


def test_demo_has_projects_with_branches_and_joins(ws):
    from core import projects

    demo.build_demo(ws)
    pdf = ws.history.get_artifact("pdf", "skill")
    versions = ws.history.versions(pdf.id)
    by_id = {v.id: v for v in versions}
    assert len({v.line for v in versions}) >= 3
    joins = [v for v in versions if v.second_parent_id is not None]
    assert any(by_id[v.second_parent_id].line != v.line for v in joins)
    pushed = [v for v in versions if "pushed_from" in v.metadata]
    assert pushed and by_id[pushed[0].second_parent_id].change_origin == "local_modification"
    rollback = next(v for v in versions if v.change_origin == "rollback")
    assert by_id[rollback.metadata["restored_version"]].content_hash == rollback.content_hash

    # The project folders live under the data home; the rollback left one deployment outdated.
    assert {p.name for p in projects.list_projects(ws)} == {"website", "reports"}
    states = {(s.artifact, s.project): s.state for s in projects.deployment_states(ws)}
    assert states[("pdf", "website")] is projects.DeploymentState.OUTDATED
    assert states[("pdf", "reports")] is projects.DeploymentState.IN_SYNC


def test_build_demo_refuses_when_a_project_name_is_taken(ws, tmp_path):
    from core.projects import add_project

    add_project(ws, "website", tmp_path)
    with pytest.raises(LineageError, match="project named 'website'"):
        demo.build_demo(ws)
    assert ws.history.list_artifacts() == []

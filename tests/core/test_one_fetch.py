"""One fetch per repository per run: status and sync of many artifacts from one repository (issue 18)."""
from __future__ import annotations

import os

from core import sync
from core.workspace import Workspace
from tests.core.skills_repo import ALL_SKILLS, fetches, git_shim, make_skills_repo


def _traced(tmp_path, monkeypatch):
    log = git_shim(tmp_path / "shim")
    monkeypatch.setenv("PATH", f"{tmp_path / 'shim'}{os.pathsep}{os.environ['PATH']}")
    return log


def test_status_and_sync_of_a_whole_repository_fetch_it_once(tmp_path, monkeypatch):
    repo = tmp_path / "skills"
    make_skills_repo(repo)
    with Workspace.open(tmp_path / "home") as ws:
        sync.add_all(ws, str(repo), ref="main")
        assert len(ws.history.list_artifacts()) >= len(ALL_SKILLS)
        log = _traced(tmp_path, monkeypatch)
        statuses = sync.status_all(ws)
        assert {s.state for s in statuses} == {sync.SyncState.NEW}
        assert fetches(log) == 1
        processes = len(log.read_text().splitlines())
        assert processes <= 4, log.read_text()  # fetch, default-branch lookup / rev-parse: not per artifact
        log.unlink()
        results = sync.sync_all(ws)
        assert {r.action for r in results} == {"copied"}
        assert fetches(log) == 1
        # The commit notes of every artifact: one walk, not one `git log` each.
        assert sum(1 for line in log.read_text().splitlines() if " log " in f" {line} ") <= 2


def test_a_failed_fetch_is_said_for_every_artifact_of_the_repository_without_asking_again(tmp_path, monkeypatch):
    repo = tmp_path / "skills"
    make_skills_repo(repo)
    with Workspace.open(tmp_path / "home") as ws:
        sync.add_all(ws, str(repo), ref="main")
        (repo / ".git").rename(tmp_path / "gone.git")
        log = _traced(tmp_path, monkeypatch)
        statuses = sync.status_all(ws)
        assert {s.state for s in statuses} == {sync.SyncState.ERROR}
        assert len({s.error for s in statuses}) == 1 and "fetch" in statuses[0].error
        assert fetches(log) == 1


def test_commit_notes_name_the_last_commit_that_changed_each_artifact(tmp_path):
    repo = tmp_path / "skills"
    commits = make_skills_repo(repo)
    with Workspace.open(tmp_path / "home") as ws:
        sync.add_all(ws, str(repo), ref="main")
        sync.sync_all(ws)
        pdf = ws.history.versions(ws.history.get_artifact("pdf").id)[0].metadata
        api = ws.history.versions(ws.history.get_artifact("claude-api").id)[0].metadata
    assert (pdf["commit_subject"], pdf["path_commit"], pdf["resolved_commit"]) == (
        "Add the skills", commits["first"], commits["second"])
    assert pdf["commit_date"].startswith("2025-01-02")
    assert (api["commit_subject"], api["path_commit"]) == ("Update claude-api skill", commits["second"])


def test_one_artifact_synced_alone_has_its_own_note_too(tmp_path):
    repo = tmp_path / "skills"
    commits = make_skills_repo(repo)
    with Workspace.open(tmp_path / "home") as ws:
        art = sync.add_artifact(ws, "pdf", str(repo), ref="main", subdir="skills/pdf")
        result = sync.sync_artifact(ws, art.id)
        meta = ws.history.version(result.version_id).metadata
    assert (meta["commit_subject"], meta["path_commit"]) == ("Add the skills", commits["first"])


def test_more_refs_of_one_repository_than_trees_kept_still_sync_every_artifact(tmp_path, monkeypatch):
    from core.upstreams import git as git_upstream
    from tests.core.skills_repo import git

    monkeypatch.setattr(git_upstream, "KEEP_TREES", 1)
    repo = tmp_path / "skills"
    make_skills_repo(repo)
    first = git(repo, "rev-parse", "HEAD~1")
    with Workspace.open(tmp_path / "home") as ws:
        a = sync.add_artifact(ws, "api-a", str(repo), ref=first, subdir="skills/claude-api")
        b = sync.add_artifact(ws, "api-b", str(repo), ref="main", subdir="skills/claude-api")
        c = sync.add_artifact(ws, "api-c", str(repo), ref=first, subdir="skills/claude-api")
        results = {r.name: r for r in sync.sync_all(ws)}
        assert {r.action for r in results.values()} == {"copied"}, results
        assert ws.history.head(a.id).content_hash == ws.history.head(c.id).content_hash
        assert ws.history.head(b.id).content_hash != ws.history.head(a.id).content_hash


def test_the_git_fetch_runs_before_the_artifact_lock_is_taken(tmp_path, monkeypatch):
    """A push or deploy of the artifact need not wait for the network: while sync fetches,
    another thread can take the artifact's lock."""
    import threading

    from core.upstreams import git as git_upstream
    from core.workspace import artifact_lock

    repo = tmp_path / "skills"
    make_skills_repo(repo)
    free_during_fetch: list[bool] = []
    real_checkout = git_upstream.checkout_git

    def checkout_while_another_verb_asks(*args, **kwargs):
        taken = threading.Event()

        def other_verb():
            with artifact_lock(ws.home, art.id):
                taken.set()

        other = threading.Thread(target=other_verb, daemon=True)
        other.start()
        free_during_fetch.append(taken.wait(5))  # the guard, not a timing claim
        if free_during_fetch[-1]:
            other.join(30)
        return real_checkout(*args, **kwargs)

    with Workspace.open(tmp_path / "home") as ws:
        art = sync.add_artifact(ws, "pdf", str(repo), ref="main", subdir="skills/pdf")
        monkeypatch.setattr(git_upstream, "checkout_git", checkout_while_another_verb_asks)
        assert sync.sync_artifact(ws, art.id).action == "copied"
        assert sync.sync_all(ws)[0].action == "nothing"
    assert free_during_fetch == [True, True]

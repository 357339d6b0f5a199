"""deploy of several artifacts, deploy --all, undeploy [--delete] (issue 18)."""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from core import projects, sync
from core.cli.main import main
from core.history import Deployments
from core.workspace import Workspace
from tests.core.skills_repo import DOCUMENT_SKILLS, make_skills_repo


def run(home, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--home", str(home), *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def setup(tmp_path):
    repo = tmp_path / "skills"
    make_skills_repo(repo)
    home, web = tmp_path / "home", tmp_path / "web"
    web.mkdir()
    with Workspace.open(home) as ws:
        sync.add_plugin(ws, "document-skills", str(repo))
        sync.sync_all(ws)
        projects.add_project(ws, "web", str(web))
    return home, web


def test_deploy_several_at_once(setup):
    home, web = setup
    code, out, err = run(home, "deploy", "pdf", "docx", "--project", "web")
    assert code == 0, err
    assert out.startswith("Deployed 2 of 2 artifacts into web:")
    assert (web / ".claude" / "skills" / "pdf" / "SKILL.md").is_file()
    assert (web / ".claude" / "skills" / "docx" / "SKILL.md").is_file()
    assert not (web / ".claude" / "skills" / "xlsx").exists()


def test_deploy_all_goes_on_past_a_refusal(setup):
    home, web = setup
    run(home, "deploy", "pdf", "--project", "web")
    (web / ".claude" / "skills" / "pdf" / "SKILL.md").write_text("edited in the project\n")
    code, out, err = run(home, "deploy", "--all", "--project", "web", "--json")
    assert code == 1
    docs = {d["artifact"]: d for d in json.loads(out)["deployments"]}
    assert sorted(docs) == sorted(DOCUMENT_SKILLS)
    assert "overwrite" in docs["pdf"]["error"] and docs["xlsx"]["error"] is None
    assert (web / ".claude" / "skills" / "xlsx" / "SKILL.md").is_file()
    assert "error: pdf (skill)" in err


def test_undeploy_keeps_the_copy_and_the_history(setup):
    home, web = setup
    run(home, "deploy", "pdf", "--project", "web")
    code, out, err = run(home, "undeploy", "pdf", "--project", "web")
    assert code == 0, err
    assert "left alone" in out
    assert (web / ".claude" / "skills" / "pdf" / "SKILL.md").is_file()
    with Workspace.open(home) as ws:
        pdf = ws.history.get_artifact("pdf")
        assert Deployments(ws.db).deployments([pdf.id]) == []
        assert ws.history.versions(pdf.id, line="web")  # the project's line stays
        assert projects.deployment_states(ws) == []  # no longer `missing` forever
    code, _, err = run(home, "undeploy", "pdf", "--project", "web")
    assert code == 2 and "not deployed" in err


def test_undeploy_delete_records_unrecorded_edits_first(setup):
    home, web = setup
    run(home, "deploy", "pdf", "--project", "web")
    copy = web / ".claude" / "skills" / "pdf"
    (copy / "SKILL.md").write_text("an edit nobody recorded\n")
    code, out, err = run(home, "undeploy", "pdf", "--project", "web", "--delete")
    assert code == 0, err
    assert "Recorded web's unrecorded edits as v" in out and "deleted its copy" in out
    assert not copy.exists() and (web / ".claude" / "skills").is_dir()
    with Workspace.open(home) as ws:
        head = ws.history.head(ws.history.get_artifact("pdf").id, "web")
        assert head.change_origin == "local_modification"
        tree = ws.objects.get_manifest(head.content_hash)
        entry = next(e for e in tree.entries if e.path == b"SKILL.md")
        assert ws.objects.read_bytes(entry.digest) == b"an edit nobody recorded\n"


def test_refusals_name_every_strategy_that_resolves_them_merge_included(setup):
    home, web = setup
    run(home, "deploy", "pdf", "--project", "web")
    (web / ".claude" / "skills" / "pdf" / "SKILL.md").write_text("edited in the project\n")
    with Workspace.open(home) as ws:
        (ws.home.collection_dir / "skills" / "pdf" / "SKILL.md").write_text("edited in the collection\n")
        sync.sync_all(ws)
    code, _, err = run(home, "deploy", "pdf", "--project", "web")
    assert code == 1 and "--strategy merge" in err and "--strategy overwrite" in err and "push" in err
    code, _, err = run(home, "push", "pdf", "--project", "web")
    assert code == 1 and "--strategy merge" in err and "take-project" in err and "overwrite" in err
    code, out, _ = run(home, "sync")
    assert "--strategy merge" in out


def test_not_recorded_reasons_name_versions_by_their_number(setup):
    home, _web = setup
    with Workspace.open(home) as ws:
        pdf = ws.history.get_artifact("pdf")
        head = ws.history.head(pdf.id)
        outcome = ws.history.record_version(pdf.id, head.content_hash, "sync")
    assert not outcome.recorded and "(v1)" in outcome.reason and "#" not in outcome.reason

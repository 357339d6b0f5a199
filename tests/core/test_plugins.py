"""Marketplaces and plugins (issue 18): discovery, add --all / --plugin, groups, remove --plugin, removed ones."""
from __future__ import annotations

import json

import pytest

from core import sync
from core.cli.main import main
from core.errors import UpstreamError
from core.upstreams import find_in_upstream
from core.workspace import Workspace
from tests.core.skills_repo import (
    ALL_SKILLS, DOCUMENT_SKILLS, EXAMPLE_SKILLS, git, make_skills_repo, marketplace, skills_plugins, write,
)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "skills"
    make_skills_repo(root)
    return root


def run(home, *args: str) -> tuple[int, str]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--home", str(home), *args])
    return code, out.getvalue()


def test_the_marketplace_decides_and_template_is_never_a_skill(repo):
    found, market = find_in_upstream(repo)
    assert market is not None and market.name == "anthropic-agent-skills"
    assert sorted(f.name for f in found) == sorted(ALL_SKILLS)
    assert {f.plugin for f in found if f.name in DOCUMENT_SKILLS} == {"document-skills"}
    assert {f.plugin for f in found if f.name in EXAMPLE_SKILLS} == {"example-skills"}
    assert [f.subdir for f in found if f.name == "pdf"] == ["skills/pdf"]
    (repo / ".claude-plugin" / "marketplace.json").unlink()
    found, market = find_in_upstream(repo)  # folder rules: still 17, template/ left out
    assert market is None and sorted(f.name for f in found) == sorted(ALL_SKILLS)


def test_add_all_adds_what_the_marketplace_lists_in_its_plugins(tmp_path, repo):
    home = tmp_path / "home"
    code, out = run(home, "add", "--all", "--source", str(repo))
    assert code == 0, out
    assert "Added 17 artifacts" in out and "template" not in out
    with Workspace.open(home) as ws:
        arts = ws.history.list_artifacts()
        assert len(arts) == 17
        assert {a.name: a.plugin for a in arts}["pdf"] == "document-skills"
        assert {a.name: a.plugin for a in arts}["claude-api"] == "claude-api"
    code, out = run(home, "status")
    assert code == 0
    lines = out.splitlines()
    assert lines[1:4] == ["plugin claude-api (1 artifact)", lines[2], "plugin document-skills (4 artifacts)"]
    assert sorted(ln.split()[0] for ln in lines[4:8]) == sorted(DOCUMENT_SKILLS)
    assert lines[8] == "plugin example-skills (12 artifacts)"
    code, out = run(home, "status", "--json")
    assert {d["name"]: d["plugin"] for d in json.loads(out)["artifacts"]}["xlsx"] == "document-skills"


def test_add_plugin_adds_one_plugin_and_remove_plugin_removes_it(tmp_path, repo):
    home = tmp_path / "home"
    code, out = run(home, "add", "--plugin", "document-skills", "--source", str(repo))
    assert code == 0, out
    with Workspace.open(home) as ws:
        assert sorted(a.name for a in ws.history.list_artifacts()) == sorted(DOCUMENT_SKILLS)
        assert {a.plugin for a in ws.history.list_artifacts()} == {"document-skills"}
        sync.sync_all(ws)
        assert (ws.home.collection_dir / "skills" / "pdf" / "scripts" / "fill.py").is_file()
    code, out = run(home, "remove", "--plugin", "document-skills", "--yes")
    assert code == 0, out
    assert "Removed the 4 artifacts of plugin 'document-skills'" in out
    with Workspace.open(home) as ws:
        assert ws.history.list_artifacts() == []
        assert not (ws.home.collection_dir / "skills" / "pdf").exists()
        pdf = ws.history.get_artifact("pdf", include_removed=True)
        assert ws.history.versions(pdf.id)  # history kept


def test_an_unknown_plugin_names_the_ones_there(tmp_path, repo):
    with Workspace.open(tmp_path / "home") as ws:
        with pytest.raises(UpstreamError, match="lists no plugin 'nope' .*document-skills, example-skills, claude-api"):
            sync.add_plugin(ws, "nope", str(repo))


def test_add_all_skips_what_was_removed_on_purpose_unless_asked(tmp_path, repo):
    home = tmp_path / "home"
    run(home, "add", "--all", "--source", str(repo))
    code, _ = run(home, "remove", "pdf", "--yes")
    assert code == 0
    code, out = run(home, "add", "--all", "--source", str(repo))
    assert code == 0, out  # nothing new: not a failure
    assert "pdf" in out and "--include-removed" in out
    with Workspace.open(home) as ws:
        assert "pdf" not in {a.name for a in ws.history.list_artifacts()}
    code, out = run(home, "add", "--all", "--source", str(repo), "--include-removed")
    assert code == 0 and "Added 1 artifact " in out
    with Workspace.open(home) as ws:
        assert ws.history.get_artifact("pdf").plugin == "document-skills"


def test_a_plugin_in_another_repository_is_its_own_upstream(tmp_path, repo):
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    write(other, {".claude-plugin/plugin.json": json.dumps({"name": "reviewer"}),
                  "commands/review.md": "# review\n", "agents/critic.md": "# critic\n",
                  "output-styles/terse.md": "# terse\n"})
    git(other, "add", "-A")
    git(other, "commit", "-qm", "reviewer")
    plugins = [*skills_plugins(), {"name": "reviewer", "source": {"source": "url", "url": str(other)}},
               {"name": "npm-thing", "source": {"source": "npm", "package": "x"}}]
    write(repo, {".claude-plugin/marketplace.json": marketplace(plugins)})
    git(repo, "commit", "-qam", "more plugins")
    with Workspace.open(tmp_path / "home") as ws:
        outcome = sync.add_all(ws, str(repo))
        got = {(a.type, a.name): (a.plugin, a.upstream.location, a.upstream.subdir) for a in outcome.added}
        assert got[("command", "review")] == ("reviewer", str(other), "commands/review.md")
        assert got[("output-style", "terse")] == ("reviewer", str(other), "output-styles/terse.md")
        assert got[("agent", "critic")][0] == "reviewer"
        assert len(outcome.added) == 20
        assert any("npm-thing" in n for n in outcome.notes)
        results = sync.sync_all(ws)
        assert {r.action for r in results} == {"copied"}
        assert (ws.home.collection_dir / "output-styles" / "terse.md").read_text() == "# terse\n"


def test_output_styles_are_found_like_commands(tmp_path):
    root = tmp_path / "up"
    write(root, {"output-styles/calm.md": "# calm\n", "commands/go.md": "x"})
    found, _ = find_in_upstream(root)
    assert [(f.type, f.name, f.subdir, f.shape) for f in found] == [
        ("command", "go", "commands/go.md", "file"), ("output-style", "calm", "output-styles/calm.md", "file")]
    with Workspace.open(tmp_path / "home") as ws:
        art = sync.add_artifact(ws, "calm", str(root / "output-styles" / "calm.md"))
        assert (art.type, art.place) == ("output-style", "output-styles/calm.md")


def test_a_marketplace_path_cannot_climb_out(tmp_path):
    root = tmp_path / "up"
    write(root, {"inner/x/SKILL.md": "x", ".claude-plugin/marketplace.json": marketplace(
        [{"name": "bad", "source": "./", "skills": ["../outside", "./inner/x"]}])})
    write(tmp_path, {"outside/SKILL.md": "x"})
    found, _ = find_in_upstream(root)
    assert [f.subdir for f in found] == ["inner/x"]


def test_a_work_tree_is_git_at_its_branch_and_folder_takes_the_working_files(tmp_path, repo):
    commits = {"head": git(repo, "rev-parse", "HEAD")}
    (repo / "skills" / "pdf" / "SKILL.md").write_text("# uncommitted edit\n")
    home = tmp_path / "home"
    code, out = run(home, "add", "pdf", "--source", str(repo), "--subdir", "skills/pdf")
    assert code == 0, out
    assert "is a git work tree: tracking the committed content of main" in out and "--folder" in out
    code, out = run(home, "add", "pdf-files", "--source", str(repo), "--subdir", "skills/pdf", "--folder")
    assert code == 0 and "git work tree" not in out
    with Workspace.open(home) as ws:
        pdf, files = ws.history.get_artifact("pdf"), ws.history.get_artifact("pdf-files")
        assert (pdf.upstream.kind, pdf.upstream.ref, files.upstream.kind) == ("git", "main", "folder")
        sync.sync_all(ws)
        assert "uncommitted" not in (ws.home.collection_dir / "skills" / "pdf" / "SKILL.md").read_text()
        assert "uncommitted" in (ws.home.collection_dir / "skills" / "pdf-files" / "SKILL.md").read_text()
        assert ws.history.head(pdf.id).metadata["resolved_commit"] == commits["head"]
        # edit --folder turns it into the working files; editing only the sub-folder keeps a folder a folder
        sync.edit_upstream(ws, pdf, folder=True)
        assert ws.history.get_artifact("pdf").upstream.kind == "folder"
        sync.edit_upstream(ws, ws.history.get_artifact("pdf-files"), subdir="skills/pdf/")
        assert ws.history.get_artifact("pdf-files").upstream.kind == "folder"

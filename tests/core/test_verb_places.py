"""Issue 14 §1: no verb writes or deletes outside the collection or a project, whatever link
is on the way (core.atomic.place opens every parent by descriptor, no link followed), and
§2's "store what any verb replaces before replacing it". Set-up S of the issue."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core import projects, sync
from core.errors import LineageError
from core.projects import DeployStrategy, MergeDirection, PushStrategy
from core.sync import Strategy
from core.sync.workfolder import continue_from_work_folder, write_work_folder
from core.workspace import Workspace


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def s(tmp_path):
    """S: skill pdf (SKILL.md, scripts/a.py, scripts/b.py), command review, both synced, project
    web at P with both deployed; `outside` a folder the app must never touch."""
    ws = Workspace.open(home=tmp_path / "home")
    u = tmp_path / "U"
    write(u / "pdf" / "SKILL.md", "# pdf v1\n")
    write(u / "pdf" / "scripts" / "a.py", "a\n")
    write(u / "pdf" / "scripts" / "b.py", "b\n")
    write(u / "cmds" / "review.md", "review\n")
    pdf = sync.add_artifact(ws, "pdf", str(u / "pdf"))
    review = sync.add_artifact(ws, "review", str(u / "cmds" / "review.md"), type="command")
    sync.sync_all(ws)
    (tmp_path / "P").mkdir()
    web = projects.add_project(ws, "web", tmp_path / "P")
    projects.deploy(ws, pdf, web)
    projects.deploy(ws, review, web)
    outside = tmp_path / "outside"
    outside.mkdir()
    yield ws, pdf, web, u, outside
    ws.close()


def link_skills_outside(ws, outside: Path) -> dict[str, str]:
    """collection/skills moved outside and linked back: what is outside now, to compare after."""
    skills = ws.home.collection_dir / "skills"
    shutil.move(str(skills), str(outside / "skills"))
    os.symlink(outside / "skills", skills)
    return snapshot(outside)


def test_restore_never_writes_through_a_linked_collection_folder(s):
    ws, pdf, web, u, outside = s
    write(u / "pdf" / "SKILL.md", "# pdf v2\n")
    sync.sync_all(ws)
    v1 = ws.history.versions(pdf.id, "collection")[-1]
    before = link_skills_outside(ws, outside)
    with pytest.raises(LineageError, match="link"):
        projects.restore(ws, pdf, v1)
    assert snapshot(outside) == before


def test_push_take_project_never_writes_through_a_linked_collection_folder(s):
    ws, pdf, web, u, outside = s
    write(Path(web.path) / ".claude" / "skills" / "pdf" / "SKILL.md", "# project\n")
    before = link_skills_outside(ws, outside)
    with pytest.raises(LineageError, match="link"):
        projects.push(ws, pdf, web, PushStrategy.TAKE_PROJECT)
    assert snapshot(outside) == before


def test_remove_never_deletes_through_a_linked_collection_folder(s):
    ws, pdf, web, u, outside = s
    before = link_skills_outside(ws, outside)
    with pytest.raises(LineageError, match="link"):
        sync.remove_artifact(ws, pdf)
    assert snapshot(outside) == before
    assert not ws.history.artifact(pdf.id).removed


def test_merge_continue_never_writes_through_a_collection_folder_linked_after_the_merge_began(s):
    ws, pdf, web, u, outside = s
    write(ws.home.collection_dir / "skills" / "pdf" / "SKILL.md", "# local\n")
    write(u / "pdf" / "SKILL.md", "# upstream\n")
    (result,) = sync.sync_all(ws, ["pdf"], strategy=Strategy.MERGE)
    assert result.action == "conflict"
    work = write_work_folder(ws, pdf).path
    write(work / "SKILL.md", "# resolved\n")
    before = link_skills_outside(ws, outside)
    with pytest.raises(LineageError, match="link"):
        continue_from_work_folder(ws, pdf)
    assert snapshot(outside) == before


def test_project_merge_continue_never_writes_through_a_claude_folder_linked_outside(s):
    ws, pdf, web, u, outside = s
    p = Path(web.path)
    write(p / ".claude" / "skills" / "pdf" / "SKILL.md", "# project\n")
    write(u / "pdf" / "SKILL.md", "# upstream\n")
    sync.sync_all(ws)
    merged = projects.merge_deployment(ws, pdf, web, MergeDirection.DEPLOY)
    assert merged.action == "conflict"
    work = write_work_folder(ws, pdf, "web").path
    write(work / "SKILL.md", "# resolved\n")
    shutil.move(str(p / ".claude"), str(outside / ".claude"))
    os.symlink(outside / ".claude", p / ".claude")
    before = snapshot(outside)
    with pytest.raises(LineageError, match="link"):
        continue_from_work_folder(ws, pdf, "web")
    assert snapshot(outside) == before


def test_deploy_overwrite_refuses_a_project_folder_that_is_itself_a_link(s, tmp_path):
    ws, pdf, web, u, outside = s
    p = Path(web.path)
    write(p / ".claude" / "skills" / "pdf" / "SKILL.md", "# project edit\n")
    shutil.move(str(p), str(outside / "P"))
    os.symlink(outside / "P", p)
    before = snapshot(outside)
    with pytest.raises(LineageError, match="link"):
        projects.deploy(ws, pdf, web, strategy=DeployStrategy.OVERWRITE)
    assert snapshot(outside) == before


def test_a_folder_swapped_for_a_link_between_the_check_and_the_write_gets_nothing(s, monkeypatch):
    """The race of §1 (a deploy delayed at a mkdir while P/.claude/skills becomes a link),
    played through a hook: the swap happens while the new copy is being built."""
    ws, pdf, web, u, outside = s
    write(u / "pdf" / "SKILL.md", "# pdf v2\n")
    sync.sync_all(ws)
    skills = Path(web.path) / ".claude" / "skills"
    real = ws.objects.materialize

    def swap_then_build(content_hash, dest, *, single_file=False):
        if not os.path.islink(skills):
            shutil.move(str(skills), str(outside / "skills"))
            os.symlink(outside / "skills", skills)
        return real(content_hash, dest, single_file=single_file)

    monkeypatch.setattr(ws.objects, "materialize", swap_then_build)
    with pytest.raises(LineageError, match="replaced|moved|link"):
        projects.deploy(ws, pdf, web)
    # The folder moved outside is the real one: it still holds the old copy, and no new
    # copy (nor staging) was left in it.
    assert (outside / "skills" / "pdf" / "SKILL.md").read_text() == "# pdf v1\n"
    assert sorted(p.name for p in (outside / "skills").iterdir()) == ["pdf"]


def test_deploy_stores_the_copy_it_replaces_even_when_a_version_records_it(s):
    """§2: the project copy may be the last place holding content whose object is damaged."""
    ws, pdf, web, u, outside = s
    write(u / "pdf" / "SKILL.md", "# pdf v2\n")
    sync.sync_all(ws)
    from core.content import hash_file

    digest = hash_file(Path(web.path) / ".claude" / "skills" / "pdf" / "SKILL.md")
    obj = ws.objects.object_path(digest)
    obj.chmod(0o644)
    obj.write_bytes(b"damaged")
    assert ws.objects.verify(digest) is not None
    projects.deploy(ws, pdf, web)
    assert ws.objects.read_bytes(digest) == b"# pdf v1\n"


def test_opening_the_workspace_sweeps_leftovers_of_killed_verbs_in_every_project(s, tmp_path):
    """§3: a killed deploy left `.pdf.staging-*` (a whole skill Claude Code would load) and
    `.materialize-*` in the project; the next run removes them, not only the collection's."""
    ws, pdf, web, u, outside = s
    skills = Path(web.path) / ".claude" / "skills"
    write(skills / ".pdf.staging-0123456789ab" / "pdf" / "SKILL.md", "# half deployed\n")
    write(skills / ".materialize-abc123" / "SKILL.md", "# half built\n")
    ws.close()
    again = Workspace.open(home=tmp_path / "home")
    try:
        assert sorted(p.name for p in skills.iterdir()) == ["pdf"]
        assert any("interrupted command" in m for m in again.startup_messages)
    finally:
        again.close()


def test_recover_tolerates_a_folder_that_vanishes_while_it_scans(tmp_path, monkeypatch):
    """§3: another process finishing its swap removes a folder recover() is scanning."""
    from core.atomic import recover

    write(tmp_path / "coll" / "skills" / "pdf" / "SKILL.md", "x\n")
    real_glob = Path.glob

    def vanishing(self, pattern):
        if "staging" in pattern:
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_glob(self, pattern)

    monkeypatch.setattr(Path, "glob", vanishing)
    assert recover(tmp_path / "coll") == []


def test_a_status_run_while_a_push_builds_its_copy_never_sweeps_its_staging(s, monkeypatch):
    """§3: push/restore staging is locked like sync's, so recover() in another run leaves it."""
    from core.atomic import recover

    ws, pdf, web, u, outside = s
    write(Path(web.path) / ".claude" / "skills" / "pdf" / "SKILL.md", "# project\n")
    real = ws.objects.materialize
    swept = []

    def build_then_sweep(content_hash, dest, *, single_file=False):
        real(content_hash, dest, single_file=single_file)
        swept.extend(recover(ws.home.collection_dir))

    monkeypatch.setattr(ws.objects, "materialize", build_then_sweep)
    result = projects.push(ws, pdf, web)
    assert result.action == "pushed" and swept == []
    assert (ws.home.collection_dir / "skills" / "pdf" / "SKILL.md").read_text() == "# project\n"


def test_the_sweep_never_follows_a_linked_folder_out_of_a_project(s, tmp_path):
    ws, pdf, web, u, outside = s
    write(outside / "skills" / ".notes.staging-0123456789ab" / "keep.md", "someone's\n")
    claude = Path(web.path) / ".claude"
    shutil.rmtree(claude / "commands")
    os.symlink(outside / "skills", claude / "commands")
    ws.close()
    Workspace.open(home=tmp_path / "home").close()
    assert (outside / "skills" / ".notes.staging-0123456789ab" / "keep.md").read_text() == "someone's\n"


def test_a_push_killed_after_its_swap_is_recorded_as_the_push_by_the_next_run(s, tmp_path, monkeypatch):
    """§3 without strace: the run dies between the swap and the recording (the crash sweep in
    tests/crash kills real processes); the next open records the push, not a local edit."""
    import core.workspace.replace as replace

    ws, pdf, web, u, outside = s
    write(Path(web.path) / ".claude" / "skills" / "pdf" / "SKILL.md", "# project\n")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # stands for the kill: nothing after the swap runs

    monkeypatch.setattr(replace, "_record", killed)
    with pytest.raises(KeyboardInterrupt):
        projects.push(ws, pdf, web)
    monkeypatch.undo()
    ws.close()
    again = Workspace.open(home=tmp_path / "home")
    try:
        head = again.history.head(pdf.id)
        project_head = again.history.head(pdf.id, "web")
        assert (head.change_origin, head.metadata.get("pushed_from")) == ("sync", "web")
        assert head.second_parent_id == project_head.id and head.metadata.get("recovered") is True
        from core.history import Deployments

        assert Deployments(again.db).deployment(pdf.id, web.id).version_id == project_head.id
        assert not list(again.home.pending_dir.iterdir())
        push_again = projects.push(again, pdf, web)
        assert push_again.action == "nothing"
    finally:
        again.close()

"""Finding the artifacts an upstream holds, one git cache per repository, rename detection."""
from __future__ import annotations

from pathlib import Path

import pytest

from core import diff
from core.content import hash_tree
from core.store import ObjectStore
from core.upstreams import find_artifacts
from core.upstreams.git import cache_key, repository_identity


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_skills_commands_agents_and_skill_folders_at_the_root(tmp_path):
    root = tree(tmp_path / "up", {
        "skills/pdf/SKILL.md": "x", "skills/pdf/scripts/a.py": "x", "skills/notes/README.md": "not a skill",
        "commands/review.md": "x", "commands/helper.txt": "not markdown", "agents/planner.md": "x",
        "direct/SKILL.md": "x", "README.md": "x",
    })
    found = find_artifacts(root, "sub")
    assert [(f.type, f.name, f.subdir, f.shape) for f in found] == [
        ("skill", "pdf", "sub/skills/pdf", "dir"),
        ("skill", "direct", "sub/direct", "dir"),
        ("command", "review", "sub/commands/review.md", "file"),
        ("agent", "planner", "sub/agents/planner.md", "file"),
    ]


def test_a_skill_or_a_file_holds_no_others(tmp_path):
    skill = tree(tmp_path / "pdf", {"SKILL.md": "x", "skills/inner/SKILL.md": "x"})
    assert find_artifacts(skill) == []
    assert find_artifacts(skill / "SKILL.md") == []


def test_links_are_not_followed_into_artifacts(tmp_path):
    outside = tree(tmp_path / "outside", {"SKILL.md": "x"})
    root = tree(tmp_path / "up", {"skills/real/SKILL.md": "x"})
    (root / "skills" / "linked").symlink_to(outside)
    assert [f.name for f in find_artifacts(root)] == ["real"]


@pytest.mark.parametrize("spelling", ["{p}", "{p}/", "file://{p}", "file://{p}/", "file://localhost{p}"])
def test_a_local_repository_has_one_cache_however_it_is_spelt(tmp_path, spelling):
    repo = tmp_path / "repo"
    repo.mkdir()
    assert cache_key(spelling.format(p=repo)) == cache_key(str(repo))


def test_network_spellings_of_one_repository_share_a_key_and_others_do_not():
    same = ["https://github.com/anthropics/skills", "https://GitHub.com/anthropics/skills.git",
            "git@github.com:anthropics/skills.git", "ssh://git@github.com/anthropics/skills/"]
    assert {repository_identity(u) for u in same} == {"github.com/anthropics/skills"}
    assert cache_key("https://github.com/anthropics/other") != cache_key(same[0])


def stored(store: ObjectStore, root: Path) -> str:
    t = hash_tree(root)
    store.store_tree(root, t)
    return t.content_hash


def test_renames_exact_and_near_pair_and_unrelated_files_do_not(tmp_path):
    store = ObjectStore(tmp_path / "objects")
    body = "".join(f"line {i}\n" for i in range(20))
    old = stored(store, tree(tmp_path / "a", {"ooxml/a.py": body, "ooxml/b.py": body + "b\n", "gone.txt": "x\n"}))
    new = stored(store, tree(tmp_path / "b", {"office/a.py": body, "office/b.py": body.replace("line 3", "3") + "b\n",
                                              "fresh.txt": "entirely different\n"}))
    changes = diff.find_renames(store, diff.compare(store, old, new))
    got = {(c.display_old_path, c.display_path, c.status, c.similarity) for c in changes}
    assert got == {("ooxml/a.py", "office/a.py", "renamed", 100), ("ooxml/b.py", "office/b.py", "renamed", 95),
                   ("gone.txt", "gone.txt", "removed", None), ("fresh.txt", "fresh.txt", "added", None)}
    same = next(c for c in changes if c.similarity == 100)
    assert diff.file_diff(store, same).note.startswith("Renamed from ooxml/a.py")
    assert diff.filter_paths(changes, ["ooxml"]) == [c for c in changes if c.display_old_path.startswith("ooxml/")]


def test_the_last_line_without_a_newline_is_marked():
    lines = diff.diff_lines("a\nb", "a\nb\n")
    assert [(ln.kind, ln.text, ln.no_newline) for ln in lines[1:]] == [
        (" ", "a", False), ("-", "b", True), ("+", "b", False)]

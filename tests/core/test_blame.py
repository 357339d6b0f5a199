"""Blame (core.ancestry.blame, DESIGN.md "Blame"): git blame's rule over the version DAG."""
from __future__ import annotations

import io
import shutil
import sys
import subprocess
from pathlib import Path

import pytest

from core import projects, sync
from core.ancestry import blame, blame_file, equal_blocks, split_lines
from core.content import ManifestEntry, TreeHash, content_hash_of
from core.cancel import Cancelled
from core.errors import FileNotInVersionError
from core.history import COLLECTION_LINE
from core.upstreams import UpstreamSpec
from core.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    w = Workspace.open(home=tmp_path / "home")
    yield w
    w.close()


def put(ws, files: dict[str, str]) -> str:
    """Store a tree of text files; its content hash."""
    entries = []
    for name, text in files.items():
        data = text.encode()
        entries.append(ManifestEntry(name.encode(), "f", ws.objects.put_bytes(data), len(data)))
    entries.sort(key=lambda e: e.path)
    tree = TreeHash(content_hash_of(entries), tuple(entries))
    ws.objects.put_manifest(tree)
    return tree.content_hash


def record(ws, art, text, origin, line=COLLECTION_LINE, parent=None, second=None, files=None):
    h = put(ws, files if files is not None else {"SKILL.md": text})
    out = ws.history.record_version(art.id, h, origin, line=line,
                                    parent_id=parent.id if parent else None,
                                    parent_hash=parent.content_hash if parent else None,
                                    second_parent_id=second.id if second else None)
    assert out.recorded, out.reason
    return out.version


@pytest.fixture
def art(ws):
    return ws.history.add_artifact("pdf", "skill", UpstreamSpec("folder", "/up/pdf"), "skills/pdf", "dir")


def owners(result):
    return [(line.text, result.number(line.version_id)) for line in result.lines]


def test_each_line_goes_to_the_version_that_wrote_it(ws, art):
    v1 = record(ws, art, "a\nb\nc\n", "sync")
    v2 = record(ws, art, "a\nB\nc\nd\n", "local_modification", parent=v1)
    v3 = record(ws, art, "z\na\nB\nc\nd\n", "sync", parent=v2)
    result = blame_file(ws, art.id)
    assert result.path == "SKILL.md" and result.version.id == v3.id
    assert owners(result) == [("z", 3), ("a", 1), ("B", 2), ("c", 1), ("d", 2)]
    # at an older version
    assert owners(blame_file(ws, art.id, version_id=v2.id)) == [("a", 1), ("B", 2), ("c", 1), ("d", 2)]


def test_a_merge_owns_only_lines_neither_side_had(ws, art):
    base = record(ws, art, "one\ntwo\nthree\n", "sync")
    up = record(ws, art, "one\ntwo\nthree\nfrom upstream\n", "sync", line="upstream", parent=base)
    local = record(ws, art, "from here\none\ntwo\nthree\n", "local_modification", parent=base)
    merged = record(ws, art, "from here\none\nresolved by hand\nthree\nfrom upstream\n", "merge",
                    parent=local, second=up)
    numbers = {base.id: 1, up.id: 2, local.id: 3, merged.id: 4}
    result = blame_file(ws, art.id)
    assert [(line.text, numbers[line.version_id]) for line in result.lines] == [
        ("from here", 3), ("one", 1), ("resolved by hand", 4), ("three", 1), ("from upstream", 2)]
    assert result.versions[up.id].line == "upstream"


def test_first_parent_wins_when_both_have_the_line(ws, art):
    base = record(ws, art, "x\n", "sync")
    left = record(ws, art, "x\nsame\n", "local_modification", parent=base)
    right = record(ws, art, "x\nsame\n", "sync", line="upstream", parent=base)
    record(ws, art, "x\nsame\nmore\n", "merge", parent=left, second=right)
    result = blame_file(ws, art.id)
    assert [line.version_id for line in result.lines][:2] == [base.id, left.id]


def test_a_file_unchanged_since_an_old_version_reads_nothing_more(ws, art, monkeypatch):
    v1 = record(ws, art, "a\nb\n", "sync", files={"SKILL.md": "a\nb\n", "x.py": "1\n"})
    v2 = record(ws, art, "", "sync", parent=v1, files={"SKILL.md": "a\nb\n", "x.py": "2\n"})
    reads = []
    real = ws.objects.read_bytes
    monkeypatch.setattr(ws.objects, "read_bytes", lambda d: reads.append(d) or real(d))
    result = blame_file(ws, art.id)
    assert [line.version_id for line in result.lines] == [v1.id, v1.id]
    assert len(reads) == 1  # SKILL.md's one digest; no diff was needed
    assert owners(blame_file(ws, art.id, "x.py")) == [("2", 2)]
    assert v2.id


def test_missing_file_binary_file_and_no_default_are_refused_in_a_sentence(ws, art):
    record(ws, art, "", "sync", files={"a.md": "x\n", "b.bin": "\0\1\2", "c.md": "y\n"})
    with pytest.raises(FileNotInVersionError, match="Name the file"):
        blame_file(ws, art.id)
    with pytest.raises(FileNotInVersionError, match="has no file 'nope.md'"):
        blame_file(ws, art.id, "nope.md")
    with pytest.raises(FileNotInVersionError, match="binary"):
        blame_file(ws, art.id, "b.bin")


def test_a_single_file_artifact_blames_its_one_file(ws):
    art = ws.history.add_artifact("fmt", "command", UpstreamSpec("folder", "/up/fmt.md"), "commands/fmt.md", "file")
    record(ws, art, "", "sync", files={"fmt.md": "line\nno newline"})
    result = blame_file(ws, art.id)
    assert result.path == "fmt.md" and [line.text for line in result.lines] == ["line", "no newline"]


def test_a_line_that_lost_its_newline_is_a_new_line(ws, art):
    v1 = record(ws, art, "a\nb\n", "sync")
    record(ws, art, "a\nb", "local_modification", parent=v1)
    assert owners(blame_file(ws, art.id)) == [("a", 1), ("b", 2)]


def test_equal_blocks_pair_lines_only_where_they_are_equal():
    new, old = b"\nd\n", b"c\nd\n"
    for block in equal_blocks(new, old):
        a = split_lines(new)[block.new_start:block.new_start + block.length]
        assert a == split_lines(old)[block.old_start:block.old_start + block.length]
    assert split_lines(b"a\r\nb\rc") == [b"a\r", b"b\rc\0"]


# --- the whole cycle through the verbs ---------------------------------------------


def write(root: Path, files: dict) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_a_project_line_pushed_back_is_blamed_on_the_projects_edit_and_upstream_lines_on_their_sync(ws, tmp_path):
    up = write(tmp_path / "up" / "pdf", {"SKILL.md": "# pdf\nstep one\n"})
    art = sync.add_artifact(ws, "pdf", str(up))
    sync.sync_artifact(ws, art.id)
    (tmp_path / "web").mkdir()
    project = projects.add_project(ws, "web", tmp_path / "web")
    projects.deploy(ws, art, project)
    copy = Path(project.path) / ".claude" / "skills" / "pdf" / "SKILL.md"
    copy.write_text("# pdf\nstep one\nwritten in web\n")
    projects.push(ws, art, project)
    write(up, {"SKILL.md": "new upstream step\n# pdf\nstep one\n"})
    merged = sync.sync_artifact(ws, art.id, strategy=sync.Strategy.MERGE)  # diverged: both changed
    assert ws.history.head(art.id).change_origin == "merge", merged

    result = blame_file(ws, art.id)
    by_text = {line.text: result.versions[line.version_id] for line in result.lines}
    assert by_text["written in web"].change_origin == "local_modification"
    assert by_text["written in web"].line == "web"
    assert by_text["new upstream step"].change_origin == "sync"
    assert by_text["new upstream step"].line == "upstream"
    assert all(v.change_origin != "merge" for v in by_text.values())
    assert by_text["# pdf"].id == ws.history.versions(art.id)[-1].id  # the first sync


@pytest.mark.skipif(shutil.which("git") is None, reason="git is the reference")
def test_agrees_with_git_blame_on_a_linear_history(ws, art, tmp_path):
    import random

    rng = random.Random(7)
    words = [f"w{i}\n" for i in range(12)] + ["\n", "```\n"]
    lines = [rng.choice(words) for _ in range(30)]
    repo = tmp_path / "repo"
    repo.mkdir()
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True, text=True).stdout  # noqa: E731
    git("init", "-q")
    parent = None
    commit_of = {}
    for step in range(15):
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            if op < 0.35 and lines:
                del lines[rng.randrange(len(lines))]
            elif op < 0.7:
                lines.insert(rng.randint(0, len(lines)), rng.choice(words))
            elif lines:
                lines[rng.randrange(len(lines))] = rng.choice(words)
        lines.append(f"step {step}\n")  # every step changes the file
        text = "".join(lines)
        parent = record(ws, art, text, "sync", parent=parent)
        (repo / "SKILL.md").write_text(text)
        git("add", "SKILL.md")
        git("commit", "-q", "--allow-empty", "-m", f"s{step}")
        commit_of[git("rev-parse", "HEAD").strip()] = parent.id
    ours = [line.version_id for line in blame_file(ws, art.id).lines]
    by_prefix = {c[:39]: vid for c, vid in commit_of.items()}  # a boundary commit shows as ^ + 39 digits
    theirs = [by_prefix[row.split()[0].lstrip("^")[:39]] for row in git("blame", "-l", "-s", "SKILL.md").splitlines()]
    assert ours == theirs


def test_a_push_diffs_the_projects_content_against_their_common_parent_once(ws, art, monkeypatch):
    import importlib

    module = importlib.import_module("core.ancestry.blame")
    calls = []
    real = module.equal_line_blocks
    monkeypatch.setattr(module, "equal_line_blocks", lambda new, old: calls.append(1) or real(new, old))
    v1 = record(ws, art, "a\nb\n", "sync")
    web = record(ws, art, "a\nweb\nb\n", "local_modification", line="web", parent=v1)
    pushed = record(ws, art, "a\nweb\nb\n", "sync", parent=v1, second=web)
    assert owners(blame_file(ws, art.id, use_cache=False)) == [("a", 1), ("web", 2), ("b", 1)]
    assert len(calls) == 1 and pushed


def test_a_long_walk_reports_its_progress_and_stops_when_cancelled(ws, art):
    parent = None
    for n in range(40):
        parent = record(ws, art, "".join(f"line {i} of v{n if i == n else 0}\n" for i in range(40)), "sync", parent=parent)
    seen: list[tuple[int, int]] = []
    result = blame_file(ws, art.id, use_cache=False, progress=lambda done, total: seen.append((done, total)))
    assert len(result.lines) == 40
    assert seen[0] == (0, 40) and seen[-1] == (40, 40)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) >= 40 // 8

    asked = []

    def cancel() -> bool:  # the person presses Stop once the walk is under way
        asked.append(True)
        return len(asked) > 2

    with pytest.raises(Cancelled):
        blame_file(ws, art.id, use_cache=False, cancel=cancel, progress=lambda done, total: None)
    assert len(asked) == 3  # asked at each report until it said stop; nothing after


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_cli_counts_a_long_blame_on_a_terminal_and_says_nothing_in_a_pipe(tmp_path, monkeypatch, capsys):
    from core.cli import main

    with Workspace.open(home=tmp_path / "home") as w:
        a = w.history.add_artifact("pdf", "skill", UpstreamSpec("folder", "/up/pdf"), "skills/pdf", "dir")
        parent = None
        for n in range(70):
            parent = record(w, a, "".join(f"line {i}\n" for i in range(n + 1)), "sync", parent=parent)
    assert main(["--home", str(tmp_path / "home"), "blame", "pdf", "--json"]) == 0
    assert capsys.readouterr().err == ""  # stderr is no terminal here: no carriage returns in a log

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    shutil.rmtree(tmp_path / "home" / "cache" / "blame")  # a first blame again
    assert main(["--home", str(tmp_path / "home"), "blame", "pdf", "--json"]) == 0
    shown = terminal.getvalue()
    assert shown.startswith("\r\x1b[KRead 0 of 70 versions") and shown.endswith("\r\x1b[KRead 70 of 70 versions\n")

"""Issue 14 §5: two verbs on one artifact at once, as two processes, 20 rounds each: every
verb holds the artifact's lock for its whole read-decide-swap-record (core.workspace.locks),
so the collection line never forks and no content is replaced without being recorded."""
from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

ROUNDS = 20
pytestmark = pytest.mark.slow  # two processes, 20 rounds: run early under xdist (tests/conftest.py)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _player(role: str, home: str, base: str, barrier, rounds: int) -> None:
    from tests.crash.harness import run_cli

    b = Path(base)
    for i in range(rounds):
        if role == "sync":
            write(b / "U" / "pdf" / "SKILL.md", f"# upstream {i}\n")
        elif role == "push":
            write(b / "P" / ".claude" / "skills" / "pdf" / "scripts" / "a.py", f"project {i}\n")
        barrier.wait(timeout=60)
        if role == "sync":
            run_cli(["--home", home, "sync", "pdf", "--strategy", "take-upstream"])
        elif role == "push":
            run_cli(["--home", home, "push", "pdf", "--project", "web", "--strategy", "take-project"])
        else:
            run_cli(["--home", home, "restore", "pdf", "v1"])
        barrier.wait(timeout=60)


@pytest.fixture
def world(tmp_path):
    from tests.crash.harness import run_cli

    u = tmp_path / "U" / "pdf"
    write(u / "SKILL.md", "# pdf v1\n")
    write(u / "scripts" / "a.py", "a\n")
    (tmp_path / "P").mkdir()
    home = str(tmp_path / "home")
    for args in (("add", "pdf", "--source", str(u)), ("sync",), ("project", "add", "web", str(tmp_path / "P")),
                 ("deploy", "pdf", "--project", "web")):
        code, out, err = run_cli(["--home", home, *args])
        assert code == 0, out + err
    return tmp_path, home


def play(world, roles: tuple[str, str]) -> None:
    base, home = world
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_player, args=(role, home, str(base), barrier, ROUNDS)) for role in roles]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
        assert p.exitcode == 0


def check_collection_line(home: str) -> None:
    from core.content import hash_tree

    con = sqlite3.connect(f"file:{home}/lineage.sqlite3?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT id, content_hash, parent_hash, parent_id, change_origin FROM artifact_versions "
                           "WHERE line = 'collection' ORDER BY id").fetchall()
    finally:
        con.close()
    by_id = {r[0]: r for r in rows}
    parents = [r[3] for r in rows if r[3] is not None]
    forks = sorted({p for p in parents if parents.count(p) > 1})
    assert forks == [], f"the collection line forks at versions {forks}"
    assert sum(1 for r in rows if r[3] is None) == 1, "more than one root on the collection line"
    # Nothing replaced unrecorded: each version names as parent content what the line held before it.
    lost = [r[0] for r in rows if r[3] is not None and by_id[r[3]][1] != r[2]]
    assert lost == [], f"versions {lost} replaced content their parent does not hold"
    head = rows[-1]
    assert hash_tree(Path(home) / "collection" / "skills" / "pdf").content_hash == head[1]


def test_sync_take_upstream_and_push_take_project_at_once_never_fork_the_collection_line(world):
    play(world, ("sync", "push"))
    check_collection_line(world[1])


def test_restore_and_sync_at_once_never_fork_the_collection_line(world):
    play(world, ("sync", "restore"))
    check_collection_line(world[1])

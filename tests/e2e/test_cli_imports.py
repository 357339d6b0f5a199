"""A lean command line: each command imports only what it uses (issue 8).

Every case runs `main.main([...])` in a fresh interpreter and reads `sys.modules`
afterwards, so what is asserted is the set of modules the command pulled in; these
are import sets, not timings.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("sqlalchemy", "alembic", "networkx", "numpy", "PySide6", "importlib.metadata")
_PROBE = """
import json, sys
sys.argv = ["main.py"]
import main
try:
    code = main.main({argv!r})
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
heavy = sorted({{name for name in sys.modules for top in {heavy!r} if name == top or name.startswith(top + ".")}})
sys.stderr.write("\\nMODULES " + json.dumps({{"code": code, "heavy": heavy}}) + "\\n")
"""


def imported(*argv: str, probe: tuple[str, ...] = HEAVY) -> tuple[int, set[str]]:
    """Exit code and which of the packages `probe` (default HEAVY) a run of `main.py ARGV` imported."""
    code = _PROBE.format(argv=list(argv), heavy=probe)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES "))
    found = json.loads(line[len("MODULES "):])
    tops = {next(top for top in probe if name == top or name.startswith(top + ".")) for name in found["heavy"]}
    return found["code"], tops


@pytest.fixture
def home_at_head(tmp_path) -> Path:
    """A data folder whose database exists and is at the newest migration."""
    home = tmp_path / "home"
    code, _ = imported("--home", str(home), "status")
    assert code == 0
    return home


def test_hash_imports_no_database_graph_qt_or_package_metadata(tmp_path):
    (tmp_path / "art").mkdir()
    (tmp_path / "art" / "SKILL.md").write_text("# x\n")
    code, heavy = imported("--home", str(tmp_path / "home"), "hash", str(tmp_path / "art"))
    assert code == 0
    assert heavy == set()


def test_a_recheck_of_an_unchanged_folder_hashes_nothing(tmp_path):
    """With the stat cache warm, `hash` lstats and compares: no OpenSSL, no reading pool."""
    import os
    import time

    art = tmp_path / "art"
    (art / "sub").mkdir(parents=True)
    for rel in ("SKILL.md", "sub/a.md"):
        (art / rel).write_text(rel)
        hour_ago = time.time_ns() - 3600 * 10**9  # outside the racy window, as real files are
        os.utime(art / rel, ns=(hour_ago, hour_ago))
    argv = ("--home", str(tmp_path / "home"), "hash", str(art))
    assert imported(*argv, probe=("hashlib",)) == (0, {"hashlib"})  # the first run reads and hashes
    assert imported(*argv, probe=("hashlib", "core.content.readers")) == (0, set())


def test_help_does_not_look_up_the_version():
    code, heavy = imported("--help")
    assert code == 0
    assert heavy == set()


def test_version_is_looked_up_when_asked():
    code, heavy = imported("--version")
    assert code == 0
    assert heavy == {"importlib.metadata"}  # the probe sees it: the assertions above can fail


def test_status_and_log_at_head_use_the_database_without_alembic_or_graph(home_at_head, tmp_path):
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "SKILL.md").write_text("# pdf\n")
    home = str(home_at_head)
    assert imported("--home", home, "add", "pdf", "--source", str(tmp_path / "up"))[0] == 0
    assert imported("--home", home, "sync")[0] == 0
    for argv in (["status"], ["status", "--json"], ["log", "pdf"], ["log", "pdf", "--json"]):
        code, heavy = imported("--home", home, *argv)
        assert code == 0, argv
        assert "sqlalchemy" in heavy, argv  # they do read the database
        # (importlib.metadata comes with SQLAlchemy itself here, so it is not checked)
        assert heavy.isdisjoint({"alembic", "networkx", "numpy", "PySide6"}), (argv, heavy)


def test_a_new_data_folder_is_migrated_with_alembic(tmp_path):
    """The other side of the rule: a database that is not at head goes through alembic."""
    code, heavy = imported("--home", str(tmp_path / "fresh"), "status")
    assert code == 0
    assert "alembic" in heavy

"""Where the data folder and the database come from: --home/--db, then the environment, then the platform."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from core.workspace.paths import APP_NAME, ENV_DB, ENV_HOME, resolve_db_url, resolve_home

ROOT = Path(__file__).resolve().parents[2]


def test_command_line_beats_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "from-env"))
    assert resolve_home(tmp_path / "from-cli").root == (tmp_path / "from-cli").resolve()


def test_environment_beats_platform_default(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "from-env"))
    assert resolve_home(None).root == (tmp_path / "from-env").resolve()


def test_platform_default_when_nothing_is_given(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_HOME, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    assert resolve_home(None).root == expected
    assert str(expected).startswith(str(tmp_path / "xdg"))


def test_database_url_order(tmp_path, monkeypatch):
    home = resolve_home(tmp_path)
    monkeypatch.delenv(ENV_DB, raising=False)
    assert resolve_db_url(home) == f"sqlite:///{tmp_path.resolve() / 'lineage.sqlite3'}"
    monkeypatch.setenv(ENV_DB, "sqlite:///from-env.db")
    assert resolve_db_url(home) == "sqlite:///from-env.db"
    assert resolve_db_url(home, "sqlite:///from-cli.db") == "sqlite:///from-cli.db"


def test_hash_command_keeps_its_cache_in_the_chosen_home(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.txt").write_text("a\n")
    home = tmp_path / "home"
    home.mkdir()  # a data folder in use (one that does not exist is never created: tests/e2e/test_manage.py)
    out = subprocess.run(
        [sys.executable, "main.py", "--home", str(home), "hash", str(tree)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert (home / "cache" / "statcache.sqlite3").is_file()


def test_a_file_given_as_the_data_folder_is_one_clear_error_exit_2(tmp_path):
    from core.errors import DataFolderError

    a_file = tmp_path / "afile"
    a_file.write_text("not a folder")
    with pytest.raises(DataFolderError, match="is a file, not a folder"):
        resolve_home(a_file).ensure()
    out = subprocess.run(
        [sys.executable, "main.py", "--home", str(a_file), "status"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"error: The data folder {a_file} cannot be used: {a_file} is a file, not a folder; "
        "pass a folder with --home or ARTIFACT_LINEAGE_HOME."
    ]

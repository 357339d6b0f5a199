"""Shared fixtures. Every test runs headless and on a temporary data folder."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run_order(item: pytest.Item) -> int:
    """Long tests first: under pytest-xdist (`make test` runs one worker per core) the run
    then ends on short tests instead of waiting for a crash sweep that started last."""
    path = Path(str(item.fspath)).relative_to(ROOT).as_posix()
    if path.startswith("tests/crash/") or "bench_" in path or item.get_closest_marker("slow"):
        return 0
    if path.startswith("tests/e2e/"):
        return 1
    if path.startswith("tests/gui/"):
        return 2
    return 3


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=run_order)  # stable: each group keeps its files' order


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the real user data folder or database."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ARTIFACT_LINEAGE_HOME", str(home))
    monkeypatch.delenv("ARTIFACT_LINEAGE_DB", raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.invalid")
    yield home


@pytest.fixture
def data_home(_isolated_home) -> Path:
    return _isolated_home

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

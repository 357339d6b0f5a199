"""Shared fixtures. Every test runs headless and on a temporary data folder."""
from __future__ import annotations

import faulthandler
import os
import resource
import sys
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# Property tests (hypothesis) draw new examples each run where people run them, and the same
# ones on CI: a CI run never fails on a case no run before it met (each such case found here
# becomes an @example of its test).
settings.register_profile("ci", derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


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


# pytest-timeout's thread method runs Python, so it needs the GIL: a deadlock in which the
# main thread waits in Qt while holding the GIL (it hung CI for 90 minutes once) never lets
# it fire. faulthandler's watchdog is a C thread that needs no GIL: a minute after
# pytest-timeout's limit (or the test's own longer `timeout` mark) it prints every thread's
# Python stack to the real stderr (not the captured one) and ends the process, which xdist
# reports as a crashed worker naming the test.
WATCHDOG_S = int(os.environ.get("WATCHDOG_S", "360"))  # lower it to try the watchdog
_WATCHDOG_OUT = None


def pytest_configure(config: pytest.Config) -> None:
    global _WATCHDOG_OUT
    _WATCHDOG_OUT = os.fdopen(os.dup(sys.__stderr__.fileno()), "w")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _WATCHDOG_OUT is not None:
        _WATCHDOG_OUT.close()  # else a test that let ResourceWarning through reports it at exit


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    marked = item.get_closest_marker("timeout")
    limit = WATCHDOG_S if marked is None or not marked.args else max(WATCHDOG_S, marked.args[0] + 60)
    faulthandler.dump_traceback_later(limit, exit=True, file=_WATCHDOG_OUT)
    before = _cpu_seconds() if _CPU_LOG else 0.0
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        if _CPU_LOG:
            with open(_CPU_LOG, "a", encoding="utf-8") as log:
                log.write(f"{_cpu_seconds() - before:.2f}\t{item.nodeid}\n")


# LINEAGE_TEST_CPU=FILE appends each test's CPU seconds (its process and the child processes
# it waited for) to FILE: what the suite costs on a shared machine, where wall time is noise.
_CPU_LOG = os.environ.get("LINEAGE_TEST_CPU")


def _cpu_seconds() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


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


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL server per test process (tests/pg_server.py), shared by every
    test that needs one; skipped, saying why, where none can start."""
    from tests import pg_server as pg

    try:
        server = pg.start()
    except pg.PgUnavailable as exc:
        reason = f"no throwaway PostgreSQL server: {exc}"
        if os.environ.get("ARTIFACT_LINEAGE_REQUIRE_PG"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A URL to a new, empty database on the session's server."""
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)

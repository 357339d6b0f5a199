"""core.history.changes: noticing history written by another connection or process, and what it touched."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from core.history import Deployments, History, open_database
from core.history.changes import HistoryWatch, changes_since, mark_now
from core.upstreams import UpstreamSpec

ROOT = Path(__file__).resolve().parents[2]


def h(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'lineage.sqlite3'}"


@pytest.fixture
def db(url):
    database = open_database(url)
    yield database
    database.dispose()


def add(history: History, name: str):
    return history.add_artifact(name, "skill", UpstreamSpec("folder", f"/up/{name}"), f"skills/{name}", "dir")


def test_a_poll_says_yes_once_after_another_connection_commits(db, url):
    history = History(db)
    watch = HistoryWatch(db)
    try:
        assert watch.kind == "sqlite data_version"
        assert not watch.poll()  # nothing since the watch started
        other = open_database(url)  # another engine: as another process would write
        try:
            add(History(other), "pdf")
        finally:
            other.dispose()
        assert watch.poll()
        assert not watch.poll()
        add(history, "docx")  # this process's own writes count too (another connection)
        assert watch.poll()
    finally:
        watch.close()


def test_a_commit_by_another_process_is_noticed(db, url):
    watch = HistoryWatch(db)
    try:
        assert not watch.poll()
        code = (
            "import sys; from core.history import History, open_database; from core.upstreams import UpstreamSpec;"
            "db = open_database(sys.argv[1]);"
            "History(db).add_artifact('pdf', 'skill', UpstreamSpec('folder', '/up/pdf'), 'skills/pdf', 'dir')"
        )
        subprocess.run([sys.executable, "-c", code, url], check=True, cwd=ROOT)
        assert watch.poll()
    finally:
        watch.close()


def test_changes_name_the_artifacts_whose_versions_or_deployments_changed(db):
    history = History(db)
    pdf, docx, xlsx = add(history, "pdf"), add(history, "docx"), add(history, "xlsx")
    history.record_version(pdf.id, h("pdf1"), "sync")
    v_docx = history.record_version(docx.id, h("docx1"), "sync").version
    mark = mark_now(db)

    changes, mark = changes_since(db, mark)
    assert not changes  # nothing happened

    history.record_version(pdf.id, h("pdf2"), "sync")
    changes, mark = changes_since(db, mark)
    assert changes.versions == {pdf.id} and changes.artifact_ids == {pdf.id}
    assert not changes.projects_changed

    deployments = Deployments(db)
    web = deployments.add_project("web", "/tmp/web")
    changes, mark = changes_since(db, mark)
    assert changes.projects_changed and not changes.artifact_ids

    deployed = history.record_version(docx.id, h("docx1"), "deployment", line="web",
                                      parent_hash=None, second_parent_id=v_docx.id).version
    deployments.set_deployment(docx.id, web.id, deployed.id)
    changes, mark = changes_since(db, mark)
    assert changes.deployments == {docx.id} and changes.versions == {docx.id}

    history.remove_artifact(xlsx.id)
    changes, mark = changes_since(db, mark)
    assert xlsx.id in changes.artifacts


def test_a_version_id_committed_late_is_not_missed(db):
    """PostgreSQL hands out ids before commit: a lower id may appear after a higher one was seen."""
    history = History(db)
    pdf, docx = add(history, "pdf"), add(history, "docx")
    history.record_version(pdf.id, h("pdf1"), "sync")
    late = history.record_version(docx.id, h("docx1"), "sync").version
    history.record_version(pdf.id, h("pdf2"), "sync")
    with db.write() as session:  # as if docx's version had not committed yet
        row = session.execute(text("SELECT * FROM artifact_versions WHERE id = :id"), {"id": late.id}).mappings().one()
        session.execute(text("DELETE FROM artifact_versions WHERE id = :id"), {"id": late.id})
    mark = mark_now(db)
    with db.write() as session:  # ... and now it has, below the newest id already seen
        columns = ", ".join(row.keys())
        session.execute(text(f"INSERT INTO artifact_versions ({columns}) VALUES ({', '.join(':' + k for k in row.keys())})"), dict(row))
    changes, _mark = changes_since(db, mark)
    assert changes.versions == {docx.id}


def test_wait_sleeps_until_stopped_and_then_says_whether_anything_was_committed(db, url):
    import threading

    watch = HistoryWatch(db)
    stop = threading.Event()
    try:
        assert watch.wait(0.01, stop) is False
        add(History(db), "pdf")
        stop.set()
        assert watch.wait(60, stop) is True  # returns at once: stop is set
    finally:
        watch.close()

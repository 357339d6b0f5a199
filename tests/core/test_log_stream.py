"""`log --json` streamed (core.cli.log_stream): byte for byte the document json.dumps would
write, every lineage equal to History.lineage, whatever branches, legacy parents and
--limit leave out."""
from __future__ import annotations

import hashlib
import io
import json

import pytest

from core.cli.log_stream import write_log_json
from core.history import History, open_database, ordinal_by_id
from core.upstreams import UpstreamSpec


def h(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture
def history(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'lineage.sqlite3'}")
    yield History(db)
    db.dispose()


def expected_doc(history: History, name: str, versions) -> dict:
    """The document as `log --json` built it before streaming (a whole dict, then json.dumps)."""
    numbers = ordinal_by_id(history.versions(versions[0].artifact_id)) if versions else {}
    return {"artifact": name, "removed_at": None, "versions": [
        {"id": v.id, "number": numbers[v.id], "line": v.line,
         "parents": [p for p in (v.parent_id, v.second_parent_id) if p is not None],
         "content_hash": v.content_hash, "parent_hash": v.parent_hash,
         "change_origin": v.change_origin, "created_at": v.created_at.isoformat(),
         "lineage": history.lineage(v.id), "metadata": v.metadata}
        for v in versions
    ]}


def streamed(history: History, name: str, versions, *, indent: bool) -> str:
    out = io.BytesIO()
    numbers = ordinal_by_id(history.versions(versions[0].artifact_id)) if versions else {}
    write_log_json(out, name, versions, numbers, history.lineage, indent=indent)
    return out.getvalue().decode()


def branchy(history: History):
    """Legacy parent, a chain, two branches (one off a branch), a revert, nested metadata."""
    art = history.add_artifact("pdf", "skill", UpstreamSpec("folder", "/up/pdf"), "skills/pdf", "dir")
    rec = lambda label, **kw: history.record_version(art.id, h(label), "sync", **kw).version  # noqa: E731
    rec("a", parent_hash=h("legacy"), metadata={"resolved_commit": "abc", "files": {"SKILL.md": [1, "é"]}})
    rec("b")
    c = rec("c")
    rec("d")
    rec("e", parent_hash=h("b"))  # a branch off b
    rec("f")
    rec("g", parent_hash=c.content_hash)  # back to c's line
    rec("h", parent_hash=h("e"))  # off the first branch again
    history.record_version(art.id, h("a"), "local_modification")  # a revert to a's content
    rec("i")
    return art, history.versions(art.id)


@pytest.mark.parametrize("indent", [True, False])
def test_the_stream_is_the_document_json_dumps_writes(history, indent):
    art, versions = branchy(history)
    assert len(versions) == 10
    doc = expected_doc(history, art.name, versions)
    want = json.dumps(doc, indent=2) if indent else json.dumps(doc, separators=(",", ":"))
    assert streamed(history, art.name, versions, indent=indent) == want + "\n"


@pytest.mark.parametrize("limit", [1, 2, 5, 9])
def test_limited_versions_keep_whole_lineages(history, limit):
    """--limit leaves parents out of the list; their part of the lineage comes from the database."""
    art, versions = branchy(history)
    shown = versions[:limit]
    got = json.loads(streamed(history, art.name, shown, indent=False))
    assert got == expected_doc(history, art.name, shown)
    assert [v["number"] for v in got["versions"]] == list(range(10, 10 - limit, -1))


def test_a_long_chain_and_no_versions(history):
    art = history.add_artifact("x", "skill", UpstreamSpec("folder", "/up/x"), "skills/x", "dir")
    assert streamed(history, "x", [], indent=True) == json.dumps({"artifact": "x", "removed_at": None, "versions": []}, indent=2) + "\n"
    for i in range(60):
        history.record_version(art.id, h(str(i)), "sync")
    versions = history.versions(art.id)
    got = json.loads(streamed(history, "x", versions, indent=False))
    assert [v["lineage"] for v in got["versions"]] == [[h(str(j)) for j in range(i + 1)] for i in range(59, -1, -1)]


@pytest.mark.parametrize("line", [None, "web", "collection"])
def test_lines_and_second_parents(history, line):
    """Lineages follow first parents across lines; a line shown alone reads the rest from the database."""
    art = history.add_artifact("pdf", "skill", UpstreamSpec("folder", "/up/pdf"), "skills/pdf", "dir")
    c1 = history.record_version(art.id, h("a"), "sync").version
    d1 = history.record_version(art.id, h("a"), "deployment", line="web", parent_id=c1.id).version
    e1 = history.record_version(art.id, h("b"), "local_modification", line="web").version
    history.record_version(art.id, h("b"), "sync", second_parent_id=e1.id, metadata={"pushed_from": "web"})
    history.record_version(art.id, h("c"), "local_modification", line="web", parent_id=d1.id)
    versions = [v for v in history.versions(art.id) if line is None or v.line == line]
    doc = expected_doc(history, art.name, versions)
    assert streamed(history, art.name, versions, indent=True) == json.dumps(doc, indent=2) + "\n"
    assert any(v["parents"] for v in doc["versions"])

"""The search query (core.ancestry.query) and its matcher (core.ancestry.search)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.ancestry import Query, SearchIndex, parse_query
from core.errors import QueryError
from core.history import VersionInfo
from tests.core.test_blame import art, put, ws  # noqa: F401  (fixtures)

UTC = timezone.utc


def test_parse_reads_every_key_quoted_values_and_plain_words():
    q = parse_query('Form "Add Tables" origin:merge,local line:Web since:2026-11-01 until:2026-11-30 '
                    'file:/scripts/x.py/ text:"Some Words"')
    assert q.words == ("form", "add tables")
    assert q.origins == ("merge", "local_modification")
    assert q.lines == ("web",)
    assert q.since == datetime(2026, 11, 1, tzinfo=UTC)
    assert q.until == datetime(2026, 12, 1, tzinfo=UTC)  # the whole last day
    assert q.files == ("scripts/x.py",) and q.texts == ("some words",)
    assert q.reads_content and not parse_query("abc").reads_content


def test_parse_while_typing_ignores_keys_without_values_and_unclosed_quotes_run_to_the_end():
    assert parse_query("origin:").empty
    assert parse_query("origin: x").words == ("x",)
    assert parse_query('text:"two wor').texts == ("two wor",)
    assert parse_query("  ").empty
    assert parse_query("since:2026-1", typing=True).since is None  # a date being typed
    with pytest.raises(QueryError, match="not a date"):
        parse_query("since:2026-1")  # the command line says so


@pytest.mark.parametrize("text, says", [
    ("colour:red", "colour: is not a search key"),
    ("since:yesterday", "since:yesterday is not a date"),
    ("origin:party", "origin:party is not a change origin"),
])
def test_parse_refuses_in_one_sentence(text, says):
    with pytest.raises(QueryError, match=says):
        parse_query(text)


def version(i, origin="sync", line="collection", day=1, meta=None, parent=None, h=None):
    return VersionInfo(id=i, artifact_id=1, content_hash=h or f"{i:02x}" * 32, parent_hash=None,
                       parent_id=parent, second_parent_id=None, change_origin=origin,
                       created_at=datetime(2026, 11, day, 12, tzinfo=UTC), metadata=meta or {}, line=line)


HISTORY = [
    version(1, meta={"commit_subject": "Add form filling", "ref": "main"}),
    version(2, "local_modification", "web", 5, parent=1),
    version(3, "merge", day=9, parent=1, meta={"pushed_from": "web"}),
    version(4, "sync", "upstream", 20, parent=1, meta={"commit_subject": "Tables everywhere"}),
]


@pytest.mark.parametrize("query, ids", [
    ("", [4, 3, 2, 1]),
    ("form", [1]),
    ("FORM filling", [1]),
    ("0303", [3]),  # a hash prefix
    ("v2", [2]),  # a version number
    ("web", [3]),  # the notes (pushed from web), not the line name
    ("origin:merge", [3]),
    ("origin:sync,local", [4, 2, 1]),
    ("line:web", [2]),
    ("since:2026-11-05", [4, 3, 2]),
    ("until:2026-11-05", [2, 1]),
    ("since:2026-11-02 until:2026-11-10 origin:merge", [3]),
    ("tables line:upstream", [4]),
    ("nothing-like-this", []),
])
def test_match_keeps_versions_every_term_holds(query, ids):
    assert SearchIndex(HISTORY).match(parse_query(query)) == ids


def test_file_and_text_terms_read_the_store_once_and_then_answer_at_once(ws, art, monkeypatch):  # noqa: F811
    h1 = put(ws, {"SKILL.md": "# pdf\n", "scripts/x.py": "print(1)\n"})
    h2 = put(ws, {"SKILL.md": "# pdf\nFill The Form\n", "scripts/x.py": "print(1)\n"})
    h3 = put(ws, {"SKILL.md": "# pdf\nFill The Form\n", "scripts/x.py": "print(2)\n"})
    vs = [version(1, h=h1), version(2, h=h2, parent=1), version(3, h=h3, parent=2)]
    index = SearchIndex(vs, ws.objects)
    q = parse_query('file:scripts/x.py text:"the form"')
    assert index.match(q, content=False) is None  # would read the store: a worker's job
    assert index.match(q) == [3]
    assert index.match(parse_query("file:scripts"), content=True) == [3, 1]  # a folder; a root adds its files
    assert index.match(parse_query("file:SKILL.md")) == [2, 1]
    reads = []
    monkeypatch.setattr(ws.objects, "read_bytes", lambda d: reads.append(d))
    assert index.match(q, content=False) == [3] and reads == []
    assert Query().empty


def test_typing_a_query_key_by_key_answers_as_a_fresh_index_does():
    """Words are kept per index and a longer word looks only among what its prefix matched:
    each keystroke's answer must still be the whole answer (v1 is a number, not a prefix of v12's notes)."""
    many = HISTORY + [version(i, meta={"note": f"note {i} v1x"}, parent=1, day=i % 28 + 1) for i in range(5, 14)]
    typed = SearchIndex(many)
    for text in ("form fi", "v12", "v1", "v1x", "note 1", "0c0c", "tables line:upstream"):
        for k in range(1, len(text) + 1):
            query = parse_query(text[:k], typing=True)
            assert typed.match(query) == SearchIndex(many).match(query), text[:k]

"""core.merge.state: a pending merge survives a round trip through JSON and can be resolved."""
from __future__ import annotations

import hashlib
import json

import pytest

from core.errors import MergeError
from core.content import ManifestEntry, content_hash_of
from core.merge import (
    BINARY, CONTENT, DELETE_MODIFY, MarkerLabels, PendingMerge, entry_for, has_markers, merge_trees, render_markers,
)


def entry(path: bytes, data: bytes, kind: str = "f") -> ManifestEntry:
    return ManifestEntry(path, kind, hashlib.sha256(data).hexdigest(), len(data))


@pytest.fixture
def pending() -> PendingMerge:
    blobs: dict[str, bytes] = {}

    def e(path: bytes, data: bytes, kind: str = "f") -> ManifestEntry:
        made = entry(path, data, kind)
        blobs[made.digest] = data
        return made

    base = [
        e(b"SKILL.md", b"---\nname: x\n---\n\none\r\ntwo\nthree"),
        e(b"caf\xe9.md", b"caf\xe9 latin-1\n"),  # a non-UTF-8 name and content
        e(b"logo.png", b"\x89PNG\0a"),
        e(b"keep.md", b"kept\n"),
    ]
    local = [
        e(b"SKILL.md", b"---\nname: x\n---\n\nONE\r\ntwo\nlocal end"),
        e(b"caf\xe9.md", b"caf\xe9 local\n"),
        e(b"logo.png", b"\x89PNG\0b"),
        base[3],
        e(b"new.md", b"new\n"),
    ]
    other = [
        e(b"SKILL.md", b"---\nname: x\n---\n\none\r\ntwo\nother end"),
        e(b"logo.png", b"\x89PNG\0c"),
        base[3],
    ]
    merge = merge_trees(base, local, other, blobs.__getitem__)
    assert {c.kind for c in merge.conflicts} == {CONTENT, DELETE_MODIFY, BINARY}
    return PendingMerge.start(merge, base="b" * 64, local="c" * 64, other="d" * 64,
                              labels=MarkerLabels("local", "v3", "upstream"), context={"artifact": "skills/x"})


def test_round_trip_keeps_everything(pending):
    text = pending.to_json()
    json.loads(text)  # plain JSON
    assert text.isascii()
    again = PendingMerge.from_json(text)
    assert again == pending
    skill = again.conflict(b"SKILL.md")
    assert render_markers(skill.text, again.labels) == render_markers(pending.conflict(b"SKILL.md").text, pending.labels)
    assert b"||||||| v3\r\n" not in render_markers(skill.text, again.labels)  # LF markers: the base's first line is LF
    assert again.conflict(b"caf\xe9.md").deleted_by == "other"


def test_resolving_file_by_file(pending):
    assert len(pending.unresolved()) == 3
    with pytest.raises(MergeError, match="not resolved yet"):
        pending.result_entries()
    skill = pending.conflict(b"SKILL.md")
    data = skill.text.resolve(["both"])
    assert not has_markers(data)
    made = pending.resolve_text(b"SKILL.md", data)
    assert made == entry_for(b"SKILL.md", "f", data)
    pending.resolve(b"caf\xe9.md", None)  # accept the deletion
    pending.resolve(b"logo.png", pending.conflict(b"logo.png").other)
    # a resolution survives a restart too
    again = PendingMerge.from_json(pending.to_json())
    assert again.unresolved() == []
    result = again.result_entries()
    assert [e.path for e in result] == [b"SKILL.md", b"keep.md", b"logo.png", b"new.md"]
    assert again.result_hash() == content_hash_of(result)


def test_resolutions_must_fit(pending):
    with pytest.raises(MergeError, match="not a conflicting file"):
        pending.resolve(b"keep.md", None)
    with pytest.raises(MergeError, match="names another file"):
        pending.resolve(b"SKILL.md", entry(b"other.md", b"x"))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda doc: "{not json", "not valid JSON"),
        (lambda doc: "[]", "damaged"),
        (lambda doc: json.dumps({**doc, "format": 99}), "newer version"),
        (lambda doc: json.dumps({**doc, "format": 0}), "damaged"),
        (lambda doc: json.dumps({k: v for k, v in doc.items() if k != "local"}), "damaged"),
        (lambda doc: json.dumps({**doc, "entries": [{"path": "a", "kind": "q", "digest": "0" * 64, "size": 1}]}),
         "unknown entry kind"),
        (lambda doc: json.dumps({**doc, "entries": [{"path": "a", "kind": "f", "digest": "xyz", "size": 1}]}),
         "not a SHA-256"),
        (lambda doc: json.dumps({**doc, "conflicts": [{**doc["conflicts"][0], "kind": "weird"}]}),
         "unknown conflict kind"),
        (lambda doc: json.dumps({**doc, "resolved": [{"path": "keep.md", "entry": None}]}),
         "not a conflicting file"),
    ],
)
def test_damaged_state_is_a_clear_error(pending, damage, message):
    doc = json.loads(pending.to_json())
    with pytest.raises(MergeError, match=message) as info:
        PendingMerge.from_json(damage(doc))
    assert "\n" not in str(info.value)

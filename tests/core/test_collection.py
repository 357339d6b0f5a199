"""Collection layout, name validation and type inference (core/workspace/collection.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from core.workspace.collection import InvalidNameError, infer_shape, infer_type, path_of, place_for, validate_name
from core.errors import LineageError


@dataclass
class _Art:
    place: str


@pytest.mark.parametrize(
    "name, type_, shape, upstream, expected",
    [
        ("pdf", "skill", "dir", "pdf-skill", "skills/pdf"),
        ("review", "command", "file", "review.md", "commands/review.md"),
        ("review", "command", "file", "rev.txt", "commands/review.txt"),
        ("review", "command", "file", "REVIEW", "commands/review.md"),
        ("review", "command", "dir", "review", "commands/review"),
        ("helper", "agent", "file", "x.md", "agents/helper.md"),
        ("helper", "agent", "dir", "x", "agents/helper"),
        ("blob", "other", "file", "data.json", "other/blob.json"),
        ("blob", "other", "file", "data", "other/blob"),
        ("blob", "other", "dir", "data", "other/blob"),
        ("pdf", "skill", "file", "SKILL.md", "skills/pdf/SKILL.md"),
    ],
)
def test_place_for_layout(name, type_, shape, upstream, expected):
    assert place_for(name, type_, shape, upstream) == expected


@pytest.mark.parametrize("bad", ["", "  ", "a/b", "..", "../x", "a\0b", ".hidden", "a\\b"])
def test_bad_names_are_refused_with_a_clear_error(bad):
    with pytest.raises(InvalidNameError) as info:
        validate_name(bad)
    assert isinstance(info.value, LineageError)
    assert "name" in str(info.value)
    with pytest.raises(InvalidNameError):
        place_for(bad, "skill", "dir", "x")


def test_unknown_type_is_refused():
    with pytest.raises(InvalidNameError, match="type"):
        place_for("x", "plugin", "dir", "x")


def test_unicode_name_is_fine():
    assert place_for("résumé", "command", "file", "r.md") == "commands/résumé.md"


def test_path_of_joins_the_place(tmp_path):
    assert path_of(tmp_path, _Art("commands/review.md")) == tmp_path / "commands" / "review.md"
    assert path_of(tmp_path, _Art("skills/pdf")) == tmp_path / "skills" / "pdf"
    with pytest.raises(InvalidNameError):
        path_of(tmp_path, _Art("skills/../../etc"))
    with pytest.raises(InvalidNameError):
        path_of(tmp_path, _Art("/etc/passwd"))


def _file(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_infer_type_rules(tmp_path):
    skill = tmp_path / "pdf"
    _file(skill / "SKILL.md")
    assert infer_type(skill) == "skill"
    assert infer_type(skill / "SKILL.md") == "skill"
    assert infer_type(_file(tmp_path / "repo" / "commands" / "review.md")) == "command"
    assert infer_type(_file(tmp_path / "repo" / "agents" / "helper.md")) == "agent"
    # the nearest folder decides
    assert infer_type(_file(tmp_path / "commands" / "x" / "agents" / "a.md")) == "agent"
    plain = tmp_path / "plain"
    _file(plain / "README.md")
    assert infer_type(plain) == "other"
    assert infer_type(_file(tmp_path / "loose.md")) == "command"
    assert infer_type(_file(tmp_path / "agents" / "tool.py")) == "command"


def test_infer_type_uses_the_location_hint(tmp_path):
    f = _file(tmp_path / "cache" / "abc" / "helper.md")
    assert infer_type(f, "https://example.invalid/repo.git/agents/helper.md") == "agent"


def test_infer_shape(tmp_path):
    assert infer_shape(_file(tmp_path / "a.md")) == "file"
    assert infer_shape(tmp_path) == "dir"

"""Collection layout, name validation and type inference (core/workspace/collection.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import os

import pytest

from core.workspace.collection import InvalidNameError, folder_name_max, infer_shape, infer_type, path_of, place_for, validate_name
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


@pytest.mark.parametrize("name, words", [
    ("x" * 10_000, "too long"),
    ("y" * 231, "too long"),  # fits 255 bytes, but not with the 25 a set-aside copy's name adds
    ("é" * 116, "too long"),  # 232 bytes
    ("two\nlines", "control characters"),
    ("tab\there", "control characters"),
    ("esc\x1b[31m", "control characters"),
    ("del\x7f", "control characters"),
    ("c1\x85", "control characters"),
    ("caf\udce9", "not valid UTF-8"),
    (".", "not allowed"),
    ("a/b", "path separator"),
    ("", "empty"),
])
def test_hostile_names_are_refused_in_one_short_sentence(name, words):
    with pytest.raises(InvalidNameError) as info:
        validate_name(name)
    message = str(info.value)
    assert words in message and len(message) < 400 and message.count(".") >= 1
    assert "\n" not in message and "\x1b" not in message and "\t" not in message


def test_the_name_limit_leaves_room_for_the_staging_suffix_and_follows_the_folder():
    assert validate_name("z" * 230) == "z" * 230
    with pytest.raises(InvalidNameError, match="at most 230 bytes"):
        validate_name("z" * 231)
    with pytest.raises(InvalidNameError, match="at most 75 bytes"):
        validate_name("z" * 76, name_max=100)
    # A single-file command's file name is the name plus the upstream's suffix.
    assert place_for("z" * 227, "command", "file", "x.md") == "commands/" + "z" * 227 + ".md"
    with pytest.raises(InvalidNameError, match="too long"):
        place_for("z" * 228, "command", "file", "x.md")


def test_folder_name_max_reads_the_file_system(tmp_path):
    assert folder_name_max(tmp_path) == os.pathconf(tmp_path, "PC_NAME_MAX")
    assert folder_name_max(tmp_path / "missing") == 255


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

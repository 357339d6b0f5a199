"""core.atomic.write_file_atomically: the old file or the new one, never a torn mix or a temp file left."""
from __future__ import annotations

import os

import pytest

from core.atomic import write_file_atomically


@pytest.mark.parametrize("durable", [True, False])
def test_writes_the_whole_file_creating_its_folder(tmp_path, durable):
    target = tmp_path / "a" / "b" / "entry"
    write_file_atomically(target, b"one", durable=durable)
    write_file_atomically(target, b"two", durable=durable)
    assert target.read_bytes() == b"two" and os.listdir(target.parent) == ["entry"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "entry"
    write_file_atomically(target, b"old")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_file_atomically(target, b"new")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["entry"]

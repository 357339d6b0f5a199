"""Hashing streams: memory stays flat however large a file is (issue 2, section 2)."""
from __future__ import annotations

import hashlib
import os
import tracemalloc

import pytest

from core.content import hash_file, hash_tree

SIZE = 24 << 20  # big enough that reading it whole would dwarf the limit below
LIMIT = 4 << 20


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.bin"
    block = os.urandom(1 << 20)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        for _ in range(SIZE >> 20):
            fh.write(block)
            digest.update(block)
    return path, digest.hexdigest()


def _peak(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_hash_file_streams(big_file):
    path, expected = big_file
    digest, peak = _peak(lambda: hash_file(path))
    assert digest == expected
    assert peak < LIMIT, f"hash_file held {peak} bytes for a {SIZE}-byte file"


def test_hash_tree_streams_a_large_file_in_a_folder(big_file):
    path, expected = big_file
    tree, peak = _peak(lambda: hash_tree(path.parent))
    assert [e.digest for e in tree.entries] == [expected]
    assert peak < LIMIT, f"hash_tree held {peak} bytes for a {SIZE}-byte file"

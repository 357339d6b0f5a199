"""core.merge.linediff: the line diff behind the merge finds the changes git's Myers diff finds."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core.merge.linediff import diff

GIT = shutil.which("git")
HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.M)


def ids(*lines: str) -> list[int]:
    return [ord(x) for x in lines]


def test_trivial_cases():
    assert diff([], []) == []
    assert diff(ids("a", "b"), ids("a", "b")) == []
    assert diff([], ids("a", "b")) == [(0, 0, 0, 2)]
    assert diff(ids("a", "b"), []) == [(0, 2, 0, 0)]
    assert diff(ids("a", "b", "c"), ids("a", "x", "c")) == [(1, 1, 1, 1)]
    assert diff(ids("a", "b", "c"), ids("a", "c")) == [(1, 1, 1, 0)]


def test_an_inserted_repeat_slides_down_as_in_git():
    # "a b" -> "a b a b": the new lines are put after the old ones, not before
    assert diff(ids("a", "b"), ids("a", "b", "a", "b")) == [(2, 0, 2, 2)]
    # a blank line added inside a run of blank lines goes to the end of the run
    assert diff(ids("x", " ", " ", "y"), ids("x", " ", " ", " ", "y")) == [(3, 0, 3, 1)]


def git_changes(tmp: Path, a: bytes, b: bytes) -> list[tuple[int, int, int, int]]:
    (tmp / "a").write_bytes(a)
    (tmp / "b").write_bytes(b)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(tmp))
    proc = subprocess.run(
        [GIT, "-c", "diff.indentHeuristic=false", "diff", "--no-index", "--no-color", "--no-ext-diff",
         "--diff-algorithm=myers", "-U0", "a", "b"],
        cwd=tmp, capture_output=True, env=env, check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    changes = []
    for m in HUNK.finditer(proc.stdout):
        s1, c1 = int(m[1]), int(m[2]) if m[2] is not None else 1
        s2, c2 = int(m[3]), int(m[4]) if m[4] is not None else 1
        # unified hunks number lines from 1, and name the line before for an empty side
        changes.append((s1 - 1 if c1 else s1, c1, s2 - 1 if c2 else s2, c2))
    return changes


def edited(rng: random.Random, lines: list[int], alphabet: int, edits: int) -> list[int]:
    out = list(lines)
    for _ in range(edits):
        pos = rng.randint(0, len(out))
        op = rng.random()
        if op < 0.4:
            out[pos:pos] = [rng.randrange(alphabet * 2) for _ in range(rng.randint(1, 5))]
        elif op < 0.7:
            del out[pos:pos + rng.randint(1, 5)]
        else:
            out[pos:pos + 1] = [rng.randrange(alphabet * 3)]
    return out


def as_bytes(lines: list[int]) -> bytes:
    return b"".join(b"%d\n" % v for v in lines)


@pytest.mark.skipif(GIT is None, reason="git is not installed: nothing to compare with")
def test_same_changes_as_git_diff(tmp_path):
    rng = random.Random(20240611)
    # (cases, lines, edits): many small files with few distinct lines (every pairing is
    # ambiguous), then big ones with hundreds of edits, past git's cost cut-offs
    plans = [(150, (0, 80), (0, 8), (2, 3, 5, 10, 40, 1000)), (2, (2500, 3500), (400, 700), (3, 8))]
    checked = 0
    for cases, (lo, hi), (emin, emax), alphabets in plans:
        for _ in range(cases):
            alphabet = rng.choice(alphabets)
            a = [rng.randrange(alphabet) for _ in range(rng.randint(lo, hi))]
            b = edited(rng, a, alphabet, rng.randint(emin, emax))
            expected = git_changes(tmp_path, as_bytes(a), as_bytes(b))
            assert diff(a, b) == expected, (alphabet, a, b)
            checked += 1
    assert checked == 152

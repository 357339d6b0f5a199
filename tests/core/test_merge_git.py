"""The line-level merge against `git merge-file -p --diff3` on SKILL.md-like texts.

For every case the whole output is compared byte for byte with git's, given the
same labels: so the merge is clean exactly when git's is, the clean result is
identical, and every conflict has git's boundaries and marker layout. Texts:
the demo skill's real history (resources/demo) and generated SKILL.md files
(front matter, headings, paragraphs, lists, code fences, many repeated lines);
edits: random, adjacent, overlapping, identical, at the start and end, delete
all, no final newline, CRLF, add/add.
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest

from core.merge import MarkerLabels, merge_bytes, render_markers

GIT = shutil.which("git")
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed: nothing to compare with")

WORDS = (
    "skill file read write the a when user asks run script output table page summary check each line "
    "keep short never upload local report format markdown code review agent command note step result"
).split()
Lines = list[bytes]


def sentence(rng: random.Random, lo: int = 4, hi: int = 14) -> bytes:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return (" ".join(words).capitalize() + ".\n").encode()


def skill_text(rng: random.Random) -> Lines:
    """A generated SKILL.md: front matter, then sections of prose, lists and code."""
    name = rng.choice(WORDS) + "-" + rng.choice(WORDS)
    lines = [b"---\n", b"name: " + name.encode() + b"\n", b"description: " + sentence(rng), b"---\n", b"\n",
             b"# " + name.encode() + b"\n", b"\n"]
    for _ in range(rng.randint(2, 7)):
        lines += [b"## " + rng.choice(WORDS).capitalize().encode() + b"\n", b"\n"]
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            if kind < 0.45:
                lines += [sentence(rng) for _ in range(rng.randint(1, 4))]
            elif kind < 0.75:
                lines += [b"- " + sentence(rng, 2, 6) for _ in range(rng.randint(2, 6))]
            else:
                lines += [b"```bash\n"]
                lines += [b"python scripts/" + rng.choice(WORDS).encode() + b".py --" +
                          rng.choice(WORDS).encode() + b"\n" for _ in range(rng.randint(1, 4))]
                lines += [b"```\n"]
            lines.append(b"\n")
    return lines


def demo_histories() -> list[Lines]:
    """Each demo file's versions over the demo's steps (real edits of real texts)."""
    steps = sorted((ROOT / "resources" / "demo" / "steps").iterdir())
    by_file: dict[str, list[bytes]] = {}
    for step in steps:
        for path in sorted(step.rglob("*.md")):
            by_file.setdefault(str(path.relative_to(step)), []).append(path.read_bytes())
    return [[v for v in versions] for versions in by_file.values()]


# --- edits -----------------------------------------------------------------------


def fresh_line(rng: random.Random, doc: Lines) -> bytes:
    pick = rng.random()
    if pick < 0.25 and doc:
        return rng.choice(doc)  # a line the file already has: ambiguous pairings
    if pick < 0.4:
        return rng.choice([b"\n", b"```\n", b"- " + sentence(rng, 2, 4)])
    return sentence(rng)


def random_edits(rng: random.Random, doc: Lines, count: int) -> Lines:
    out = list(doc)
    for _ in range(count):
        pos = rng.randint(0, len(out))
        op = rng.random()
        if op < 0.35:
            out[pos:pos] = [fresh_line(rng, doc) for _ in range(rng.randint(1, 4))]
        elif op < 0.6:
            del out[pos:pos + rng.randint(1, 3)]
        else:
            out[pos:pos + rng.randint(1, 3)] = [fresh_line(rng, doc) for _ in range(rng.randint(1, 3))]
    return out


def replace(doc: Lines, start: int, count: int, new: Lines) -> Lines:
    return doc[:start] + new + doc[start + count:]


Case = tuple[bytes, bytes, bytes]
Edit = Callable[[random.Random, Lines], tuple[Lines, Lines]]


def e_random(rng, base):
    return random_edits(rng, base, rng.randint(1, 6)), random_edits(rng, base, rng.randint(1, 6))


def e_adjacent(rng, base):
    k = rng.randrange(max(1, len(base) - 1))
    local = replace(base, k, 1, [sentence(rng)])
    after = rng.choice([
        lambda: replace(base, k + 1, 1, [sentence(rng)]),  # next line changed
        lambda: replace(base, k + 1, 0, [sentence(rng)]),  # inserted right after
        lambda: replace(base, k + 1, 1, []),  # next line deleted
        lambda: replace(base, k, 0, [sentence(rng)]),  # inserted right before
    ])()
    return (local, after) if rng.random() < 0.5 else (after, local)


def e_overlapping(rng, base):
    k = rng.randrange(max(1, len(base) - 4))
    local = replace(base, k, 3, [sentence(rng) for _ in range(rng.randint(0, 4))])
    other = replace(base, k + rng.randint(0, 2), rng.randint(1, 3), [sentence(rng) for _ in range(rng.randint(0, 2))])
    return local, other


def e_identical(rng, base):
    same = random_edits(rng, base, rng.randint(1, 3))
    other = random_edits(rng, same, 1) if rng.random() < 0.5 else list(same)
    return same, other


def e_ends(rng, base):
    start, end = [sentence(rng)], [sentence(rng)]
    options = [
        (start + base, base + end), (base + end, start + base),
        (start + base, [sentence(rng)] + base), (base + end, base + [sentence(rng)]),
        (start + base, start + base + end), (base[1:], base + end), (base[:-1], start + base),
    ]
    return rng.choice(options)


def e_delete_all(rng, base):
    other = random_edits(rng, base, rng.randint(0, 2))
    return ([], other) if rng.random() < 0.5 else (other, [])


EDITS: list[Edit] = [e_random, e_random, e_adjacent, e_overlapping, e_identical, e_ends, e_delete_all]


def variants(rng: random.Random, base: Lines, local: Lines, other: Lines) -> Case:
    b, l, o = b"".join(base), b"".join(local), b"".join(other)
    style = rng.random()
    if style < 0.15:  # no newline at the end of some of the three
        b, l, o = (x[:-1] if x.endswith(b"\n") and rng.random() < 0.6 else x for x in (b, l, o))
    elif style < 0.25:  # Windows line endings throughout
        b, l, o = (x.replace(b"\n", b"\r\n") for x in (b, l, o))
    elif style < 0.28:  # one side converted to CRLF (every line changes)
        o = o.replace(b"\n", b"\r\n")
    elif style < 0.33:  # no base: both added the file
        b = b""
    return b, l, o


def corpus(seed: int, generated: int) -> Iterator[Case]:
    rng = random.Random(seed)
    for history in demo_histories():
        for i, base in enumerate(history):
            for local in history[i + 1:]:
                doc = base.splitlines(keepends=True)
                yield base, local, b"".join(random_edits(rng, doc, rng.randint(1, 4)))
                yield base, b"".join(random_edits(rng, doc, 2)), local
    for _ in range(generated):
        base = skill_text(rng)
        local, other = rng.choice(EDITS)(rng, base)
        yield variants(rng, base, local, other)


def git_merge_file(tmp: Path, case: Case) -> tuple[int, bytes]:
    for name, data in zip(("base", "local", "other"), case):
        (tmp / name).write_bytes(data)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(tmp),
               GIT_CEILING_DIRECTORIES=str(tmp.parent))
    proc = subprocess.run(
        [GIT, "merge-file", "-p", "--diff3", "-L", "local", "-L", "base", "-L", "upstream", "local", "base", "other"],
        cwd=tmp, capture_output=True, env=env, check=False,
    )
    assert proc.returncode >= 0, proc.stderr
    return proc.returncode, proc.stdout


def test_same_result_as_git_merge_file(tmp_path):
    labels = MarkerLabels("local", "base", "upstream")
    clean = conflicted = 0
    for n, (base, local, other) in enumerate(corpus(seed=11, generated=650)):
        status, expected = git_merge_file(tmp_path, (base, local, other))
        merged = merge_bytes(base, local, other)
        where = f"case {n}: base={base!r}\nlocal={local!r}\nother={other!r}"
        assert merged.clean == (status == 0), where
        assert render_markers(merged, labels) == expected, where
        assert len(merged.conflicts) == min(status, 127), where
        if merged.clean:
            assert merged.result() == expected
            clean += 1
        else:
            conflicted += 1
    # the corpus exercises both outcomes in earnest
    assert clean > 150 and conflicted > 150, (clean, conflicted)

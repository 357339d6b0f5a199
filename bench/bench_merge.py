#!/usr/bin/env python3
"""Merge benchmark: the three-way merge engine against git (issue 11).

    .venv/bin/python bench/bench_merge.py [--quick] [--runs N] [--text-kb N] [--hunks N] [--files N] [--keep DIR]

Measures, on generated data, contenders taking turns in each round:
  1. one text file (~1 MB, Markdown-like, 1,000 changed hunks on each side):
     core.merge.merge_bytes (+ writing the markers when it conflicts) against
     `git merge-file -p --diff3` on the same three files (a process, so its
     start-up is shown too). The outputs must be byte-identical. Target < 0.5 s.
  2. a 500-file skill where a few files changed on each side, stored in a real
     object store: core.merge.merge_trees over the three stored manifests
     (reading only what both sides changed) against `git merge-tree --write-tree`
     on the same three trees as commits, and against a naive merge that reads
     every file of the three versions. The merged tree must equal git's.
     Target < 1 s.
Prints machine info, sizes, medians, ratios and PASS/MISS; never asserts a timing.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import load_line, machine_line, ms, rounds, verdict  # noqa: E402
from core.content import ManifestEntry, TreeHash, content_hash_of  # noqa: E402
from core.merge import MarkerLabels, merge_bytes, merge_trees, render_markers, split_lines  # noqa: E402
from core.merge.linediff import diff  # noqa: E402
from core.store import ObjectStore  # noqa: E402

TARGET_TEXT = 0.5
TARGET_TREE = 1.0
LABELS = MarkerLabels("local", "base", "upstream")
WORDS = (
    "skill file read write the a when user asks run script output table page summary check each line "
    "keep short never upload local report format markdown code review agent command note step result "
    "extract text tables pages quote answer bundled range branding rules service logo"
).split()


def git_env(home: Path) -> dict[str, str]:
    return dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(home),
                GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
                GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")


# --- data ------------------------------------------------------------------------


def sentence(rng: random.Random) -> bytes:
    return (" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 14))).capitalize() + ".\n").encode()


def markdown(rng: random.Random, size: int) -> list[bytes]:
    """Sections of prose, bullet lists and code blocks, with the blank lines and
    fences real Markdown repeats, until `size` bytes."""
    lines: list[bytes] = [b"---\n", b"name: bench\n", b"description: " + sentence(rng), b"---\n", b"\n"]
    total = sum(map(len, lines))
    while total < size:
        block = [b"## " + rng.choice(WORDS).capitalize().encode() + b"\n", b"\n"]
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            if kind < 0.5:
                block += [sentence(rng) for _ in range(rng.randint(1, 5))]
            elif kind < 0.8:
                block += [b"- " + sentence(rng) for _ in range(rng.randint(2, 6))]
            else:
                block += [b"```bash\n"] + [b"python scripts/" + rng.choice(WORDS).encode() + b".py\n"
                                           for _ in range(rng.randint(1, 3))] + [b"```\n"]
            block.append(b"\n")
        lines += block
        total += sum(map(len, block))
    return lines


def edit_sides(rng: random.Random, base: list[bytes], hunks: int) -> tuple[list[bytes], list[bytes]]:
    """`hunks` edits on each side at distinct places at least 4 lines apart, the two
    sides' places interleaved: replace, insert or delete a line or two."""
    sites = sorted(rng.sample(range(2, len(base) - 2, 4), 2 * hunks))
    local, other = list(base), list(base)
    for k, site in reversed(list(enumerate(sites))):
        side = local if k % 2 == 0 else other
        op = rng.random()
        if op < 0.5:
            side[site:site + rng.randint(1, 2)] = [sentence(rng) for _ in range(rng.randint(1, 2))]
        elif op < 0.8:
            side[site:site] = [sentence(rng) for _ in range(rng.randint(1, 3))]
        else:
            del side[site]
    return local, other


def skill_tree(rng: random.Random, files: int) -> dict[bytes, tuple[str, bytes]]:
    """path -> (kind, bytes): SKILL.md, scripts (some executable), references."""
    tree: dict[bytes, tuple[str, bytes]] = {b"SKILL.md": ("f", b"".join(markdown(rng, 6000)))}
    for i in range(1, files):
        if i % 5 == 0:
            path = f"scripts/tool_{i:03}.py".encode()
            body = b"".join(b"print(%d, %r)\n" % (j, rng.choice(WORDS).encode()) for j in range(rng.randint(20, 120)))
            tree[path] = ("x" if i % 10 == 0 else "f", b"#!/usr/bin/env python3\n" + body)
        else:
            tree[f"references/notes_{i:03}.md".encode()] = ("f", b"".join(markdown(rng, rng.randint(500, 6000))))
    return tree


def change_trees(rng: random.Random, base: dict) -> tuple[dict, dict]:
    """A few files changed on each side: 4 edited on one side only, 2 edited on both
    (in different places, so they merge), one added each side, one deleted on one
    side, one made executable on one side and edited on the other."""
    local, other = dict(base), dict(base)
    paths = sorted(p for p in base if p.startswith(b"references/"))
    picks = rng.sample(paths, 11)

    def edited(data: bytes, at: float) -> bytes:
        lines = split_lines(data)
        k = max(1, int(len(lines) * at))
        return b"".join(lines[:k] + [sentence(rng)] + lines[k + 1:])

    for p in picks[0:4]:
        local[p] = ("f", edited(base[p][1], 0.5))
    for p in picks[4:8]:
        other[p] = ("f", edited(base[p][1], 0.5))
    for p in picks[8:10]:
        local[p] = ("f", edited(base[p][1], 0.2))
        other[p] = ("f", edited(base[p][1], 0.8))
    local[b"references/added_local.md"] = ("f", sentence(rng))
    other[b"references/added_upstream.md"] = ("f", sentence(rng))
    del other[picks[10]]
    script = sorted(p for p in base if p.startswith(b"scripts/") and base[p][0] == "f")[0]
    local[script] = ("x", base[script][1])
    other[script] = ("f", edited(base[script][1], 0.5))
    return local, other


def store_tree(store: ObjectStore, tree: dict[bytes, tuple[str, bytes]]) -> str:
    entries = []
    for path, (kind, data) in sorted(tree.items()):
        entries.append(ManifestEntry(path, kind, store.put_bytes(data), len(data)))
    th = TreeHash(content_hash_of(entries), tuple(entries))
    store.put_manifest(th)
    return th.content_hash


def git_commit_tree(repo: Path, tree: dict, parent: str | None, env: dict) -> str:
    """Write `tree` as the repository's whole content and commit it; returns the commit."""
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for path, (kind, data) in tree.items():
        target = repo / os.fsdecode(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o755 if kind == "x" else 0o644)
    git = ["git", "-C", str(repo)]
    subprocess.run(git + ["add", "-A"], check=True, env=env)
    subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "v"], check=True, env=env)
    return subprocess.run(git + ["rev-parse", "HEAD"], check=True, env=env, capture_output=True, text=True).stdout.strip()


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# --- sections --------------------------------------------------------------------


def bench_text(work: Path, size: int, hunks: int, runs: int, env: dict) -> float:
    rng = random.Random(11)
    base_lines = markdown(rng, size)
    local_lines, other_lines = edit_sides(rng, base_lines, hunks)
    base, local, other = (b"".join(x) for x in (base_lines, local_lines, other_lines))
    table: dict[bytes, int] = {}
    ids = [[table.setdefault(line, len(table)) for line in x] for x in (base_lines, local_lines, other_lines)]
    print(f"text:    {len(base):,} bytes, {len(base_lines):,} lines; changed hunks (diff from base): "
          f"local {len(diff(ids[0], ids[1])):,}, upstream {len(diff(ids[0], ids[2])):,}")
    for name, data in (("base", base), ("local", local), ("other", other)):
        (work / name).write_bytes(data)
    for name in ("empty1", "empty2", "empty3"):
        (work / name).write_bytes(b"")
    git_cmd = ["git", "merge-file", "-p", "--diff3", "-L", "local", "-L", "base", "-L", "upstream"]

    def ours() -> tuple[bytes, int]:
        merged = merge_bytes(base, local, other)
        return (merged.result() if merged.clean else render_markers(merged, LABELS)), len(merged.conflicts)

    def git() -> tuple[bytes, int]:
        proc = subprocess.run(git_cmd + ["local", "base", "other"], cwd=work, env=env, capture_output=True)
        return proc.stdout, proc.returncode

    def git_start() -> None:
        subprocess.run(git_cmd + ["empty1", "empty2", "empty3"], cwd=work, env=env, capture_output=True)

    ours(), git()  # warm-up
    med, res = rounds({"ours": ours, "git": git, "git_start": git_start}, runs)
    (out_ours, n_ours), (out_git, n_git) = res["ours"], res["git"]
    same = out_ours == out_git and n_ours == n_git
    print(f"core.merge.merge_bytes (+ markers)        {ms(med['ours'])}   conflicts: {n_ours}")
    print(f"git merge-file -p --diff3 (a process)     {ms(med['git'])}   conflicts: {n_git}"
          f"   (its start-up alone, on empty files: {ms(med['git_start']).strip()})")
    print(f"ratio: git / ours = {med['git'] / med['ours']:.2f}x   "
          f"(git without its start-up / ours = {(med['git'] - med['git_start']) / med['ours']:.2f}x)")
    print(f"same bytes as git: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit("the merged text differs from git merge-file's output")
    return med["ours"]


def bench_tree(work: Path, files: int, runs: int, env: dict) -> float:
    rng = random.Random(5)
    base = skill_tree(rng, files)
    local, other = change_trees(rng, base)
    store = ObjectStore(work / "store")
    t0 = time.perf_counter()
    hashes = [store_tree(store, t) for t in (base, local, other)]
    stored_s = time.perf_counter() - t0
    size = sum(len(d) for _, d in base.values())
    print(f"\ntree:    {len(base)} files, {size / 1e6:.1f} MB; local changed "
          f"{sum(1 for p in base.keys() | local.keys() if base.get(p) != local.get(p))}, upstream changed "
          f"{sum(1 for p in base.keys() | other.keys() if base.get(p) != other.get(p))} "
          f"(stored in an object store in {stored_s:.1f} s)")

    repo = work / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    c_base = git_commit_tree(repo, base, None, env)
    c_local = git_commit_tree(repo, local, c_base, env)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "-b", "upstream", c_base], check=True, env=env)
    c_other = git_commit_tree(repo, other, c_base, env)

    reads: list[str] = []

    def counting_read(digest: str) -> bytes:
        reads.append(digest)
        return store.read_bytes(digest)

    def ours():
        reads.clear()
        trees = [store.get_manifest(h) for h in hashes]
        return merge_trees(trees[0], trees[1], trees[2], counting_read)

    def naive():
        # no digests: read every file of the three versions and merge each path's bytes
        trees = [{e.path: e for e in store.get_manifest(h).entries} for h in hashes]
        out = {}
        for path in sorted(trees[0].keys() | trees[1].keys() | trees[2].keys()):
            data = [store.read_bytes(t[path].digest) if path in t else None for t in trees]
            if data[1] is not None and data[2] is not None:
                out[path] = merge_bytes(data[0] or b"", data[1], data[2])
        return out

    def git():
        return subprocess.run(["git", "-C", str(repo), "merge-tree", "--write-tree", c_local, c_other],
                              env=env, capture_output=True, text=True)

    ours(), naive(), git()  # warm-up
    med, res = rounds({"ours": ours, "naive": naive, "git": git}, runs)
    result, proc = res["ours"], res["git"]
    ours_tree = {e.path: (e.kind, git_blob_id(result.blobs.get(e.digest) or store.read_bytes(e.digest)))
                 for e in result.entries}
    listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "-z", proc.stdout.split()[0]],
                             env=env, capture_output=True, check=True).stdout
    git_tree = {}
    for item in filter(None, listing.split(b"\0")):
        meta, path = item.split(b"\t", 1)
        mode, _, oid = meta.decode().split()
        git_tree[path] = ("x" if mode == "100755" else "l" if mode == "120000" else "f", oid)
    same = result.clean and proc.returncode == 0 and ours_tree == git_tree
    print(f"core.merge.merge_trees (3 manifests + merge) {ms(med['ours'])}   "
          f"files read: {len(reads)} of {sum(len(t) for t in (base, local, other))}, "
          f"merged: {len(result.merged)}, conflicts: {len(result.conflicts)}")
    print(f"git merge-tree --write-tree (a process)    {ms(med['git'])}")
    print(f"naive (read all three versions' files)     {ms(med['naive'])}")
    print(f"ratio: git / ours = {med['git'] / med['ours']:.2f}x   naive / ours = {med['naive'] / med['ours']:.2f}x")
    print(f"same tree as git merge-tree: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit("the merged tree differs from git merge-tree's")
    return med["ours"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small data, for a smoke test")
    ap.add_argument("--runs", type=int, default=5, help="rounds per contender (median; at least 3)")
    ap.add_argument("--text-kb", type=int, default=None, help="size of the text file in kB (default 1,000)")
    ap.add_argument("--hunks", type=int, default=None, help="changed hunks on each side (default 1,000)")
    ap.add_argument("--files", type=int, default=None, help="files in the skill (default 500)")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = ap.parse_args(argv)
    size = (args.text_kb or (60 if args.quick else 1000)) * 1000
    hunks = args.hunks or (60 if args.quick else 1000)
    files = args.files or (40 if args.quick else 500)
    runs = max(3, args.runs)
    if shutil.which("git") is None:
        raise SystemExit("git is not installed: it is the baseline of this benchmark")
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-merge-"))
    work.mkdir(parents=True, exist_ok=True)
    env = git_env(work)
    try:
        print("== Merge benchmark (three-way merge engine vs git) ==")
        print(f"machine: {machine_line(git_version)}")
        print(f"runs:    {runs} per contender (median; contenders take turns); at start: {load_line()}")
        t_text = bench_text(work, size, hunks, runs, env)
        t_tree = bench_tree(work, files, runs, env)
        print(f"\nat end: {load_line()}")
        print("\n-- targets --")
        print(f"{verdict(t_text, TARGET_TEXT)}  text file with {hunks:,} hunks per side merges in < {TARGET_TEXT} s: "
              f"{t_text:.3f} s")
        print(f"{verdict(t_tree, TARGET_TREE)}  {files}-file skill, a few files changed per side, merges in "
              f"< {TARGET_TREE} s: {t_tree:.3f} s")
        if args.quick:
            print("(--quick: small data, a smoke run; the targets are for 1 MB / 1,000 hunks and 500 files)")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"data kept in {work}")


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Writing a commit's files: the project's blob writer against git's own checkout (issue 7 §4).

    .venv/bin/python bench/bench_git_checkout.py [--quick] [--files N] [--runs R]

Both sides start from the same bare repository (one commit of N files of ~2 KB in
100 folders, one link, one script) and write the whole commit into a fresh folder:

  project   `git ls-tree -r -z` + `git cat-file --batch` + core.upstreams.git_tree.write_tree
            (what core.upstreams.git does since issue 7: exact blobs, no attributes, no filters)
  baseline  `git read-tree` + `git checkout-index --all` with a private index
            (named: "git checkout-index", what the project did before)

Neither side fsyncs (sync_tree is the same for both). Prints the machine, the medians
and project/baseline; never asserts.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import load_line, machine_line, median_time  # noqa: E402
from core.upstreams import git_tree  # noqa: E402

GIT = ["git", "-c", "core.autocrlf=false", "-c", "core.symlinks=true"]


def make_repo(work: Path, files: int) -> tuple[Path, str]:
    src = work / "src"
    for i in range(files):
        folder = src / "skills" / f"s{i % 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:05d}.md").write_text(f"line of file {i}\n" * 120)
    (src / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (src / "run.sh").chmod(0o755)
    os.symlink("run.sh", src / "link")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run([*GIT, "-C", str(src), *args], check=True, env=env, capture_output=True)
    bare = work / "repo.git"
    subprocess.run([*GIT, "clone", "-q", "--bare", str(src), str(bare)], check=True, capture_output=True)
    commit = subprocess.run([*GIT, "--git-dir", str(bare), "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    return bare, commit


def project(bare: Path, commit: str, dest: Path) -> None:
    listed = subprocess.run([*GIT, "--git-dir", str(bare), "ls-tree", "-r", "-z", commit], check=True,
                            capture_output=True).stdout
    entries = git_tree.parse_ls_tree(listed, "bench")
    with tempfile.TemporaryFile() as wanted:
        wanted.write(b"".join(e.oid.encode() + b"\n" for e in git_tree.wanted_blobs(entries)))
        wanted.seek(0)
        proc = subprocess.Popen([*GIT, "--git-dir", str(bare), "cat-file", "--batch"], stdin=wanted,
                                stdout=subprocess.PIPE)
        assert proc.stdout is not None
        git_tree.write_tree(entries, proc.stdout, dest, "bench", lambda: None)
        proc.stdout.close()
        if proc.wait() != 0:
            raise SystemExit("git cat-file failed")


def baseline(bare: Path, commit: str, dest: Path) -> None:
    env = {**os.environ, "GIT_INDEX_FILE": str(dest.parent / f"{dest.name}.index")}
    for args in (["read-tree", commit], ["checkout-index", "--all", "--force"]):
        subprocess.run([*GIT, "--git-dir", str(bare), "--work-tree", str(dest), *args], cwd=dest, env=env,
                       check=True, capture_output=True)
    os.unlink(env["GIT_INDEX_FILE"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 files, one run each")
    parser.add_argument("--files", type=int, default=None, help="files in the commit (default 5,000)")
    parser.add_argument("--runs", type=int, default=None, help="runs per side (default 5)")
    args = parser.parse_args()
    files = args.files or (200 if args.quick else 5_000)
    runs = args.runs or (1 if args.quick else 5)
    work = Path(tempfile.mkdtemp(prefix="bench-git-checkout-"))
    try:
        bare, commit = make_repo(work, files)
        print(f"machine: {machine_line()}")
        print(f"{load_line()}; git: {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}")
        print(f"commit: {files} files of ~2 KB in 100 folders + a link + a script; {runs} run(s) per side, median")
        def run(fn) -> float:
            """Median of `runs` writes into fresh folders (their removal is not timed)."""
            times = []
            for i in range(runs):
                dest = work / f"out-{fn.__name__}-{i}"
                dest.mkdir()
                seconds, _ = median_time(lambda: fn(bare, commit, dest), 1)
                times.append(seconds)
                shutil.rmtree(dest)
            return statistics.median(times)

        # Alternating would be fairer under load; one side after the other keeps the caches alike.
        base_s = run(baseline)
        proj_s = run(project)
        check = work / "check-project"
        check.mkdir()
        project(bare, commit, check)
        ref = work / "check-baseline"
        ref.mkdir()
        baseline(bare, commit, ref)
        same = subprocess.run(["diff", "-r", "--no-dereference", str(check), str(ref)], capture_output=True)
        print(f"baseline git checkout-index : {base_s * 1000:8.1f} ms")
        print(f"project ls-tree + cat-file  : {proj_s * 1000:8.1f} ms")
        print(f"ratio project / baseline    : {proj_s / base_s:8.2f}")
        print(f"same files as the baseline  : {'yes' if same.returncode == 0 else 'NO'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

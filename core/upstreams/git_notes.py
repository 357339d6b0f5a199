"""Commit notes: the last commit that changed each artifact's path, with its subject and date.

A version synced from git says which commit last touched the artifact (`git log -1 -- PATH`),
not the repository head's, which may be about another artifact entirely. For many
artifacts of one repository, one `git log --name-only` walk answers them all: each path
gets the newest commit whose changed files are that path or lie below it. The walk is
git's own history simplification over all the paths at once, the same first-parent
choice `git log -1 -- PATH` makes for one. core.upstreams.git runs the repository;
this module asks it one question.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from core.upstreams.git import GitCheckout, fetch_checkout, run_git
from core.upstreams.spec import FetchedUpstream, UpstreamSpec

__all__ = ["CommitNote", "path_notes", "fetch_noted"]

_MARK = "\x01"  # starts each commit's record in the walk's output (a path never starts with it in practice)


@dataclass(frozen=True)
class CommitNote:
    """The commit that last changed a path: id, committer date (ISO 8601) and subject line."""

    commit: str
    date: str
    subject: str

    def metadata(self) -> dict[str, Any]:
        return {"path_commit": self.commit, "commit_date": self.date, "commit_subject": self.subject[:200] or None}


def fetch_noted(spec: UpstreamSpec, cache_dir: Path) -> FetchedUpstream:
    """fetch_git with the note of the last commit that changed the sub-folder in its metadata."""
    checkout, fetched = fetch_checkout(spec, cache_dir)
    sub = fetched.metadata.get("subdir")
    note = path_notes(checkout, [sub]).get(sub)
    return dataclasses.replace(fetched, metadata=fetched.metadata | note.metadata()) if note else fetched


def path_notes(checkout: GitCheckout, subdirs: Iterable[str | None]) -> dict[str | None, CommitNote]:
    """The note for each sub-folder (None: the whole repository, i.e. the commit itself).

    One git process for all of them; a path git cannot tell about (or a git failure)
    is simply absent, the note being a help, never a reason for a sync to fail.
    """
    wanted = {(s or "").strip("/") or None for s in subdirs}
    notes: dict[str | None, CommitNote] = {}
    paths = sorted(p for p in wanted if p is not None)
    if None in wanted:
        r = run_git(["--git-dir", str(checkout.repo), "log", "-1", "--no-show-signature",
                     f"--format={_MARK}%H%x00%cI%x00%s", "-z", checkout.commit, "--"], what="reading a commit note")
        if r.returncode == 0:
            for note, _files in _records(r.stdout):
                notes[None] = note
    if not paths:
        return notes
    args = ["--git-dir", str(checkout.repo), "-c", "core.quotePath=false", "log", "--no-show-signature",
            "--no-renames", f"--format={_MARK}%H%x00%cI%x00%s", "--name-only", "-z", checkout.commit, "--"]
    r = run_git([*args, *[f":(literal){p}" for p in paths]], what="reading the commits that changed each artifact")
    if r.returncode != 0:
        return notes
    left = set(paths)
    for note, files in _records(r.stdout):
        for name in files:
            for prefix in _prefixes(name):
                if prefix in left:
                    left.discard(prefix)
                    notes[prefix] = note
        if not left:
            break
    return notes


def _prefixes(name: str) -> Iterable[str]:
    """`a/b/c` → `a`, `a/b`, `a/b/c`."""
    parts = name.split("/")
    for i in range(1, len(parts) + 1):
        yield "/".join(parts[:i])


def _records(out: bytes) -> Iterable[tuple[CommitNote, list[str]]]:
    """(note, changed files) per commit, newest first, from `--format=<MARK>%H%x00%cI%x00%s --name-only -z`."""
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    note: CommitNote | None = None
    files: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        if token.startswith(_MARK):
            if note is not None:
                yield note, files
            date = tokens[i + 1] if i + 1 < len(tokens) else ""
            subject = tokens[i + 2] if i + 2 < len(tokens) else ""
            note, files = CommitNote(token[len(_MARK):], date, subject.strip()), []
            i += 3
            continue
        if token:
            files.append(token)
        i += 1
    if note is not None:
        yield note, files

"""One fetch per repository per run: `status`, `sync` and the window's checks share a Fetcher.

Artifacts of one git repository at one ref (most of a marketplace) need one `git fetch`,
one ref lookup and one tree written, not one of each per artifact: the Fetcher keeps
each (repository, ref) checkout it made — or the error it met, said again for every
artifact of that repository without asking git a second time — and hands each artifact
its sub-folder of it. Commit notes (core.upstreams.git_notes) are read only when a
version is about to be recorded, for every artifact of that repository the run asked
about at once, in one `git log` walk. Folder upstreams are read in place as before.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from core.errors import UpstreamError
from core.upstreams.spec import FetchedUpstream, UpstreamSpec

if TYPE_CHECKING:
    from core.upstreams.git import GitCheckout
    from core.upstreams.git_notes import CommitNote

__all__ = ["Fetcher"]

_Key = tuple[str, "str | None"]


class Fetcher:
    """`fetch(spec)` for the artifacts of one run; `note(spec)` the commit note of a git one.

    `specs` (optional) are the upstreams the run will ask about: their commit notes are
    read together the first time one of their repository's notes is wanted.
    """

    def __init__(self, git_cache_dir: Path, specs: Iterable[UpstreamSpec] = ()) -> None:
        self._cache_dir = Path(git_cache_dir)
        self._checkouts: dict[_Key, "GitCheckout | UpstreamError"] = {}
        self._wanted: dict[_Key, set[str | None]] = {}
        self._notes: dict[_Key, dict[str | None, "CommitNote"]] = {}
        self._asked: dict[_Key, set[str | None]] = {}  # paths whose notes were read (found or not)
        for spec in specs:
            if spec.kind == "git":
                self._wanted.setdefault(self._key(spec), set()).add(_clean(spec.subdir))

    @staticmethod
    def _key(spec: UpstreamSpec) -> _Key:
        from core.upstreams.git import repository_identity

        return repository_identity(spec.location), spec.ref

    def fetch(self, spec: UpstreamSpec) -> FetchedUpstream:
        """The upstream's content on disk now; UpstreamError (the same one for every artifact of a repository)."""
        if spec.kind != "git":
            from core.upstreams import sources  # looked up at call time (tests stand in a slow upstream there)

            return sources.fetch(spec, self._cache_dir)
        from core.upstreams.git import checkout_git, within

        key = self._key(spec)
        self._wanted.setdefault(key, set()).add(_clean(spec.subdir))
        checkout = self._checkouts.get(key)
        if checkout is not None and not isinstance(checkout, UpstreamError) and not checkout.tree.is_dir():
            checkout = None  # pruned by this run's checkout of another ref (more than KEEP_TREES): written again
        if checkout is None:
            try:
                checkout = checkout_git(spec.location, spec.ref, self._cache_dir)
            except UpstreamError as exc:
                checkout = exc
            self._checkouts[key] = checkout
        if isinstance(checkout, UpstreamError):
            raise UpstreamError(str(checkout))
        return within(checkout, spec.subdir)

    def note(self, spec: UpstreamSpec) -> dict[str, Any]:
        """The commit note of a git upstream fetched in this run, as version metadata ({} when none)."""
        if spec.kind != "git":
            return {}
        key = self._key(spec)
        checkout = self._checkouts.get(key)
        if checkout is None or isinstance(checkout, UpstreamError):
            return {}
        sub = _clean(spec.subdir)
        asked = self._asked.setdefault(key, set())
        if sub not in asked:
            from core.upstreams.git_notes import path_notes

            wanted = (self._wanted.get(key, set()) - asked) | {sub}
            self._notes.setdefault(key, {}).update(path_notes(checkout, wanted))
            asked.update(wanted)
        found = self._notes.get(key, {}).get(sub)
        return found.metadata() if found is not None else {}

    def with_note(self, spec: UpstreamSpec, fetched: FetchedUpstream) -> FetchedUpstream:
        """`fetched` with its commit note in its metadata (for a caller that records it)."""
        note = self.note(spec)
        return dataclasses.replace(fetched, metadata=fetched.metadata | note) if note else fetched


def _clean(subdir: str | None) -> str | None:
    return (subdir or "").strip("/") or None

"""Matching a query (core.ancestry.query) against an artifact's versions.

`SearchIndex(versions, objects)` prepares, once per history, what each keystroke compares
(lowercased subject and notes, hashes, numbers, origins, lines, times), so re-filtering
10,000 versions is a few set operations: the versions of each origin and line are sets
made up front, `since:`/`until:` cut a list sorted by time (bisect), and each word's
matches are worked out once and kept (a word being typed narrows the answer of the word
it extends, so typing `form` looks only at what `for` matched). It is built where the
history is read (the window's loader worker) and read from any thread. `file:` and `text:` read manifests and
contents from the object store; their answers are kept per term (and per file digest),
so they cost once per history, and `match(query, content=False)` tells the window whether
it may answer at once or must ask a worker. Reads only.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable

from core.ancestry.query import Query
from core.history import VersionInfo, ordinal_by_id
from core.store import ObjectStore

__all__ = ["NOTE_KEYS", "SearchIndex", "version_notes_text"]

WORDS_KEPT = 256  # bare words whose answers an index keeps (the oldest is dropped past it)

# The metadata a bare word is looked for in, besides the commit subject and the hash.
NOTE_KEYS = ("commit_subject", "ref", "resolved_commit", "pushed_from", "decision", "note", "notes",
             "message", "user", "machine", "strategy")


def version_notes_text(meta: dict[str, Any]) -> str:
    """The words of a version's metadata a search looks in, lowercased."""
    parts = []
    for key in NOTE_KEYS:
        value = meta.get(key)
        if isinstance(value, (str, int)) and value != "":
            parts.append(str(value))
    return "\n".join(parts).lower()


@dataclass(frozen=True)
class _Row:
    id: int
    number: str  # "v12"
    content_hash: str
    first_parent: int | None
    origin: str
    line: str  # lowercased
    created_at: Any
    notes: str


class SearchIndex:
    """One artifact's versions, ready to be searched again and again (see the module doc)."""

    def __init__(self, versions: Iterable[VersionInfo], objects: ObjectStore | None = None) -> None:
        versions = sorted(versions, key=lambda v: v.id, reverse=True)  # newest first
        numbers = ordinal_by_id(versions)
        self.objects = objects
        self.rows = [
            _Row(v.id, f"v{numbers[v.id]}", v.content_hash, v.parent_id, v.change_origin, v.line.lower(),
                 v.created_at, version_notes_text(v.metadata))
            for v in versions
        ]
        self._by_id = {r.id: r for r in self.rows}
        self._ids = [r.id for r in self.rows]  # newest first: the order answers are given in
        self._origin: dict[str, set[int]] = {}
        self._line: dict[str, set[int]] = {}
        self._number: dict[str, int] = {}
        for r in self.rows:
            self._origin.setdefault(r.origin, set()).add(r.id)
            self._line.setdefault(r.line, set()).add(r.id)
            self._number[r.number] = r.id
        by_time = sorted(((r.created_at, r.id) for r in self.rows), key=lambda t: t[0])
        self._times = [t for t, _ in by_time]
        self._time_ids = [i for _, i in by_time]
        self._words: OrderedDict[str, frozenset[int]] = OrderedDict()  # word -> ids, newest words last
        self._lock = threading.Lock()  # the content caches are filled by a worker, read by the window
        self._term_hits: dict[tuple[str, str], frozenset[int]] = {}
        self._manifests: dict[str, dict[bytes, tuple[str, str]]] = {}
        self._holds: dict[tuple[str, str], bool] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def ready(self, query: Query) -> bool:
        """Whether `match(query, content=False)` can answer (no uncached file:/text: term)."""
        with self._lock:
            return all((("file", f) in self._term_hits) for f in query.files) and \
                all((("text", t) in self._term_hits) for t in query.texts)

    def match(self, query: Query, *, content: bool = True) -> list[int] | None:
        """Ids of the versions matching `query`, newest first. With `content=False`, None when
        a file: or text: term would have to read the object store first."""
        if not content and not self.ready(query):
            return None
        allowed: frozenset[int] | None = None
        for kind, terms in (("file", query.files), ("text", query.texts)):
            for term in terms:
                hits = self._content_hits(kind, term)
                allowed = hits if allowed is None else allowed & hits
        keep: set[int] | frozenset[int] | None = allowed
        if query.origins:
            keep = _narrow(keep, set().union(*(self._origin.get(o, ()) for o in query.origins)))
        if query.lines:
            keep = _narrow(keep, set().union(*(self._line.get(x, ()) for x in query.lines)))
        if query.since is not None or query.until is not None:
            low = bisect_left(self._times, query.since) if query.since is not None else 0
            high = bisect_left(self._times, query.until) if query.until is not None else len(self._times)
            keep = _narrow(keep, self._time_ids[low:high])
        for word in query.words:
            keep = _narrow(keep, self._word_hits(word))
        if keep is None:
            return list(self._ids)
        return [i for i in self._ids if i in keep]

    def _word_hits(self, word: str) -> frozenset[int]:
        """Versions a bare word matches (hash prefix, `vN`, or in the notes); kept per word."""
        with self._lock:
            hits = self._words.get(word)
            if hits is not None:
                self._words.move_to_end(word)
                return hits
            # A word extends one typed before it: what it matches is among what that matched.
            base = next((self._words[word[:k]] for k in range(len(word) - 1, 0, -1) if word[:k] in self._words), None)
        rows = self.rows if base is None else [self._by_id[i] for i in base]
        found = {r.id for r in rows if word in r.notes or r.content_hash.startswith(word)}
        number = self._number.get(word)
        if number is not None:
            found.add(number)
        hits = frozenset(found)
        with self._lock:
            self._words[word] = hits
            while len(self._words) > WORDS_KEPT:
                self._words.popitem(last=False)
        return hits

    # ---- file: and text: ------------------------------------------------------------

    def _content_hits(self, kind: str, term: str) -> frozenset[int]:
        key = (kind, term)
        with self._lock:
            hits = self._term_hits.get(key)
        if hits is None:
            if self.objects is None:
                hits = frozenset()
            elif kind == "file":
                hits = frozenset(r.id for r in self.rows if self._changed(r, term))
            else:
                needle = term.encode("utf-8")
                hits = frozenset(r.id for r in self.rows if self._holds_text(r.content_hash, needle))
            with self._lock:
                self._term_hits[key] = hits
        return hits

    def _manifest(self, content_hash: str) -> dict[bytes, tuple[str, str]]:
        files = self._manifests.get(content_hash)
        if files is None:
            try:
                entries = self.objects.get_manifest(content_hash).entries
            except Exception:  # a missing or damaged manifest matches nothing; fsck names it
                entries = ()
            files = {e.path: (e.kind, e.digest) for e in entries}
            self._manifests[content_hash] = files
        return files

    def _changed(self, r: _Row, path: str) -> bool:
        """Whether version `r` changed the file `path` (or a file under that folder) from its first parent."""
        want = path.encode("utf-8", "surrogateescape")
        under = want + b"/"
        mine = self._manifest(r.content_hash)
        parent = self._by_id.get(r.first_parent) if r.first_parent is not None else None
        theirs = self._manifest(parent.content_hash) if parent is not None else {}
        for files_a, files_b in ((mine, theirs), (theirs, mine)):
            for p, entry in files_a.items():
                if (p == want or p.startswith(under)) and files_b.get(p) != entry:
                    return True
        return False

    def _holds_text(self, content_hash: str, needle: bytes) -> bool:
        for kind, digest in self._manifest(content_hash).values():
            if kind == "l":
                continue
            key = (digest, needle.decode("utf-8", "surrogateescape"))
            found = self._holds.get(key)
            if found is None:
                try:
                    found = needle in self.objects.read_bytes(digest).lower()
                except Exception:  # unreadable content holds nothing we can show; fsck names it
                    found = False
                self._holds[key] = found
            if found:
                return True
        return False


def _narrow(keep: "set[int] | frozenset[int] | None", ids: Iterable[int]) -> "set[int] | frozenset[int]":
    """`keep` (None: every version) and `ids` both."""
    if keep is None:
        return ids if isinstance(ids, (set, frozenset)) else set(ids)
    return keep.intersection(ids)

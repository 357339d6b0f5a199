"""The object store every command uses: the local store, and with a team the shared store
behind it, the local one then being its read-through, write-through cache.

- Writes go to the local store first (a tree is read once from disk), then every object
  of the tree the shared store lacks and the manifest go up in one transaction: a
  manifest in the shared store means its whole tree is there. Callers record a version
  only after its tree is stored, so no member sees a version whose bytes are nowhere.
- Reads look in the local store; what is missing there is fetched from the shared store
  once (one query for a whole tree), verified, and kept. Listing history never reads.
- A file larger than `max_file_bytes` is refused, with one sentence, before anything of
  its tree is stored when the bytes would go into a shared store.
Without a shared store (SQLite, one person) this is the local store and nothing more.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from core.content import TreeHash
from core.errors import CorruptObjectError, MissingObjectError, ObjectStoreError
from core.store.local import MANIFEST, OBJECT, LocalStore
from core.store.materialize import materialize
from core.store.shared import CODEC_ZLIB, SharedStore, StoredStream
from core.store.trees import store_tree
from core.store.verified_reader import VerifiedReader

__all__ = ["DEFAULT_MAX_FILE_BYTES", "ObjectStore", "Upload"]

DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """What `ObjectStore.upload` did: trees sent up, objects among them, and the content
    hashes asked for that this data folder does not hold either."""

    trees: int
    objects: int
    not_here: tuple[str, ...]


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class ObjectStore:
    """File contents and manifests by hash; see the module docstring and docs/objects.md."""

    def __init__(self, root: str | os.PathLike[str], shared: SharedStore | None = None,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.cache = LocalStore(root)
        self.shared = shared
        self.max_file_bytes = max_file_bytes

    # ---- where things are (the local store) ----------------------------------

    @property
    def root(self) -> Path:
        return self.cache.root

    @property
    def objects_dir(self) -> Path:
        return self.cache.objects_dir

    @property
    def manifests_dir(self) -> Path:
        return self.cache.manifests_dir

    def object_path(self, digest: str) -> Path:
        return self.cache.object_path(digest)

    def manifest_path(self, content_hash: str) -> Path:
        return self.cache.manifest_path(content_hash)

    # ---- fetching into the cache -----------------------------------------------

    def _fetch(self, kind: str, names: Iterable[str]) -> None:
        """Bring those of `names` the local store lacks from the shared store, verified."""
        if self.shared is None:
            return
        wanted = [n for n in set(names) if not self.cache.path_of(kind, n).exists()]
        if not wanted:
            return
        for stream in self.shared.get(kind, wanted):
            if stream.codec != CODEC_ZLIB:
                raise ObjectStoreError(
                    f"The {kind} {stream.name} in {self.shared.where} is compressed with {stream.codec!r}, which this "
                    "version of Artifact Lineage cannot read; upgrade it."
                )
            try:
                self.cache.put_raw(kind, stream.name, stream.data)
            except CorruptObjectError as exc:
                raise CorruptObjectError(
                    f"The {kind} {stream.name} in the shared store {self.shared.where} is damaged ({exc.reason}); "
                    "the member who recorded it can store it again with `main.py fsck --repair`.",
                    exc.reason,
                ) from None

    def prefetch(self, digests: Iterable[str | None] = (), *, manifests: Iterable[str | None] = ()) -> None:
        """Bring these objects (and manifests) into the local store, one query per kind for
        those it lacks, before they are read one by one (a diff's two trees, its changed files)."""
        self._fetch(MANIFEST, (m for m in manifests if m))
        self._fetch(OBJECT, (d for d in digests if d))

    def fetch_tree(self, content_hash: str) -> TreeHash:
        """The manifest of `content_hash`, with every object it names in the local store
        (fetched in one query when some are only in the shared store)."""
        tree = self.get_manifest(content_hash)
        self._fetch(OBJECT, (e.digest for e in tree.entries))
        return tree

    def _missing(self, what: str, name: str) -> MissingObjectError:
        return MissingObjectError(
            f"The {what} {name} is neither in this data folder ({self.root}) nor in the shared store "
            f"{self.shared.where if self.shared else ''}, so this version can be listed but not compared or restored; "
            "`main.py fsck` says which machine recorded it: its next sync (or `main.py fsck --repair` there) uploads it."
        )

    # ---- reading ---------------------------------------------------------------

    def has(self, digest: str) -> bool:
        """Whether the object is stored here or in the shared store (not verified)."""
        if self.cache.has(digest):
            return True
        return self.shared is not None and self.shared.has(OBJECT, digest)

    def has_manifest(self, content_hash: str) -> bool:
        if self.cache.has_manifest(content_hash):
            return True
        return self.shared is not None and self.shared.has(MANIFEST, content_hash)

    def answers_here(self, *content_hashes: str) -> bool:
        """Whether reading these manifests, or learning that they are missing, needs no round
        trip to the shared store: there is none, or this data folder holds them all. What the
        window may ask on its own thread."""
        return self.shared is None or all(self.cache.has_manifest(h) for h in content_hashes)

    def lacks_any(self, tree: TreeHash) -> bool:
        """Whether the manifest of `tree` or any object it names is missing here (not verified).

        The shared store is not asked: every sync starts by uploading every version's tree
        the shared store lacks and this data folder holds (ObjectStore.upload), so asking
        again per artifact would cost a query each for nothing."""
        return self.cache.lacks_any(tree)

    def open_verified(self, digest: str) -> VerifiedReader:
        self._fetch(OBJECT, (digest,))
        if self.shared is not None and not self.cache.has(digest):
            raise self._missing("object", digest)
        return self.cache.open_verified(digest)

    def read_bytes(self, digest: str) -> bytes:
        self._fetch(OBJECT, (digest,))
        if self.shared is not None and not self.cache.has(digest):
            raise self._missing("object", digest)
        return self.cache.read_bytes(digest)

    def copy_to(self, digest: str, dest: str | os.PathLike[str] | bytes, mode: int = 0o644) -> None:
        self._fetch(OBJECT, (digest,))
        if self.shared is not None and not self.cache.has(digest):
            raise self._missing("object", digest)
        self.cache.copy_to(digest, dest, mode)

    def get_manifest(self, content_hash: str) -> TreeHash:
        self._fetch(MANIFEST, (content_hash,))
        if self.shared is not None and not self.cache.has_manifest(content_hash):
            raise self._missing("manifest", content_hash)
        return self.cache.get_manifest(content_hash)

    def verify(self, digest: str) -> str | None:
        """None when the object is sound here (fetched first if only the shared store has it)."""
        self._fetch(OBJECT, (digest,))
        return self.cache.verify(digest)

    def verify_manifest(self, content_hash: str) -> str | None:
        self._fetch(MANIFEST, (content_hash,))
        return self.cache.verify_manifest(content_hash)

    def materialize(self, content_hash: str, dest: str | os.PathLike[str], *, single_file: bool = False) -> None:
        """Rebuild the stored tree `content_hash` at `dest`; see core.store.materialize.materialize."""
        self.fetch_tree(content_hash)
        materialize(self.cache, content_hash, dest, single_file=single_file)

    # ---- writing ---------------------------------------------------------------

    def check_size(self, size: int, shown: str) -> None:
        """Refuse a file too large for the shared store (none: no limit)."""
        if self.shared is not None and size > self.max_file_bytes:
            raise ObjectStoreError(
                f"{shown} is {_mb(size)}, larger than the {_mb(self.max_file_bytes)} a file may be in the shared store "
                f"{self.shared.where}; remove it from the artifact, or raise ARTIFACT_LINEAGE_MAX_FILE_MB."
            )

    def put_bytes(self, data: bytes, *, repair: bool = False) -> str:
        """Store `data` here (uploaded with the manifest that names it); returns its digest."""
        self.check_size(len(data), "A file")
        return self.cache.put_bytes(data, repair=repair)

    def put_file(self, path: str | os.PathLike[str], digest: str | None = None, *, repair: bool = False) -> str:
        """Store a regular file's bytes here (uploaded with the manifest that names it)."""
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0  # the local store reports why it cannot read it
        self.check_size(size, os.fsdecode(path))
        return self.cache.put_file(path, digest, repair=repair)

    def put_manifest(self, tree: TreeHash, *, repair: bool = False) -> bool:
        """Store the manifest of `tree` here, then send the tree up (objects first)."""
        repaired = self.cache.put_manifest(tree, repair=repair)
        self.upload_tree(tree)
        return repaired

    def store_tree(self, root: str | os.PathLike[str], tree: TreeHash, *, verify: bool = False) -> tuple[str, ...]:
        """Store a tree from disk here (core.store.trees.store_tree), then send it up."""
        single = not os.path.isdir(root)
        for entry in tree.entries:
            self.check_size(entry.size, os.fsdecode(root) if single else f"{os.fsdecode(root)}/{entry.display_path}")
        repaired = store_tree(self.cache, root, tree, verify=verify)
        self.upload_tree(tree)
        return repaired

    def upload_tree(self, tree: TreeHash) -> int:
        """Send the objects of `tree` the shared store lacks, then its manifest, in one
        transaction; returns how many objects went up. Raises MissingObjectError when this
        data folder lacks one of them too."""
        if self.shared is None or self.shared.has(MANIFEST, tree.content_hash):
            return 0
        need = self.shared.missing(OBJECT, (e.digest for e in tree.entries))
        streams = []
        for name in sorted(need):
            raw, size = self.cache.read_raw(OBJECT, name)
            streams.append(StoredStream(OBJECT, name, size, CODEC_ZLIB, raw))
        raw, size = self.cache.read_raw(MANIFEST, tree.content_hash)
        streams.append(StoredStream(MANIFEST, tree.content_hash, size, CODEC_ZLIB, raw))
        self.shared.put(streams)
        return len(need)

    def upload(self, content_hashes: Iterable[str]) -> Upload:
        """Send up every tree of `content_hashes` the shared store lacks and this data folder
        holds (versions recorded before the shared store existed)."""
        if self.shared is None:
            return Upload(0, 0, ())
        trees = objects = 0
        not_here: list[str] = []
        for content_hash in sorted(self.shared.missing(MANIFEST, content_hashes)):
            if not self.cache.has_manifest(content_hash):
                not_here.append(content_hash)
                continue
            try:
                tree = self.cache.get_manifest(content_hash)
                objects += self.upload_tree(tree)
            except (MissingObjectError, CorruptObjectError):
                not_here.append(content_hash)  # fsck names the damage; the bytes are not whole here
                continue
            trees += 1
        return Upload(trees, objects, tuple(not_here))

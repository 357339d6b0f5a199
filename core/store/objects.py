"""Content-addressed object store for file contents and manifests.

Layout under `root` (see docs/objects.md):

    objects/ab/cdef…     zlib stream of a file's bytes (or a link's target bytes),
                         named by the sha256 of those bytes (content hash v1 digest)
    manifests/ab/cdef…   zlib stream of a versioned manifest (format: core.store.manifest_codec), named by its content hash

Every write goes to a temporary file in the destination directory, is fsynced,
then linked into place (never over an existing name) and the directory fsynced:
a crash leaves either nothing or a complete object. Objects are never rewritten,
and every read is verified against the name, so corruption is reported, never
returned.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable, Iterator

from core.errors import CorruptObjectError, MissingObjectError, ObjectStoreError
from core.fsio import O_NOFOLLOW, fsync_dir
from core.store.materialize import materialize
from core.content import check_link_target, check_name, content_hash_of, ManifestEntry, TreeHash
from core.store.manifest_codec import HEX64, ManifestFormatError, encode_manifest, parse_manifest
from core.store.verified_reader import CHUNK, VerifiedReader

__all__ = ["ObjectStore", "VerifiedReader"]

LEVEL = 1  # zlib level: speed first, artifacts are mostly small text
PROBE = 64 << 10  # bytes trial-compressed to spot data that will not shrink
_O_BINARY = getattr(os, "O_BINARY", 0)


def _check_digest(digest: str, what: str = "object") -> None:
    if not isinstance(digest, str) or not HEX64.match(digest):
        raise ObjectStoreError(f"{digest!r} is not a lowercase hex sha256, so it cannot name a stored {what}.")


def _level_for(first_chunk: bytes) -> int:
    """zlib level for a stream starting with `first_chunk`.

    Already-compressed or random bytes gain nothing from deflate, which runs at
    about a tenth of the speed of "stored" blocks (level 0) on them; the result is
    a valid zlib stream either way, so readers do not care.
    """
    probe = first_chunk[:PROBE]
    if len(probe) < 4096:
        return LEVEL
    return LEVEL if len(zlib.compress(probe, LEVEL)) < 0.9 * len(probe) else 0


def _ensure_shard(shard: Path) -> None:
    """Create a fan-out folder (objects/ab/) durably: a power cut must not drop the
    folder of an object that a recorded version already points at."""
    if shard.is_dir():
        return
    shard.mkdir(parents=True, exist_ok=True)
    fsync_dir(str(shard.parent))



class ObjectStore:
    """File contents and manifests stored by hash; see the module docstring and docs/objects.md."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.objects_dir = self.root / "objects"
        self.manifests_dir = self.root / "manifests"
        try:
            self.objects_dir.mkdir(parents=True, exist_ok=True)
            self.manifests_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not create the object store in {self.root}: {exc.strerror or exc}; check that the data folder is writable."
            ) from None

    # ---- paths -------------------------------------------------------------

    def object_path(self, digest: str) -> Path:
        """Where the object named `digest` lives (whether or not it is stored)."""
        _check_digest(digest)
        return self.objects_dir / digest[:2] / digest[2:]

    def manifest_path(self, content_hash: str) -> Path:
        """Where the manifest of `content_hash` lives (whether or not it is stored)."""
        _check_digest(content_hash, "manifest")
        return self.manifests_dir / content_hash[:2] / content_hash[2:]

    # ---- writing -----------------------------------------------------------

    def _publish(self, tmp: str, final: Path) -> None:
        """Move a complete, fsynced temp file to `final` without ever replacing an existing file."""
        try:
            os.chmod(tmp, 0o444)  # stored objects are immutable; make accidental edits fail
            try:
                os.link(tmp, final)
            except FileExistsError:
                pass  # someone stored the same bytes first: theirs is identical
            except OSError:
                # Filesystems without hard links: rename, unless it appeared meanwhile.
                if not final.exists():
                    os.replace(tmp, final)
            fsync_dir(str(final.parent))
        finally:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass

    def _write_stream(self, final: Path, chunks: Iterable[bytes], verify: Callable[[], None] | None = None) -> None:
        """Compress `chunks` into a temp file beside `final`, then publish it.

        `verify` runs after the last chunk and before publishing; it raises to abort.
        """
        _ensure_shard(final.parent)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                deflate = None
                for chunk in chunks:
                    if deflate is None:
                        deflate = zlib.compressobj(_level_for(chunk))
                    out.write(deflate.compress(chunk))
                out.write((deflate or zlib.compressobj(LEVEL)).flush())
                out.flush()
                os.fsync(out.fileno())
            if verify is not None:
                verify()
            self._publish(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def has(self, digest: str) -> bool:
        """Whether the object named `digest` is stored (not verified: see read_bytes)."""
        return self.object_path(digest).exists()

    def put_bytes(self, data: bytes) -> str:
        """Store `data`; returns its sha256 hex digest. A no-op when already stored."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.object_path(digest)
        if not final.exists():
            try:
                self._write_stream(final, iter((data,)))
            except OSError as exc:
                raise ObjectStoreError(
                    f"Could not store object {digest} in {final.parent}: {exc.strerror or exc}; check free space and permissions."
                ) from None
        return digest

    def put_file(self, path: str | os.PathLike[str], digest: str | None = None) -> str:
        """Store a regular file's bytes, streamed; returns the digest.

        With `digest` given and already stored, nothing is read (the manifest vouches
        for it). Otherwise the bytes are hashed while they are compressed, and a
        file whose bytes no longer match `digest` (changed under us) is refused with
        ObjectStoreError naming it; nothing is stored then.
        """
        if digest is not None:
            _check_digest(digest)
            if self.has(digest):
                return digest
        shown = os.fsdecode(path)
        try:
            fd = os.open(path, os.O_RDONLY | O_NOFOLLOW | _O_BINARY)
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not read {shown} to store it: {exc.strerror or exc}; check its permissions and sync again."
            ) from None
        with os.fdopen(fd, "rb") as src:
            if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
                raise ObjectStoreError(
                    f"{shown} is not a regular file, so its contents cannot be stored; "
                    "replace it with a regular file or remove it from the artifact."
                )
            if digest is None:
                # The name is only known after a full read; reading twice keeps one
                # simple write path (temp file beside its final name), and the second
                # read is verified against the first.
                sha = hashlib.sha256()
                for block in iter(lambda: src.read(CHUNK), b""):
                    sha.update(block)
                digest = sha.hexdigest()
                if self.has(digest):
                    return digest
                src.seek(0)
            sha = hashlib.sha256()

            def chunks() -> Iterator[bytes]:
                for block in iter(lambda: src.read(CHUNK), b""):
                    sha.update(block)
                    yield block

            def verify() -> None:
                if sha.hexdigest() != digest:
                    raise ObjectStoreError(
                        f"{shown} changed while it was being stored (expected sha256 {digest}, read {sha.hexdigest()}); sync again."
                    )

            try:
                self._write_stream(self.object_path(digest), chunks(), verify)
            except OSError as exc:
                raise ObjectStoreError(f"Could not store {shown}: {exc.strerror or exc}; check free space and permissions.") from None
            return digest

    # ---- reading -----------------------------------------------------------

    def open_verified(self, digest: str) -> VerifiedReader:
        """A streaming reader over the object's bytes, verified when it reaches the end."""
        return VerifiedReader(digest, str(self.object_path(digest)))

    def read_bytes(self, digest: str) -> bytes:
        """The object's bytes, verified against its name (CorruptObjectError / MissingObjectError)."""
        with self.open_verified(digest) as reader:
            try:
                return reader.read()
            except OSError as exc:
                raise ObjectStoreError(
                    f"Could not read object {digest} ({reader.path}): {exc.strerror or exc}; "
                    "check the disk holding the data folder."
                ) from None

    def copy_to(self, digest: str, dest: str | os.PathLike[str] | bytes, mode: int = 0o644) -> None:
        """Write the object's bytes to a new file `dest` with `mode`, streamed and verified.

        `dest` must not exist. On any error (including corruption) `dest` is removed.
        """
        with self.open_verified(digest) as reader:
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | _O_BINARY, 0o600)
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in reader:
                        out.write(chunk)
                # Exact mode, whatever the umask: the exec bit is part of the content hash.
                os.chmod(dest, mode)
            except BaseException:
                try:
                    os.unlink(dest)
                except FileNotFoundError:
                    pass
                raise

    # ---- manifests ---------------------------------------------------------

    def has_manifest(self, content_hash: str) -> bool:
        return self.manifest_path(content_hash).exists()

    def put_manifest(self, tree: TreeHash) -> None:
        """Store the manifest of `tree` under its content hash (checked against the entries)."""
        computed = content_hash_of(tree.entries)
        if computed != tree.content_hash:
            raise ObjectStoreError(
                f"The manifest given for {tree.content_hash} hashes to {computed}; refusing to store a mislabelled manifest."
            )
        for entry in tree.entries:
            check_name(entry.path)
        final = self.manifest_path(tree.content_hash)
        if final.exists():
            return
        data = encode_manifest(tree)
        try:
            self._write_stream(final, iter((data,)))
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not store the manifest of {tree.content_hash} in {final.parent}: {exc.strerror or exc}."
            ) from None

    def get_manifest(self, content_hash: str) -> TreeHash:
        """The stored manifest of `content_hash`, parsed and verified against the hash."""
        path = self.manifest_path(content_hash)

        def corrupt(why: str) -> CorruptObjectError:
            return CorruptObjectError(
                f"The manifest of {content_hash} is corrupt ({why}) in {path}; delete that file and re-sync to store it again."
            )

        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise MissingObjectError(
                f"The manifest of {content_hash} is not in the object store ({path}): its files were never stored, "
                "so this version can be listed but not compared or restored."
            ) from None
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not read the manifest of {content_hash} ({path}): {exc.strerror or exc}; "
                "check that the data folder is readable."
            ) from None
        try:
            inflate = zlib.decompressobj()
            data = inflate.decompress(raw)
            if not inflate.eof or inflate.unused_data:
                raise corrupt("the compressed stream is truncated or has extra bytes")
        except zlib.error as exc:
            raise corrupt(f"bad compressed data: {exc}") from None
        try:
            return parse_manifest(data, content_hash)
        except ManifestFormatError as exc:
            raise corrupt(str(exc)) from None

    # ---- whole trees -------------------------------------------------------

    def store_tree(self, root: str | os.PathLike[str], tree: TreeHash) -> None:
        """Store every entry's contents (and link targets) from `root`, then the manifest.

        `root` is the artifact directory, or the file itself for a single-file
        artifact. Names and link targets are checked before anything is written
        (UnsafeEntryError naming the entry); a file whose bytes no longer match the
        manifest is refused (ObjectStoreError), and then no manifest is stored.
        """
        root_b = os.fsencode(root)
        try:
            # Like hash_tree: the root itself is followed if it is a link, nothing below it.
            root_is_dir = stat.S_ISDIR(os.stat(root_b).st_mode)
            if not root_is_dir:
                root_b = os.path.realpath(root_b)
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not read {os.fsdecode(root_b)} to store it: {exc.strerror or exc}; "
                "check that it exists and is readable, then sync again."
            ) from None
        if not root_is_dir and len(tree.entries) != 1:
            raise ObjectStoreError(
                f"{os.fsdecode(root_b)} is a single file but its manifest has {len(tree.entries)} entries; hash it again."
            )

        def source(entry: ManifestEntry) -> bytes:
            return root_b + b"/" + entry.path if root_is_dir else root_b

        links: list[tuple[ManifestEntry, bytes]] = []
        for entry in tree.entries:
            check_name(entry.path)
            if entry.kind == "l":
                try:
                    target = os.readlink(source(entry))
                except OSError as exc:
                    raise ObjectStoreError(
                        f"Could not read the link {entry.display_path} in {os.fsdecode(root_b)}: {exc.strerror or exc}; sync again."
                    ) from None
                check_link_target(entry.path, target)
                if hashlib.sha256(target).hexdigest() != entry.digest:
                    raise ObjectStoreError(
                        f"The link {entry.display_path} in {os.fsdecode(root_b)} changed while it was being stored; sync again."
                    )
                links.append((entry, target))

        for _entry, target in links:
            self.put_bytes(target)
        # One entry per missing digest: identical files are stored once.
        files = list({e.digest: e for e in tree.entries if e.kind != "l" and not self.has(e.digest)}.values())
        if len(files) > 1:
            # hashlib and zlib release the GIL: a few threads overlap reading and compressing.
            with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
                for _ in pool.map(lambda e: self.put_file(source(e), e.digest), files):
                    pass
        else:
            for e in files:
                self.put_file(source(e), e.digest)
        self.put_manifest(tree)

    def materialize(self, content_hash: str, dest: str | os.PathLike[str], *, single_file: bool = False) -> None:
        """Rebuild the stored tree `content_hash` at `dest`; see core.store.materialize.materialize.

        Directory form: `dest` must not exist or be an empty directory, and is left as
        it was on any error. `single_file=True`: `dest` is the file (or link) to create.
        """
        materialize(self, content_hash, dest, single_file=single_file)

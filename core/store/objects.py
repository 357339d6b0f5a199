"""Content-addressed object store for file contents and manifests.

Layout under `root` (see docs/objects.md):

    objects/ab/cdef…     zlib stream of a file's bytes (or a link's target bytes),
                         named by the sha256 of those bytes (content hash v1 digest)
    manifests/ab/cdef…   zlib stream of a versioned manifest (format: core.store.manifest_codec), named by its content hash

Every write goes to a temporary file in the destination directory, is fsynced,
then linked into place (never over an existing name) and the directory fsynced:
a crash leaves either nothing or a complete object. Objects are never rewritten,
and every read is verified against the name, so corruption is reported, never
returned. The one exception is repair: an object found damaged is written again
from a copy that still holds its bytes, verified in its temp file, then renamed
over the damaged one (see `store_tree(..., verify=True)` and core.store.fsck).
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

from core.errors import CorruptObjectError, MissingObjectError, ObjectStoreError, describe_os_error
from core.fsio import O_NOFOLLOW, fsync_dir
from core.store.materialize import materialize
from core.content import check_link_target, check_name, content_hash_of, ManifestEntry, TreeHash
from core.store.manifest_codec import HEX64, ManifestFormatError, encode_manifest, parse_manifest
from core.store.verified_reader import CHUNK, VerifiedReader

__all__ = ["ObjectStore", "VerifiedReader"]

LEVEL = 1  # zlib level: speed first, artifacts are mostly small text
PROBE = 64 << 10  # bytes trial-compressed to spot data that will not shrink
_POOL_BYTES = 1 << 20  # store_tree uses threads only for at least this many bytes
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


def _object_check(digest: str) -> Callable[[str], None]:
    """A repair's check of its temp file: it must decompress to bytes hashing to `digest`."""

    def check(tmp: str) -> None:
        with VerifiedReader(digest, tmp) as reader:
            for _ in reader:
                pass

    return check


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

    def _publish(self, tmp: str, final: Path, replace: bool = False) -> None:
        """Move a complete, fsynced temp file to `final` without ever replacing an existing file.

        `replace=True` (repair only): the temp file was verified by the caller, and is
        renamed over `final` in one step, so a reader sees the damaged object or the good one.
        """
        try:
            os.chmod(tmp, 0o444)  # stored objects are immutable; make accidental edits fail
            if replace:
                os.replace(tmp, final)
                fsync_dir(str(final.parent))
                return
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

    def _write_stream(
        self, final: Path, chunks: Iterable[bytes], verify: Callable[[], None] | None = None,
        replace_check: Callable[[str], None] | None = None,
    ) -> None:
        """Compress `chunks` into a temp file beside `final`, then publish it.

        `verify` runs after the last chunk and before publishing; it raises to abort.
        `replace_check` (repair): reads the finished temp file back and raises unless it
        is sound; only then does it replace whatever is at `final`.
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
            if replace_check is not None:
                replace_check(tmp)
            self._publish(tmp, final, replace=replace_check is not None)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def has(self, digest: str) -> bool:
        """Whether the object named `digest` is stored (not verified: see read_bytes)."""
        return self.object_path(digest).exists()

    def lacks_any(self, tree: TreeHash) -> bool:
        """Whether the manifest of `tree` or any object it names is missing (not verified).

        One stat per object on plain strings: cheap enough to ask on every sync of an
        up-to-date artifact, which then stores what is missing (store_tree)."""
        exists = os.path.exists
        if not exists(self.manifest_path(tree.content_hash)):
            return True
        base = os.fspath(self.objects_dir) + os.sep
        for entry in tree.entries:
            d = entry.digest
            if not exists(base + d[:2] + os.sep + d[2:]):
                return True
        return False

    def verify(self, digest: str) -> str | None:
        """None when the object is stored and decompresses to bytes hashing to `digest`;
        otherwise why not (missing, or the corruption found). Raises ObjectStoreError
        when the file cannot be read at all (permissions, I/O error): that is not damage
        a rewrite would fix."""
        try:
            with self.open_verified(digest) as reader:
                for _ in reader:
                    pass
        except MissingObjectError:
            return "missing"
        except CorruptObjectError as exc:
            return exc.reason
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not read object {digest} ({self.object_path(digest)}): {exc.strerror or exc}; "
                "check the disk holding the data folder."
            ) from None
        return None

    def put_bytes(self, data: bytes, *, repair: bool = False) -> str:
        """Store `data`; returns its sha256 hex digest. A no-op when already stored,
        unless `repair` is set: then a stored copy that is damaged is written again."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.object_path(digest)
        damaged = repair and final.exists() and self.verify(digest) is not None
        if damaged or not final.exists():
            try:
                self._write_stream(final, iter((data,)), replace_check=_object_check(digest) if damaged else None)
            except OSError as exc:
                raise ObjectStoreError(
                    f"Could not store object {digest} in {final.parent}: "
                    f"{describe_os_error(exc, 'check free space and permissions')}."
                ) from None
        return digest

    def put_file(self, path: str | os.PathLike[str], digest: str | None = None, *, repair: bool = False) -> str:
        """Store a regular file's bytes, streamed; returns the digest.

        With `digest` given and already stored, nothing is read (the manifest vouches
        for it). Otherwise the bytes are hashed while they are compressed, and a
        file whose bytes no longer match `digest` (changed under us) is refused with
        ObjectStoreError naming it; nothing is stored then. `repair=True` (with
        `digest`): the stored object is damaged, and is replaced by these bytes once
        they are written and read back verified.
        """
        if digest is not None:
            _check_digest(digest)
            if not repair and self.has(digest):
                return digest
        elif repair:
            raise ObjectStoreError("A repair needs the digest of the object it replaces.")
        shown = os.fsdecode(path)
        try:
            fd = os.open(path, os.O_RDONLY | O_NOFOLLOW | _O_BINARY)
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not read {shown} to store it: {describe_os_error(exc, 'check its permissions')}, then sync again."
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
                self._write_stream(self.object_path(digest), chunks(), verify, _object_check(digest) if repair else None)
            except OSError as exc:
                raise ObjectStoreError(
                    f"Could not store {shown}: {describe_os_error(exc, 'check free space and permissions')}."
                ) from None
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

    def verify_manifest(self, content_hash: str) -> str | None:
        """None when the manifest of `content_hash` is stored and sound; otherwise why not."""
        try:
            self.get_manifest(content_hash)
        except MissingObjectError:
            return "missing"
        except CorruptObjectError as exc:
            return exc.reason
        return None

    def put_manifest(self, tree: TreeHash, *, repair: bool = False) -> bool:
        """Store the manifest of `tree` under its content hash (checked against the entries).

        `repair=True`: a stored manifest that is damaged is written again; returns True then."""
        computed = content_hash_of(tree.entries)
        if computed != tree.content_hash:
            raise ObjectStoreError(
                f"The manifest given for {tree.content_hash} hashes to {computed}; refusing to store a mislabelled manifest."
            )
        for entry in tree.entries:
            check_name(entry.path)
        final = self.manifest_path(tree.content_hash)
        damaged = False
        if final.exists():
            damaged = repair and self.verify_manifest(tree.content_hash) is not None
            if not damaged:
                return False
        data = encode_manifest(tree)

        def parses_back(tmp: str) -> None:
            with open(tmp, "rb") as back:
                parse_manifest(zlib.decompress(back.read()), tree.content_hash)

        try:
            self._write_stream(final, iter((data,)), replace_check=parses_back if damaged else None)
        except (zlib.error, ManifestFormatError) as exc:
            raise ObjectStoreError(
                f"Could not write the manifest of {tree.content_hash} again in {final.parent}: {exc}."
            ) from None
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not store the manifest of {tree.content_hash} in {final.parent}: {exc.strerror or exc}."
            ) from None
        return damaged

    def get_manifest(self, content_hash: str) -> TreeHash:
        """The stored manifest of `content_hash`, parsed and verified against the hash."""
        path = self.manifest_path(content_hash)

        def corrupt(why: str) -> CorruptObjectError:
            return CorruptObjectError(
                f"The manifest of {content_hash} is corrupt ({why}) in {path}; run `main.py fsck --repair` to write it "
                "again from a collection copy or upstream that still holds that content.",
                why,
            )

        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise MissingObjectError(
                f"The manifest of {content_hash} is not in the object store ({path}), so this version can be listed "
                "but not compared or restored; `main.py fsck --repair` stores it again if a collection copy or "
                "upstream still holds that content."
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

    def store_tree(self, root: str | os.PathLike[str], tree: TreeHash, *, verify: bool = False) -> tuple[str, ...]:
        """Store every entry's contents (and link targets) from `root`, then the manifest.

        `root` is the artifact directory, or the file itself for a single-file
        artifact. Names and link targets are checked before anything is written
        (UnsafeEntryError naming the entry); a file whose bytes no longer match the
        manifest is refused (ObjectStoreError), and then no manifest is stored.

        `verify=True` (before a live copy is replaced): every object already stored is
        read back and checked too, and one that is damaged is written again from `root`,
        as is a damaged manifest. Returns the digests (and manifest hash) written again.
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

        repaired: list[str] = []
        for entry, target in links:
            if verify and self.has(entry.digest) and self.verify(entry.digest) is not None:
                repaired.append(entry.digest)
            self.put_bytes(target, repair=verify)
        # One entry per digest: identical files are stored once.
        unique = {e.digest: e for e in tree.entries if e.kind != "l"}
        files = [e for e in unique.values() if not self.has(e.digest)]
        present = [e for e in unique.values() if verify and self.has(e.digest)]
        damaged = [e for e, why in zip(present, self._map(lambda e: self.verify(e.digest), present)) if why is not None]
        repaired += [e.digest for e in damaged]
        for _ in self._map(lambda e: self.put_file(source(e), e.digest), files):
            pass
        for _ in self._map(lambda e: self.put_file(source(e), e.digest, repair=True), damaged):
            pass
        if self.put_manifest(tree, repair=verify):
            repaired.append(tree.content_hash)
        return tuple(repaired)

    @staticmethod
    def _map(fn: Callable, items: list) -> list:
        """`fn` over manifest entries; hashlib and zlib release the GIL, so a few threads
        overlap reading and (de)compressing when there is enough to do. For a few small
        files, starting a pool costs more than it saves (measured: ~3 ms of CPU per replaced artifact)."""
        if len(items) <= 1 or sum(e.size for e in items) < _POOL_BYTES:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
            return list(pool.map(fn, items))

    def materialize(self, content_hash: str, dest: str | os.PathLike[str], *, single_file: bool = False) -> None:
        """Rebuild the stored tree `content_hash` at `dest`; see core.store.materialize.materialize.

        Directory form: `dest` must not exist or be an empty directory, and is left as
        it was on any error. `single_file=True`: `dest` is the file (or link) to create.
        """
        materialize(self, content_hash, dest, single_file=single_file)

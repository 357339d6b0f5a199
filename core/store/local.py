"""The local object store: file contents and manifests, content-addressed, in the data folder.

On its own it is the whole store (SQLite, one person); with a shared store it is that
store's cache (core.store.objects).

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
over the damaged one (see core.store.trees.store_tree(..., verify=True) and core.store.fsck).
"""
from __future__ import annotations

import hashlib
import os
import stat
import zlib
from pathlib import Path
from typing import Callable, Iterator

from core.errors import CorruptObjectError, MissingObjectError, ObjectStoreError, describe_os_error
from core.fsio import O_NOFOLLOW
from core.content import check_name, content_hash_of, TreeHash
from core.store.manifest_codec import HEX64, ManifestFormatError, encode_manifest, parse_manifest
from core.store.publish import write_compressed, write_raw
from core.store.verified_reader import CHUNK, VerifiedReader

__all__ = ["LocalStore", "check_digest", "check_raw", "OBJECT", "MANIFEST"]

OBJECT, MANIFEST = "object", "manifest"  # the two kinds of stored stream

_O_BINARY = getattr(os, "O_BINARY", 0)


def check_digest(digest: str, what: str = "object") -> None:
    if not isinstance(digest, str) or not HEX64.match(digest):
        raise ObjectStoreError(f"{digest!r} is not a lowercase hex sha256, so it cannot name a stored {what}.")


def _object_check(digest: str) -> Callable[[str], None]:
    """A repair's check of its temp file: it must decompress to bytes hashing to `digest`."""

    def check(tmp: str) -> None:
        with VerifiedReader(digest, tmp) as reader:
            for _ in reader:
                pass

    return check


class LocalStore:
    """File contents and manifests stored by hash in a folder; see the module docstring and docs/objects.md."""

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
        check_digest(digest)
        return self.objects_dir / digest[:2] / digest[2:]

    def manifest_path(self, content_hash: str) -> Path:
        """Where the manifest of `content_hash` lives (whether or not it is stored)."""
        check_digest(content_hash, "manifest")
        return self.manifests_dir / content_hash[:2] / content_hash[2:]

    # ---- writing -----------------------------------------------------------

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
                write_compressed(final, iter((data,)), replace_check=_object_check(digest) if damaged else None)
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
            check_digest(digest)
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
                write_compressed(self.object_path(digest), chunks(), verify, _object_check(digest) if repair else None)
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
            write_compressed(final, iter((data,)), replace_check=parses_back if damaged else None)
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

    # ---- raw streams (what the shared store holds) -------------------------

    def path_of(self, kind: str, name: str) -> Path:
        """The file of an object (`kind` "object") or a manifest ("manifest")."""
        return self.object_path(name) if kind == OBJECT else self.manifest_path(name)

    def read_raw(self, kind: str, name: str) -> tuple[bytes, int]:
        """The stored compressed stream of an object or manifest and its size once inflated,
        read back and verified first (MissingObjectError / CorruptObjectError)."""
        path = self.path_of(kind, name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise MissingObjectError(f"The {kind} {name} is not in the object store ({path}).") from None
        except OSError as exc:
            raise ObjectStoreError(f"Could not read the {kind} {name} ({path}): {exc.strerror or exc}; check the disk holding the data folder.") from None
        return raw, check_raw(kind, name, raw)

    def put_raw(self, kind: str, name: str, raw: bytes) -> None:
        """Store a compressed stream fetched from elsewhere under `name`, once it has been
        read back and verified (CorruptObjectError otherwise, nothing stored)."""
        final = self.path_of(kind, name)
        if final.exists():
            return

        def sound(tmp: str) -> None:
            with open(tmp, "rb") as back:
                check_raw(kind, name, back.read())

        try:
            write_raw(final, raw, sound)
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not store the {kind} {name} in {final.parent}: "
                f"{describe_os_error(exc, 'check free space and permissions')}."
            ) from None


def check_raw(kind: str, name: str, raw: bytes) -> int:
    """The inflated size of a compressed object or manifest stream, once it is verified against
    `name` (CorruptObjectError naming the damage otherwise)."""
    try:
        inflate = zlib.decompressobj()
        data = inflate.decompress(raw)
        if not inflate.eof or inflate.unused_data:
            raise CorruptObjectError(f"The {kind} {name} is truncated or has extra bytes.", "truncated stream")
    except zlib.error as exc:
        raise CorruptObjectError(f"The {kind} {name} holds bad compressed data ({exc}).", f"bad compressed data: {exc}") from None
    if kind == OBJECT:
        if hashlib.sha256(data).hexdigest() != name:
            raise CorruptObjectError(f"The object {name} does not hash to its name.", "content does not hash to its name")
    else:
        try:
            parse_manifest(data, name)
        except ManifestFormatError as exc:
            raise CorruptObjectError(f"The manifest {name} is damaged ({exc}).", str(exc)) from None
    return len(data)

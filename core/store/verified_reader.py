"""Reading a stored object back: streamed, decompressed, and checked against its name.

A reader that reaches the end without an exception has returned exactly the bytes
whose sha256 is the object's name; a damaged file raises CorruptObjectError naming
the object and its file, a missing one MissingObjectError.
"""
from __future__ import annotations

import hashlib
import zlib
from typing import BinaryIO, Iterator

from core.errors import CorruptObjectError, MissingObjectError, ObjectStoreError

CHUNK = 1 << 20  # read/compress/decompress granularity: memory stays flat


class VerifiedReader:
    """Streams a stored object's bytes and checks them against its name.

    The check happens when the stream ends: a reader that reaches the end without
    an exception has returned exactly the bytes whose sha256 is `digest`.
    """

    def __init__(self, digest: str, path: str) -> None:
        self.digest = digest
        self.path = path
        try:
            self._file: BinaryIO = open(path, "rb")
        except FileNotFoundError:
            raise MissingObjectError(
                f"Object {digest} is not in the object store ({path}); run `main.py fsck --repair` to store it again "
                "from a collection copy or upstream that still holds it."
            ) from None
        except OSError as exc:
            raise ObjectStoreError(
                f"Could not open object {digest} ({path}): {exc.strerror or exc}; "
                "check that the data folder is readable and its disk is mounted."
            ) from None
        self._inflate = zlib.decompressobj()
        self._sha = hashlib.sha256()
        self._pending = b""  # compressed input not yet inflated (kept small by max_length)
        self._buffer = b""  # inflated bytes handed out by read() only in part
        self._done = False

    def _corrupt(self, why: str) -> CorruptObjectError:
        return CorruptObjectError(
            f"Object {self.digest} is corrupt ({why}) in {self.path}; run `main.py fsck --repair` to write it again "
            "from a collection copy or upstream that still holds it (`main.py fsck` lists the versions it affects).",
            why,
        )

    def _next_chunk(self) -> bytes:
        """The next piece of decompressed bytes; b'' once the object is complete and verified."""
        while not self._done:
            if not self._pending:
                self._pending = self._file.read(CHUNK)
                if not self._pending:
                    if not self._inflate.eof:
                        raise self._corrupt("the compressed stream is truncated")
                    self._finish()
                    return b""
            try:
                out = self._inflate.decompress(self._pending, CHUNK)
            except zlib.error as exc:
                raise self._corrupt(f"bad compressed data: {exc}") from None
            self._pending = self._inflate.unconsumed_tail
            if self._inflate.eof:
                if self._inflate.unused_data or self._pending or self._file.read(1):
                    raise self._corrupt("extra bytes after the compressed stream")
                self._pending = b""
            if out:
                self._sha.update(out)
                return out
            if self._inflate.eof:
                self._finish()
        return b""

    def _finish(self) -> None:
        self._done = True
        if self._sha.hexdigest() != self.digest:
            raise self._corrupt(f"its content hashes to {self._sha.hexdigest()}")

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self._next_chunk()
            if not chunk:
                return
            yield chunk

    def read(self, size: int = -1) -> bytes:
        """Read up to `size` bytes (all remaining when negative); raises CorruptObjectError at a bad end."""
        parts: list[bytes] = []
        have = 0
        while size < 0 or have < size:
            if self._buffer:
                piece = self._buffer
                self._buffer = b""
            else:
                piece = self._next_chunk()
                if not piece:
                    break
            if size >= 0 and have + len(piece) > size:
                self._buffer = piece[size - have :]
                piece = piece[: size - have]
            parts.append(piece)
            have += len(piece)
        return b"".join(parts)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "VerifiedReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

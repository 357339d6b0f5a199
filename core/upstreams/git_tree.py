"""Writing a commit's files exactly as committed, from `git ls-tree` and `git cat-file --batch`.

A work-tree checkout (`checkout-index`) runs the repository's and the user's
attributes and config: `text`/`eol` rewrite line ends, a `filter` runs any command
the user's git config names, `ident` and `working-tree-encoding` change bytes.
None of them touch `cat-file --batch` (no `--filters`), so the copy here holds the
committed blobs byte for byte, whatever `.gitattributes`, `info/attributes`,
`core.attributesFile` or `GIT_CONFIG_GLOBAL` say. Modes and links are written
from the tree's modes; no path is followed through a link, and names git itself
refuses to check out (`..`, `.`, `.git`) refuse the commit. core.upstreams.git
runs the git commands; this module only parses and writes.
"""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from typing import BinaryIO, Callable

from core.errors import UpstreamError
from core.fsio import O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, folder_identity, open_parent

__all__ = ["TreeEntry", "parse_ls_tree", "wanted_blobs", "write_tree"]

_CHUNK = 1 << 20
MODE_FILE, MODE_EXEC, MODE_LINK, MODE_GITLINK = "100644", "100755", "120000", "160000"
_BLOB_MODES = {MODE_FILE: 0o666, MODE_EXEC: 0o777}  # git's own creation modes; the umask applies


@dataclass(frozen=True)
class TreeEntry:
    """One line of `git ls-tree -r -z`: mode, object id, path (raw bytes, '/'-separated)."""

    mode: str
    oid: str
    path: bytes

    def shown(self) -> str:
        return os.fsdecode(self.path)


def parse_ls_tree(data: bytes, where: str) -> list[TreeEntry]:
    """The entries of `ls-tree -r -z` output; UpstreamError for a mode or path git would refuse."""
    entries = []
    for record in data.split(b"\0"):
        if not record:
            continue
        head, sep, path = record.partition(b"\t")
        fields = head.split(b" ")
        if not sep or len(fields) != 3:
            raise UpstreamError(f"git listed the files of {where} in a form this program does not read; "
                                "update git, or delete the git cache and sync again.")
        mode, oid = _canonical(fields[0].decode("ascii", "replace")), fields[2].decode("ascii", "replace")
        entry = TreeEntry(mode, oid, path)
        _check_entry(entry, where)
        entries.append(entry)
    return entries


def _canonical(mode: str) -> str:
    """A regular file's mode as git checks it out: old trees may say 100664 (git reads any
    100xxx as 100644, or 100755 when the owner may execute)."""
    if len(mode) == 6 and mode.startswith("100") and all(c in "01234567" for c in mode):
        return MODE_EXEC if int(mode, 8) & 0o100 else MODE_FILE
    return mode


def _check_entry(entry: TreeEntry, where: str) -> None:
    if entry.mode not in (MODE_FILE, MODE_EXEC, MODE_LINK, MODE_GITLINK):
        raise UpstreamError(
            f"{where} holds {entry.shown()!r} with the git mode {entry.mode}, which this program cannot write; "
            "remove it from the repository or use another ref."
        )
    for part in entry.path.split(b"/"):
        if part in (b"", b".", b"..") or part.lower() == b".git":
            raise UpstreamError(
                f"{where} holds the path {entry.shown()!r}, which git itself refuses to check out "
                "(an empty, '.', '..' or '.git' part); the repository is damaged or hostile, so use another ref."
            )


def wanted_blobs(entries: list[TreeEntry]) -> list[TreeEntry]:
    """The entries whose content comes from a blob (files and links; not submodules), in order."""
    return [e for e in entries if e.mode != MODE_GITLINK]


def write_tree(entries: list[TreeEntry], batch: BinaryIO, dest: str | os.PathLike[str], where: str,
               poll: Callable[[], None]) -> None:
    """Write `entries` below the empty folder `dest`, reading the blobs of `wanted_blobs(entries)`,
    in that order, from `batch` (the stdout of `git cat-file --batch`). `poll` is called between
    entries and chunks (it raises to cancel). Raises UpstreamError, or OSError for the disk."""
    cursor = _Cursor(os.open(dest, os.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
    try:
        for entry in entries:
            poll()
            *parents, name = entry.path.split(b"/")
            cursor.move_to(parents, entry, where)
            parent = cursor.fd
            if entry.mode == MODE_GITLINK:
                os.close(_make_dir(parent, name, entry, where))  # a submodule: an empty folder, as git leaves it
                continue
            size = _blob_header(batch, entry, where)
            if entry.mode == MODE_LINK:
                target = _read_exact(batch, size, entry, where)
                if b"\0" in target:
                    raise UpstreamError(f"The link {entry.shown()!r} in {where} has a target holding NUL; "
                                        "the repository is damaged, so use another ref.")
                os.symlink(target, name, dir_fd=parent)
            else:
                _write_blob(batch, size, parent, name, _BLOB_MODES[entry.mode], entry, where, poll)
            if batch.read(1) != b"\n":
                raise _truncated(entry, where)
    except FileExistsError:
        raise UpstreamError(f"{where} lists {entry.shown()!r} twice, or under a file of the same name; "
                            "the repository is damaged, so use another ref.") from None
    finally:
        cursor.close()


class _Cursor:
    """The folder being written into. One folder is open at a time, so a tree thousands of
    folders deep needs no descriptor per level: moving between folders climbs through '..'
    (checked to be the folder come down from) and descends by name."""

    def __init__(self, root: int) -> None:
        self.fd = root
        self.parts: list[bytes] = []
        self.ids = [folder_identity(root)]

    def move_to(self, parts: list[bytes], entry: TreeEntry, where: str) -> None:
        common = 0
        while common < min(len(self.parts), len(parts)) and self.parts[common] == parts[common]:
            common += 1
        while len(self.parts) > common:
            self._replace(open_parent(self.fd, self.ids[-2]))
            self.parts.pop()
            self.ids.pop()
        for part in parts[common:]:
            self._replace(_make_dir(self.fd, part, entry, where))
            self.parts.append(part)
            self.ids.append(folder_identity(self.fd))

    def _replace(self, fd: int) -> None:
        os.close(self.fd)
        self.fd = fd

    def close(self) -> None:
        os.close(self.fd)


def _make_dir(parent: int, name: bytes, entry: TreeEntry, where: str) -> int:
    try:
        os.mkdir(name, 0o777, dir_fd=parent)
    except FileExistsError:
        pass  # a folder seen before (entries of one folder may be split by a sibling's)
    try:
        return os.open(name, os.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UpstreamError(
                f"{where} puts {entry.shown()!r} below a link or a file of the same name; "
                "the repository is damaged or hostile, so use another ref."
            ) from None
        raise


def _blob_header(batch: BinaryIO, entry: TreeEntry, where: str) -> int:
    line = batch.readline()
    fields = line.rstrip(b"\n").split(b" ")
    if len(fields) != 3 or fields[0].decode("ascii", "replace") != entry.oid or fields[1] != b"blob":
        if line.rstrip(b"\n").endswith(b" missing"):
            raise UpstreamError(f"The git cache lacks the content of {entry.shown()!r} in {where}; "
                                "delete the git cache and sync again.")
        raise _truncated(entry, where)
    try:
        return int(fields[2])
    except ValueError:
        raise _truncated(entry, where) from None


def _read_exact(batch: BinaryIO, size: int, entry: TreeEntry, where: str) -> bytes:
    data = batch.read(size)
    if len(data) != size:
        raise _truncated(entry, where)
    return data


def _write_blob(batch: BinaryIO, size: int, parent: int, name: bytes, mode: int, entry: TreeEntry, where: str,
                poll: Callable[[], None]) -> None:
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode, dir_fd=parent)
    try:
        left = size
        while left:
            chunk = batch.read(min(left, _CHUNK))
            if not chunk:
                raise _truncated(entry, where)
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
            left -= len(chunk)
            if left:
                poll()
    finally:
        os.close(fd)


def _truncated(entry: TreeEntry, where: str) -> UpstreamError:
    return UpstreamError(f"git stopped while handing over {entry.shown()!r} from {where}; "
                         "sync again, and if it keeps failing delete the git cache.")

"""Checks for untrusted trees: entry names and symbolic link targets.

Upstream content and stored manifests are both untrusted: a link such as
`notes -> ../../.ssh/id_rsa` or an entry named `../x` must never make us read or
write outside the artifact. Everything here is lexical (no filesystem access),
so the same check guards copying an upstream, storing a tree and rebuilding one.
"""
from __future__ import annotations

import os
import stat

from core.errors import UnsafeEntryError

__all__ = ["check_link_target", "check_name", "special_file_kind"]

NUL = b"\0"


def special_file_kind(mode: int) -> str:
    """What a file that is neither a regular file, a folder nor a link is, for error messages."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a special file"


def _show(path: bytes) -> str:
    # Names may not be UTF-8; show them the way os.fsdecode does.
    return os.fsdecode(path)


def check_name(path: bytes) -> None:
    """Refuse an entry path that could leave the artifact root or is not a plain relative path.

    `path` is relative to the artifact root with '/' separators. Refused: the empty
    path, an absolute path, a NUL byte, and empty, `.` or `..` components.
    """
    if not isinstance(path, bytes):
        raise TypeError("check_name expects the entry path as bytes")
    if not path:
        raise UnsafeEntryError("An entry has an empty name; refusing the artifact because its files cannot be placed safely.")
    if b"\0" in path:
        shown = _show(path.replace(NUL, b"?"))
        raise UnsafeEntryError(
            f"The entry {shown!r} contains a NUL byte; refusing it because no file can have that name."
        )
    if path.startswith(b"/"):
        raise UnsafeEntryError(
            f"The entry {_show(path)!r} is an absolute path; refusing it because it would be written outside the artifact."
        )
    for part in path.split(b"/"):
        if part in (b"", b".", b".."):
            raise UnsafeEntryError(
                f"The entry {_show(path)!r} has a {_show(part) or 'empty'!r} path component; "
                "refusing it because entry names must be plain paths inside the artifact."
            )


def check_link_target(link_path: bytes, target: bytes) -> None:
    """Refuse a symbolic link whose target is absolute or climbs out of the artifact root.

    `link_path` is the link's path relative to the artifact root ('/'-separated
    bytes); `target` is what `os.readlink` returns. The target is resolved
    lexically against the link's own directory.

    A `..` that follows a name (`sub/../x`) is refused too, even when it would
    stay inside lexically: if `sub` is itself a link, the kernel resolves `..`
    from wherever `sub` points, so a pair of individually harmless links could
    reach outside (`l -> ..` at depth 1 plus `m -> d/l/..`). With that rule,
    every link can only go up through real ancestor directories and then down,
    so no chain of checked links can leave the root.
    """
    if not isinstance(link_path, bytes) or not isinstance(target, bytes):
        raise TypeError("check_link_target expects bytes")

    def refuse(why: str) -> UnsafeEntryError:
        shown_target = _show(target.replace(NUL, b"?"))
        return UnsafeEntryError(
            f"The symbolic link {_show(link_path)!r} points to {shown_target!r}, {why}; "
            "refusing it because links must stay inside the artifact."
        )

    if not target:
        raise refuse("an empty target")
    if b"\0" in target:
        raise refuse("a target containing a NUL byte")
    if target.startswith(b"/"):
        raise refuse("an absolute path")

    # Depth of the directory holding the link, counted from the root (0 = root).
    parents = [p for p in link_path.split(b"/")[:-1] if p not in (b"", b".")]
    depth = len(parents)
    seen_name = False
    for part in target.split(b"/"):
        if part in (b"", b"."):
            continue
        if part == b"..":
            if seen_name:
                raise refuse("which goes back up ('..') after a name and could leave the artifact through another link")
            depth -= 1
            if depth < 0:
                raise refuse("which climbs out of the artifact root")
        else:
            seen_name = True
            depth += 1

"""The one place every write or delete of a live copy goes through: its parent folder,
opened by descriptor from a trusted root without following a single link.

`open_place(root, parts)` opens `root` (the collection folder, or a project folder)
refusing a link, then each folder of `parts[:-1]` below it with O_NOFOLLOW, creating
the missing ones with mkdirat in the folder already open; the copy's own name
(`parts[-1]`) must not be a link either. Everything after that works on the open
parent: staging beside the copy (`core.atomic.swap.staging_area`), the swap
(renameat2 on the descriptor), the removal. A folder on the way swapped for a link
after the walk changes nothing: the descriptor still names the real folder, and
`Place.check()` (called right before a swap or a removal, and again by `--continue`)
refuses when the path no longer leads to it. Paths handed to path-based helpers
(materialize, hashing, copying) go through the descriptor (`Place.through`:
/proc/self/fd/N on Linux), so they cannot be sent elsewhere either.
"""
from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from core.errors import LineageError
from core.fsio import O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, folder_identity

__all__ = ["Place", "PlaceError", "open_place"]

_PROC_FD = "/proc/self/fd"


class PlaceError(LineageError):
    """A link, or something other than a folder, on the way to a copy: nothing was written."""


def _refused(path: Path, what: str) -> PlaceError:
    return PlaceError(
        f"{path} is {what}, and links are never followed when a copy is written or deleted; nothing was changed. "
        "Replace it with a real folder (what a link points to is left alone) and try again."
    )


def _open_dir(name: str | Path, shown: Path, dir_fd: int | None = None) -> int:
    try:
        return os.open(name, os.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, dir_fd=dir_fd)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            try:
                st = os.lstat(name, dir_fd=dir_fd) if dir_fd is not None else os.lstat(name)
                what = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a folder"
            except OSError:
                what = "not a folder"
            raise _refused(shown, what) from None
        raise


@dataclass
class Place:
    """An open parent folder and the copy's name in it. Close it (or use `with`)."""

    root: Path
    parts: tuple[str, ...]
    fd: int
    identity: tuple[int, int] = field(default=(0, 0))

    @property
    def name(self) -> str:
        return self.parts[-1]

    @property
    def parent(self) -> Path:
        return self.root.joinpath(*self.parts[:-1])

    @property
    def path(self) -> Path:
        return self.root.joinpath(*self.parts)

    def through(self, name: str | None = None) -> Path:
        """A path to `name` (default: the copy) in the open folder that no rename or link on the way can redirect."""
        base = Path(_PROC_FD) / str(self.fd)
        if not os.path.isdir(base):  # no /proc: the plain path, checked by check()
            base = self.parent
        return base / (self.name if name is None else name)

    def exists(self) -> bool:
        try:
            st = os.lstat(self.name, dir_fd=self.fd)
        except FileNotFoundError:
            return False
        if stat.S_ISLNK(st.st_mode):
            raise _refused(self.path, "a symbolic link")
        return True

    def check(self) -> None:
        """Refuse when the path from the root no longer leads to the open folder (a folder on the
        way was moved or swapped for a link since it was opened), or the copy became a link."""
        try:
            again = open_place(self.root, self.parts, create=False)
        except FileNotFoundError:
            raise PlaceError(f"The folder {self.parent} was moved away while a copy was written in it; "
                             "nothing was replaced. Try again.") from None
        try:
            if again.identity != self.identity:
                raise PlaceError(f"The folder {self.parent} was replaced while a copy was written in it; "
                                 "nothing was replaced. Try again.")
        finally:
            again.close()
        self.exists()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> "Place":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_place(root: str | os.PathLike[str], parts: Sequence[str], *, create: bool = True) -> Place:
    """Open the parent folder of `root/parts...` without following links (see the module docstring).

    `create`: make the missing folders on the way (never through a link). Raises PlaceError
    for a link or a non-folder on the way, FileNotFoundError when a folder is missing and
    not created.
    """
    root = Path(root)
    parts = tuple(parts)
    if not parts or any(p in ("", ".", "..") or "/" in p for p in parts):
        raise PlaceError(f"The place {'/'.join(parts)!r} is not inside {root}; nothing was changed.")
    fd = _open_dir(root, root)
    here = root
    try:
        for part in parts[:-1]:
            here = here / part
            if create:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)  # mkdirat never follows: a link there gives EEXIST
                except FileExistsError:
                    pass
            child = _open_dir(part, here, fd)
            os.close(fd)
            fd = child
        place = Place(root, parts, fd, folder_identity(fd))
    except BaseException:
        os.close(fd)
        raise
    try:
        place.exists()
    except BaseException:
        place.close()
        raise
    return place

"""Errors meant for people.

Every error core raises on purpose derives from `LineageError`; its message is one
clear sentence saying what went wrong, where, and what to do. The CLI prints it
to stderr without a traceback; the window shows it next to the artifact.
"""
from __future__ import annotations


class LineageError(Exception):
    """Base of every error core raises on purpose."""


class DataFolderError(LineageError):
    """The data folder (--home) is a file, unwritable or otherwise unusable."""


class SettingError(LineageError):
    """An environment setting whose value cannot be used (e.g. ARTIFACT_LINEAGE_MAX_FILE_MB)."""


class HashingError(LineageError):
    """A tree could not be hashed (missing path, unreadable file...)."""


class UnsupportedEntryError(HashingError):
    """A FIFO, socket or device file inside an artifact."""


class UnsafeEntryError(LineageError):
    """A symlink whose target leaves the artifact, or a name such as '..'."""


class ObjectStoreError(LineageError):
    """The object store could not read or write an object."""


class MissingObjectError(ObjectStoreError):
    """An object or manifest that should be stored is not."""


class CorruptObjectError(ObjectStoreError):
    """A stored object whose content no longer matches its name; `reason` is the damage found."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class UpstreamError(LineageError):
    """An upstream could not be reached, fetched or found."""


class DatabaseError(LineageError):
    """The database is locked, corrupt, unreachable or too new."""


class MalformedRowError(DatabaseError):
    """A database row holding a value that cannot be read (malformed metadata JSON, a bad date)."""


class DatabaseUrlError(DatabaseError):
    """The --db URL is malformed or names a database kind no installed driver handles."""


class ArtifactNotFoundError(LineageError):
    """No artifact by that name."""


class ArtifactExistsError(LineageError):
    """An artifact with that name and type already exists."""


class VersionNotFoundError(LineageError):
    """No version matches a hash, prefix or id."""


class FileNotInVersionError(LineageError):
    """A file named for blame is not in that version, or is not text."""


class QueryError(LineageError):
    """A search query that cannot be read (an unknown key, a bad date)."""


class SyncError(LineageError):
    """A sync could not be carried out for one artifact."""


class MergeError(LineageError):
    """A merge cannot go on: a damaged saved merge, a resolution that does not fit it..."""


class ConfirmationError(LineageError):
    """A destructive command run without a terminal to ask on and without --yes."""


# What an OSError means, in words: (what is wrong, what to do). A reason such as
# "File name too long" followed by "check its permissions" sends people the wrong way.
_OS_ERRORS: dict[str, tuple[str, str]] = {
    "ENAMETOOLONG": ("the name or the path is too long for the file system (most allow 255 bytes a name "
                     "and 4,096 a path)", "shorten the names, or use a folder nearer the root"),
    "EACCES": ("permission denied", "check its permissions"),
    "EPERM": ("the operation is not permitted", "check its permissions and attributes"),
    "ENOENT": ("it does not exist", "check the path"),
    "ENOTDIR": ("a part of the path is a file, not a folder", "check the path"),
    "EISDIR": ("it is a folder where a file was expected", "check the path"),
    "ELOOP": ("the path goes through a symbolic link, or too many of them", "point at the real path"),
    "ENOSPC": ("the disk is full", "free some space"),
    "EDQUOT": ("the disk quota is used up", "free some space or raise the quota"),
    "EROFS": ("the file system is read-only", "use a writable folder"),
    "EMFILE": ("too many files are open at once", "raise the open-file limit (ulimit -n) or close other programs"),
    "ENFILE": ("the system has too many files open", "close other programs"),
    "EIO": ("an input/output error (the disk or network share may be failing)", "check the disk"),
    "ESTALE": ("it was moved or changed while it was being read", "try again once nothing is changing it"),
}


def describe_os_error(exc: OSError, advice: str) -> str:
    """`<what is wrong>; <what to do>` for an OSError: words chosen by its errno, else the OS's
    own reason followed by `advice` (the caller's usual next step)."""
    import errno

    known = _OS_ERRORS.get(errno.errorcode.get(exc.errno or 0, ""))
    if known is not None:
        return f"{known[0]}; {known[1]}"
    return f"{exc.strerror or exc}; {advice}"


class ProjectError(LineageError):
    """Bad input about a project: unknown or duplicate name, reserved name, missing folder,
    an artifact not deployed there."""


class RefusedError(LineageError):
    """A deploy, push or restore that would lose or hide someone's edits, so nothing was done.

    The message is the command line's sentence (it names the commands to run next);
    `situation` says only what was found, with no command in it, for the window, which
    offers its own buttons for the ways on (docs/gui.md)."""

    def __init__(self, message: str, *, situation: str = "") -> None:
        super().__init__(message)
        self.situation = situation or message

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
    """A stored object whose content no longer matches its name."""


class UpstreamError(LineageError):
    """An upstream could not be reached, fetched or found."""


class DatabaseError(LineageError):
    """The database is locked, corrupt, unreachable or too new."""


class DatabaseUrlError(DatabaseError):
    """The --db URL is malformed or names a database kind no installed driver handles."""


class ArtifactNotFoundError(LineageError):
    """No artifact by that name."""


class ArtifactExistsError(LineageError):
    """An artifact with that name and type already exists."""


class VersionNotFoundError(LineageError):
    """No version matches a hash, prefix or id."""


class SyncError(LineageError):
    """A sync could not be carried out for one artifact."""


class MergeError(LineageError):
    """A merge cannot go on: a damaged saved merge, a resolution that does not fit it..."""


class ConfirmationError(LineageError):
    """A destructive command run without a terminal to ask on and without --yes."""

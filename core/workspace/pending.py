"""Pending records: a verb's version, written down before the copy is replaced.

Sync writes them for the collection copy; every other verb through
core.workspace.replace_copy, naming the line, both parents, where the copy is (a
project's copy too), the deployment to move and the pending merge to drop; `remove`
writes one of kind "remove" (docs/crash-safety.md). What follows says "sync" for all.

A sync replaces the copy, then records the version. A crash, or a database that
fails, between those two steps would leave upstream content in the collection with
no `sync` version behind it, and the next sync would take it for a local edit (and
report every later upstream change as a conflict). So the version about to be
recorded is first written to `<data folder>/pending/<id>.json` (fsynced with its
folder) and locked while the sync runs; it is removed once the database has it.

`roll_forward` (Workspace.open, and the start of every sync or status pass) takes
each record no process holds: when the copy's content is the one it expected (the
swap completed) it is recorded as that `sync` version, otherwise (the swap never
happened, or the copy was edited since) it is dropped. History deduplicates, so a
record rolled forward twice (a crash after the commit, before the unlink) records
once. See docs/sync.md, "Crashes and recovery".
"""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from core.fsio import O_CLOEXEC, O_NOFOLLOW, fsync_dir, fsync_fd, try_lock

if TYPE_CHECKING:
    from core.history import History

__all__ = ["PendingRecord", "PendingRecords", "HeldRecord"]

_FORMAT = 1
_SUFFIX = ".json"
_TMP_SUFFIX = ".json.tmp"


@dataclass(frozen=True)
class PendingRecord:
    """The version a command will record once its copy is in place (or, `kind` "remove",
    the copy a remove deletes once the database says the artifact is removed)."""

    artifact_id: int
    content_hash: str  # the content the copy holds after the swap (a remove: the content it deletes)
    parent_hash: str | None  # what it replaced (the head's content for a new copy)
    origin: str = "sync"
    metadata: dict[str, Any] = field(default_factory=dict)
    line: str = "collection"
    parent_id: int | None = None  # the first parent exactly (a first deployment's: the version copied)
    second_parent_id: int | None = None
    root: str | None = None  # the copy is root/parts... (None: the artifact's place in the collection)
    parts: tuple[str, ...] = ()
    deployment: tuple[int, int | None] | None = None  # (project id, version id; None: the version recorded)
    drop: str | None = None  # a pending merge's folder, removed once the version is recorded
    kind: str = "replace"

    def encode(self) -> bytes:
        raw: dict[str, Any] = {
            "format": _FORMAT, "artifact_id": self.artifact_id, "content_hash": self.content_hash,
            "parent_hash": self.parent_hash, "origin": self.origin, "metadata": self.metadata,
        }
        extra = {"line": self.line, "parent_id": self.parent_id, "second_parent_id": self.second_parent_id,
                 "root": self.root, "parts": list(self.parts),
                 "deployment": list(self.deployment) if self.deployment else None, "drop": self.drop,
                 "kind": self.kind}
        raw.update({k: v for k, v in extra.items() if v not in (None, [], "collection", "replace")})
        return json.dumps(raw, sort_keys=True).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> "PendingRecord":
        raw = json.loads(data.decode("utf-8"))
        if raw.get("format") != _FORMAT:
            raise ValueError(f"unknown format {raw.get('format')!r}")
        parent = raw["parent_hash"]
        meta = raw.get("metadata") or {}
        if not (isinstance(raw["artifact_id"], int) and isinstance(raw["content_hash"], str)
                and (parent is None or isinstance(parent, str)) and isinstance(meta, dict)):
            raise ValueError("fields of the wrong type")
        parts = tuple(str(p) for p in raw.get("parts") or ())
        deployment = raw.get("deployment")
        ints = (raw.get("parent_id"), raw.get("second_parent_id"))
        if any(v is not None and not isinstance(v, int) for v in ints) or (
                deployment is not None and not (isinstance(deployment, list) and len(deployment) == 2)):
            raise ValueError("fields of the wrong type")
        return cls(raw["artifact_id"], raw["content_hash"], parent, str(raw.get("origin", "sync")), meta,
                   line=str(raw.get("line", "collection")), parent_id=ints[0], second_parent_id=ints[1],
                   root=raw.get("root"), parts=parts,
                   deployment=(int(deployment[0]), deployment[1]) if deployment else None,
                   drop=raw.get("drop"), kind=str(raw.get("kind", "replace")))


class HeldRecord:
    """A pending record this process wrote and still holds (its lock keeps roll_forward off it)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def done(self) -> None:
        """The database has the version: the record goes."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        finally:
            self._release()

    def leave(self) -> None:
        """Not recorded (or not known to be swapped): the next roll_forward decides from the copy."""
        self._release()

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None


class PendingRecords:
    """The `pending/` folder of a data folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def hold(self, record: PendingRecord) -> HeldRecord:
        """Write `record` durably and keep it locked; OSError when it cannot be written
        (the caller then must not replace the copy: the version could be lost)."""
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            fsync_dir(self.folder.parent)
        name = secrets.token_hex(8)
        tmp = self.folder / (name + _TMP_SUFFIX)
        final = self.folder / (name + _SUFFIX)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        try:
            try_lock(fd)  # a fresh file: nobody else can hold it
            data = memoryview(record.encode())
            while data:
                data = data[os.write(fd, data):]
            fsync_fd(fd)
            os.rename(tmp, final)  # the lock is on the file, so it moves with it
            fsync_dir(self.folder)
        except BaseException:
            os.close(fd)
            for path in (tmp, final):
                try:
                    path.unlink()
                except OSError:
                    pass
            raise
        return HeldRecord(final, fd)

    def roll_forward(self, history: "History", collection_dir: Path,
                     clock: Callable[[], datetime] | None = None) -> list[str]:
        """Record or drop every record no process holds; one message per record that needs a word."""
        try:
            names = sorted(os.listdir(self.folder))
        except FileNotFoundError:
            return []
        except OSError as e:
            return [f"Could not read the pending records in {self.folder}: {e.strerror or e}."]
        messages: list[str] = []
        for name in names:
            if not (name.endswith(_SUFFIX) or name.endswith(_TMP_SUFFIX)):
                continue
            path = self.folder / name
            try:
                fd = os.open(path, os.O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            except OSError:
                continue  # removed meanwhile by the process that wrote it
            try:
                if not try_lock(fd) or os.fstat(fd).st_nlink == 0:
                    continue  # a sync is running with it, or it finished meanwhile
                if name.endswith(_TMP_SUFFIX):
                    _unlink(path)  # never completed: its swap never started
                    continue
                message = self._roll_one(fd, path, history, collection_dir, clock)
                if message:
                    messages.append(message)
            finally:
                os.close(fd)
        return messages

    def _roll_one(self, fd: int, path: Path, history: "History", collection_dir: Path,
                  clock: Callable[[], datetime] | None) -> str | None:
        from sqlalchemy.exc import SQLAlchemyError

        from core.content import hash_tree
        from core.errors import ArtifactNotFoundError, LineageError
        from core.workspace.collection import path_of

        try:
            record = PendingRecord.decode(_read_all(fd))
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
            _unlink(path)
            return f"Removed an unreadable pending record {path} ({e})."
        try:
            artifact = history.artifact(record.artifact_id)
        except ArtifactNotFoundError:
            if record.kind == "remove":  # purged: its copy still goes
                _finish_remove(record, None)
            _unlink(path)  # the artifact was removed: nothing to record against
            return None
        except LineageError as e:
            return f"Could not check a pending record of an interrupted sync ({e}); it is kept for the next run."
        if record.kind == "remove":
            deleted = _finish_remove(record, artifact)
            _unlink(path)
            return (f"Finished removing {artifact.name!r}: its copy, which an interrupted remove had left, "
                    "was deleted (its content is recorded).") if deleted else None
        target = Path(record.root).joinpath(*record.parts) if record.root else path_of(collection_dir, artifact)
        now = _content_at(record, target, artifact)
        if now != record.content_hash:
            _unlink(path)  # the swap never happened (or the copy was edited since): nothing to roll forward
            return None
        try:
            outcome = history.record_version(
                artifact.id, record.content_hash, record.origin, parent_hash=record.parent_hash,
                metadata=record.metadata | {"recovered": True}, created_at=clock() if clock else None,
                line=record.line, parent_id=record.parent_id, second_parent_id=record.second_parent_id,
            )
            if record.deployment is not None and outcome.version is not None:
                from core.history import Deployments

                project_id, version_id = record.deployment
                Deployments(history.db).set_deployment(artifact.id, project_id, version_id or outcome.version.id)
        except (LineageError, SQLAlchemyError) as e:  # the database still fails: keep the record for the next run
            return (f"Could not yet record the {record.origin} of {artifact.name!r} that an interrupted run copied in "
                    f"({e}); it is kept and recorded at the next run.")
        if record.drop:
            from core.fsio import remove_quietly

            remove_quietly(record.drop)  # the merge it finished
        _unlink(path)
        if outcome.recorded:
            where = "" if record.line == "collection" else f" in {record.line}"
            return (f"Recorded the {record.origin} of {artifact.name!r}{where} (content {record.content_hash[:12]}) "
                    "that an interrupted run had copied in.")
        return None


def _content_at(record: PendingRecord, target: Path, artifact: Any) -> str | None:
    """The content hash of the copy at `target` now (None: none, unreadable, or behind a link);
    `artifact` None: its history was purged."""
    from core.content import copy_tree_hash, hash_tree
    from core.errors import LineageError

    try:
        if not os.path.lexists(target) or os.path.islink(target):
            return None
        if record.root:  # a verb's record: the copy's entry named as in the collection
            from pathlib import PurePosixPath

            if artifact is None:  # purged: the record names the copy; only the recorded content matches
                name, shape = os.fsencode(record.parts[-1]), "dir" if os.path.isdir(target) else "file"
            else:
                name, shape = os.fsencode(PurePosixPath(artifact.place).name), artifact.shape
            return copy_tree_hash(target, shape, name, None).content_hash
        return hash_tree(target).content_hash
    except (OSError, LineageError):
        return None


def _finish_remove(record: PendingRecord, artifact: Any) -> bool:
    """A remove killed after the database marked the artifact removed: delete the copy if it still
    holds the content recorded. Never when the artifact is tracked (the remove did not happen)."""
    from core.atomic.place import open_place
    from core.atomic.swap import remove_in
    from core.errors import LineageError

    if artifact is not None and not artifact.removed or not record.root:
        return False
    try:
        with open_place(record.root, record.parts, create=False) as place:
            if not place.exists() or _content_at(record, place.path, artifact) != record.content_hash:
                return False
            return remove_in(place)
    except (OSError, LineageError):
        return False


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _unlink(path: Path) -> None:
    # A record left behind is harmless: rolling it forward again records nothing new.
    try:
        path.unlink()
    except OSError:
        pass

"""The shared object store inside the team's database: one content-addressed table.

`shared_objects` (created by migration 0004; see docs/data-model.md): primary key
(kind, name), the inflated size, the codec and the compressed bytes. Rows are only ever
inserted, with ON CONFLICT DO NOTHING, so two members storing the same content at once
store it once and neither fails. Each put is one transaction: a member killed mid-upload
leaves no row of it, and the version rows naming those bytes are recorded only after it.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence, TypeVar

from sqlalchemy import bindparam, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from core.errors import ObjectStoreError
from core.store.local import MANIFEST, OBJECT
from core.store.shared import StoredStream

__all__ = ["DatabaseSharedStore", "TABLE"]

TABLE = "shared_objects"
_KIND_CODE = {OBJECT: "o", MANIFEST: "m"}
_BATCH = 500  # names per IN (...) query
T = TypeVar("T")


def _batches(items: Sequence[T], size: int = _BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class DatabaseSharedStore:
    """The SharedStore interface (core.store.shared) over a SQLAlchemy engine."""

    def __init__(self, engine: Engine, where: str) -> None:
        self.engine = engine
        self.where = where

    def _failed(self, exc: BaseException, doing: str) -> ObjectStoreError:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ObjectStoreError(
            f"Could not {doing} the shared object store in {self.where}: {reason}; "
            "check that the database can be reached, then try again."
        )

    def has(self, kind: str, name: str) -> bool:
        return not self.missing(kind, [name])

    def missing(self, kind: str, names: Iterable[str]) -> set[str]:
        wanted = sorted(set(names))
        if not wanted:
            return set()
        found: set[str] = set()
        query = text(f"SELECT name FROM {TABLE} WHERE kind = :kind AND name IN :names").bindparams(
            bindparam("names", expanding=True)
        )
        try:
            with self.engine.connect() as conn:
                for batch in _batches(wanted):
                    found.update(conn.execute(query, {"kind": _KIND_CODE[kind], "names": list(batch)}).scalars())
        except sa_exc.SQLAlchemyError as exc:
            raise self._failed(exc, "read") from None
        return set(wanted) - found

    def get(self, kind: str, names: Iterable[str]) -> list[StoredStream]:
        wanted = sorted(set(names))
        out: list[StoredStream] = []
        query = text(f"SELECT name, size, codec, data FROM {TABLE} WHERE kind = :kind AND name IN :names").bindparams(
            bindparam("names", expanding=True)
        )
        try:
            with self.engine.connect() as conn:
                for batch in _batches(wanted):
                    for name, size, codec, data in conn.execute(query, {"kind": _KIND_CODE[kind], "names": list(batch)}):
                        out.append(StoredStream(kind, name, int(size), codec, bytes(data)))
        except sa_exc.SQLAlchemyError as exc:
            raise self._failed(exc, "read from") from None
        return out

    def put(self, streams: Sequence[StoredStream]) -> int:
        if not streams:
            return 0
        insert = text(
            f"INSERT INTO {TABLE} (kind, name, size, codec, data) VALUES (:kind, :name, :size, :codec, :data) "
            "ON CONFLICT DO NOTHING"
        )
        rows = [{"kind": _KIND_CODE[s.kind], "name": s.name, "size": s.size, "codec": s.codec, "data": s.data}
                for s in streams]
        try:
            with self.engine.begin() as conn:
                result = conn.execute(insert, rows)
                return max(int(result.rowcount or 0), 0)
        except sa_exc.SQLAlchemyError as exc:
            raise self._failed(exc, "write to") from None


"""Recording a version without ever failing what was already done on disk (DESIGN.md,
"Graceful degradation"): a database error becomes a reason in the result, and the next
sync reconciles what the copy holds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import LineageError

if TYPE_CHECKING:
    from core.workspace import Workspace

try:
    from sqlalchemy.exc import SQLAlchemyError as _SQLAlchemyError
except ImportError:  # pragma: no cover - SQLAlchemy is a declared dependency
    class _SQLAlchemyError(Exception):  # type: ignore[no-redef]
        pass

RECORD_ERRORS: tuple[type[BaseException], ...] = (LineageError, _SQLAlchemyError)

__all__ = ["RECORD_ERRORS", "Recorded", "record_quietly"]


@dataclass
class Recorded:
    version_id: int | None = None
    recorded: bool = False
    reason: str | None = None
    failed: bool = False


def record_quietly(
    ws: "Workspace", artifact_id: int, content_hash: str, origin: str, *, parent: Any = None,
    metadata: dict[str, Any] | None = None, line: str = "collection", parent_id: int | None = None,
    second_parent_id: int | None = None,
) -> Recorded:
    """History.record_version; `parent` None means the line's head. Never raises for the database."""
    from core.history import HEAD

    try:
        outcome = ws.history.record_version(
            artifact_id, content_hash, origin, parent_hash=HEAD if parent is None else parent,
            metadata=metadata, created_at=ws.clock() if ws.clock is not None else None, line=line,
            parent_id=parent_id, second_parent_id=second_parent_id,
        )
    except RECORD_ERRORS as exc:
        return Recorded(
            reason=f"The version could not be recorded ({exc}); the next sync will record what the collection holds.",
            failed=True,
        )
    version_id = outcome.version.id if outcome.version else None
    if outcome.recorded:
        return Recorded(version_id=version_id, recorded=True)
    return Recorded(version_id=version_id, reason=outcome.reason)

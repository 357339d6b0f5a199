"""Cancelling long work from the outside: a git fetch, a sync in progress.

The caller (the window's Cancel button, a CLI's Ctrl+C handler) owns a check —
any callable returning True once the person asked to stop — and runs the work
inside `cancellable(check)`. Code deep down (the git runner) polls `cancelled()`
while it waits and raises `Cancelled`, so no signature between the two has to
carry the check. A context variable keeps threads apart: the window's worker
threads each have their own.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from core.errors import LineageError

CancelCheck = Callable[[], bool]

_check: ContextVar[CancelCheck | None] = ContextVar("artifact_lineage_cancel_check", default=None)


class Cancelled(LineageError):
    """The person asked to stop; what was interrupted left nothing half-done."""


@contextmanager
def cancellable(check: CancelCheck | None) -> Iterator[None]:
    """Run the body with `check` as the current cancel check (None: not cancellable)."""
    token = _check.set(check)
    try:
        yield
    finally:
        _check.reset(token)


def cancelled() -> bool:
    check = _check.get()
    return bool(check is not None and check())

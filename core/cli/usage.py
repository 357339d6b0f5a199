"""UsageError: bad input found after parsing (exit 2), shared by main and the sub-commands."""
from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """Bad input found after parsing (exit 2)."""

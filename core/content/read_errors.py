"""How a failed read or walk is told: one sentence naming the path (core.content's walk and reads).

Kept apart from core.content.readers, which imports hashlib and the threading machinery,
so the walk of a stat cache's re-check imports none of that.
"""
from __future__ import annotations

import os

from core.errors import HashingError, describe_os_error

__all__ = ["read_error", "show_path", "swapped_error"]


def show_path(root_str: str, rel: bytes) -> str:
    return os.path.join(root_str, os.fsdecode(rel))


def swapped_error(where: str) -> HashingError:
    return HashingError(
        f"Cannot hash '{where}': it was replaced (by a link or another file) while it was being hashed; "
        "try again once nothing is changing it."
    )


def read_error(where: str, exc: OSError) -> HashingError:
    if isinstance(exc, FileNotFoundError):
        return HashingError(
            f"Cannot read '{where}': it disappeared while hashing; try again once nothing is changing it."
        )
    return HashingError(f"Cannot read '{where}': {describe_os_error(exc, 'check its permissions and try again')}.")

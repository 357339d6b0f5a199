"""Artifact Lineage desktop window (Qt). Holds no business rules: it asks core and shows."""
from __future__ import annotations

import sys


def _pin_none_refcount() -> None:
    """Work around a shiboken6 6.12 reference-count bug on CPython < 3.12.

    There every call of a Qt method returning void hands back None without a new
    reference, so each call lowers None's count by one; after a few thousand calls
    (one repaint of a large graph) the interpreter aborts with "Fatal Python error:
    none_dealloc". CPython 3.12 made None immortal (PEP 683), so the bug is harmless
    there; here we give None a count no session can exhaust, which is what 3.12 does.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    refcnt = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is PyObject's first field
    if refcnt.value < 1 << 40:
        refcnt.value += 1 << 40


_pin_none_refcount()

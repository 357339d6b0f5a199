"""Search hits on the graph: the versions a query matched stay lit, the others dim.

The view owns one `SearchMarks` and calls `apply` after items are made (node items are
made band by band as the view scrolls: a band made later dims as it appears) and when
the matches change. Only opacity changes, so highlighting by others (selection rings,
ancestry) draws over it unchanged.
"""
from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.graph.scene import LineageScene

DIM_OPACITY = 0.22


class SearchMarks:
    def __init__(self) -> None:
        self.lit: frozenset[int] | None = None  # None: no search, nothing dims
        self._done = 0  # items (in the scene's making order) already given their opacity

    def set(self, built: "LineageScene | None", ids: Iterable[int] | None) -> None:
        self.lit = None if ids is None else frozenset(ids)
        self._done = 0
        self.apply(built)

    def reset(self) -> None:
        """A new graph: its items start lit; the search that owns the marks sets them again."""
        self.lit = None
        self._done = 0

    def apply(self, built: "LineageScene | None") -> None:
        """Give items made since the last call (or all, after `set`) their opacity."""
        if built is None:
            return
        items = built.items
        if self._done >= len(items):
            return
        lit = self.lit
        for key, item in islice(items.items(), self._done, None):
            item.setOpacity(1.0 if lit is None or key in lit else DIM_OPACITY)
        self._done = len(items)

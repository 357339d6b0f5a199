"""Search hits on the graph: the versions a query matched stay lit, the others dim.

`SearchMarks.set(plan, ids)` turns core's answer (version ids, `core.ancestry.SearchIndex`)
into what the graph draws: the drawn nodes that stay lit (a version drawn itself, or the
folded run that holds it), how many hits each folded run holds (its label says so), and
the hits' places for the scroll bar's ticks. Nothing here touches an item: the node items
read `GraphStyle.search` and `GraphStyle.fold_hits` when they paint (as the ancestry
highlight reads `GraphStyle.lit`), so a keystroke costs one pass over the hits and one
repaint of what is on screen, whatever the size of the graph, and a band whose items are
made later is drawn right at once.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.graph.items import NodeKey
    from gui.graph.scene import ScenePlan

def prefix_hits(plan: "ScenePlan", prefix: str) -> list[int]:
    """The versions whose hash starts with `prefix` (lowercase), those inside folded runs too
    (a run keeps its members' hashes)."""
    graph = plan.graph
    hits = [n for n, d in graph.nodes(data=True) if isinstance(n, int) and d["content_hash"].startswith(prefix)]
    hits += [m for m, run in plan.fold_of.items() if graph.nodes[run].get("hashes", {}).get(m, "").startswith(prefix)]
    return hits


TICKS = 2000  # scroll-bar hit ticks are kept one per 1/TICKS of the graph's height


class SearchMarks:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """No search: nothing dims."""
        self.versions: frozenset[int] | None = None  # the matched versions (None: no search)
        self.lit: frozenset[NodeKey] | None = None  # drawn nodes at full strength
        self.fold_hits: dict[NodeKey, int] = {}  # folded run -> hits inside it
        self.hits: list[NodeKey] = []  # drawn nodes holding a hit, newest first, once each

    def set(self, plan: "ScenePlan | None", ids: Iterable[int] | None) -> None:
        """The matches of a query (None: no search) on `plan`'s graph."""
        if ids is None:
            self.reset()
            return
        self.versions = frozenset(ids)
        points = plan.points if plan is not None else {}
        fold_of = plan.fold_of if plan is not None else {}
        lit: set = set()
        counts: dict = {}
        hits: list = []
        for vid in self.versions:
            if vid in points:
                lit.add(vid)
                hits.append(vid)
                continue
            run = fold_of.get(vid)
            if run is not None:
                if run not in counts:
                    hits.append(run)
                counts[run] = counts.get(run, 0) + 1
        lit.update(counts)
        self.lit, self.fold_hits, self.hits = frozenset(lit), counts, hits

    def ticks(self, plan: "ScenePlan", top: float, height: float) -> list[float]:
        """Where the hits are for the scroll bar (fractions of the height from the top), one per
        1/TICKS of it: 10,000 hits are a few hundred ticks."""
        from gui.graph.items import ROW_H

        lane_row, max_row = plan.lane_row, plan.max_row
        rows = {lane_row[key][1] for key in self.hits if key in lane_row}
        scale = TICKS / height
        slots = {int(((max_row - row) * ROW_H - top) * scale) for row in rows}  # the row's y (gui.graph.scene)
        return sorted((slot + 0.5) / TICKS for slot in slots)

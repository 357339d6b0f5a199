"""The find box as a filter: a query (core.ancestry.query) keeps its matches lit in the
graph and dims the rest; Enter / F3 / Shift+F3 walk the matches; the count shows. A match
inside a folded run is reached by unfolding the run (the graph asks the browser to redraw):
the walk keeps its place across that reload.

Matching is core's (`SearchIndex`, built once per loaded history, and only when a query is
typed: a history loads with the box empty nearly always, and indexing 10,000 versions costs
60-120 ms of CPU, on every load). A history of more than `INDEX_NOW_MAX` versions is
indexed on a worker while the count says "searching…". A query whose file: or text: terms
would read the object store is matched on a worker the first time (`SearchWorker`); its
answer is kept by the index, so the next keystroke answers at once. A reply to an older
query is dropped.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QLabel, QLineEdit

from core.ancestry import Query, SearchIndex, parse_query
from core.errors import QueryError
from gui.graph.view import LineageView
from gui.workers import SearchReply, SearchWorker, Worker, WorkerPool

SEARCHING = "searching…"
INDEX_NOW_MAX = 2000  # versions indexed on the GUI thread when a query needs them (a few ms); more: a worker


class VersionSearch(QObject):
    message = Signal(str, int)  # a status-bar message and how long to show it (ms)

    def __init__(self, edit: QLineEdit, count: QLabel, graph: LineageView, browser: QObject,
                 objects: object, pool: WorkerPool, artifact_name: Callable[[], str],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.artifact_name = artifact_name
        self.edit, self.count, self.graph, self.browser = edit, count, graph, browser
        self.objects = objects
        self.pool = pool
        self.index: SearchIndex | None = None
        self._indexed: list | None = None  # the versions list the index was built from
        self._indexing: list | None = None  # the versions list a worker is indexing
        self.query: Query | None = None
        self.matches: list[int] | None = None  # newest first; None: no search
        self._at: int | None = None
        self._seq = 0
        self.base_tip = edit.toolTip()
        edit.textChanged.connect(self.refilter)
        edit.returnPressed.connect(self.select_next)
        browser.loaded.connect(self._on_loaded)

    # ---- filtering -----------------------------------------------------------
    def _index(self) -> SearchIndex | None:
        """The shown history's index; None while a worker builds it (or with no versions)."""
        versions = self.browser.versions
        if self._indexed is versions:
            return self.index
        if not versions or len(versions) <= INDEX_NOW_MAX:
            self._set_index(versions, SearchIndex(versions, self.objects) if versions else None)
            return self.index
        if self._indexing is not versions:
            self._indexing = versions
            objects = self.objects
            worker = Worker(lambda: SearchIndex(versions, objects))
            self.pool.start(worker, finished=lambda index: self._on_indexed(versions, index),
                            failed=lambda text: self._on_index_failed(versions, text))
        return None

    def _set_index(self, versions: list, index: SearchIndex | None) -> None:
        self.index, self._indexed = index, versions

    def _on_indexed(self, versions: list, index: SearchIndex) -> None:
        if self._indexing is versions:
            self._indexing = None
        if versions is self.browser.versions:  # not another history loaded meanwhile
            self._set_index(versions, index)
            if self.query is not None and not self.query.empty:
                self.refilter()

    @Slot(int)
    def _on_loaded(self, _artifact_id: int) -> None:
        walked = self.matches[self._at] if self.matches and self._at is not None else None
        self.refilter()
        if walked is not None and self.matches and walked in self.matches:
            # The history was redrawn (a folded run opened on the match walked to): keep the place.
            self._at = self.matches.index(walked)
            self.count.setText(f"{self._at + 1:,} of {len(self.matches):,}")

    @Slot()
    def refilter(self) -> None:
        """Match the box's query again (each keystroke, and when a history loads)."""
        self._seq += 1
        self._at = None
        text = self.edit.text()
        try:
            query = parse_query(text, typing=True)
        except QueryError as exc:
            self.query = None
            self._show(None, "?", str(exc))
            return
        self.query = query
        if query.empty or not self.browser.versions:
            self._show(None, "", "")
            return
        index = self._index()
        if index is None:  # indexed on a worker: refilter() runs again when it is ready
            self.count.setText(SEARCHING)
            return
        ids = index.match(query, content=False)
        if ids is None:
            self.count.setText(SEARCHING)
            worker = SearchWorker(index, query, self._seq)
            self.pool.start(worker, finished=self._on_reply, failed=self._on_failed)
            return
        self._apply(ids)

    def _on_index_failed(self, versions: list, text: str) -> None:
        if self._indexing is versions:
            self._indexing = None  # the next keystroke tries again
        self._on_failed(text)

    @Slot(object)
    def _on_reply(self, reply: SearchReply) -> None:
        if reply.seq == self._seq:
            self._apply(reply.ids)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self._show(None, "?", text)
        self.message.emit(text, 8000)

    def _apply(self, ids: list[int]) -> None:
        n = len(ids)
        self._show(ids, f"{n:,} match" + ("" if n == 1 else "es") if n else "no match",
                   "Enter or F3: next match, Shift+F3: previous")

    def _show(self, ids: list[int] | None, count: str, tip: str) -> None:
        self.matches = ids
        self.graph.set_search_matches(ids)
        self.count.setText(count)
        self.count.setToolTip(tip)
        self.edit.setToolTip(tip if count == "?" else self.base_tip)

    # ---- walking -------------------------------------------------------------
    @Slot()
    def select_next(self) -> int | None:
        return self._step(+1)

    @Slot()
    def select_previous(self) -> int | None:
        return self._step(-1)

    def _step(self, direction: int) -> int | None:
        if self.matches is None:
            if self.query is None and self.edit.text().strip():
                self.message.emit(self.count.toolTip(), 8000)
            return None
        if not self.matches:
            self.message.emit(self._no_match_text(), 8000)
            return None
        n = len(self.matches)
        if self._at is None:
            self._at = 0 if direction > 0 else n - 1
        else:
            self._at = (self._at + direction) % n
        version_id = self.matches[self._at]
        # Inside a folded run, the graph asks the browser to unfold it there and select it.
        if self.graph.reveal_version(version_id):
            self.browser.show_version(version_id)
        self.count.setText(f"{self._at + 1:,} of {n:,}")
        return version_id

    def _no_match_text(self) -> str:
        name = self.artifact_name()
        text = self.edit.text().strip()
        if self.query is not None and self.query.words == (text.lower(),) \
                and all(c in "0123456789abcdef" for c in text.lower()):
            return f"No version of {name} starts with '{text.lower()}'; check the prefix."
        return f"No version of {name} matches '{text}'."

"""One artifact's versions, shown in the graph and the compare panel together.

The browser holds the versions of the artifact on screen (from `History.versions`,
newest first) and keeps the two views in step: a node selected in the graph (click,
keys, find) is shown in the compare panel against its parent; Ctrl+click compares two
versions; a ghost (legacy parent) clears the panel with the reason. The "waiting upstream"
ghost fetches the upstream on a worker (core.sync.upstream_preview stores its content,
records nothing), then compares the head with it. It decides nothing about versions
itself: numbering, parents and diffs are core's.

`open` loads an artifact through `gui.graph.loader` (versions read and the graph
planned on a worker) and draws it when the reply arrives, then emits `loaded`. Until
then the previous artifact stays on screen; a load that takes longer than
`LOADING_NOTICE_MS` replaces it with a "Loading…" notice.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from collections.abc import Callable
from typing import TYPE_CHECKING

from core.history import VersionInfo
from gui.compare.panel import ComparePanel

from gui.graph.anchor import ViewAnchor, capture, restore
from gui.graph.scene import ScenePlan, ViewOptions
from gui.graph.view import LineageView
from gui.graph.loader import LineageLoader, LineageReply
from gui.workers import UpstreamStateWorker, WorkerPool

if TYPE_CHECKING:
    from core.sync.upstream_preview import UpstreamState
    from core.workspace import Workspace

FETCHING = "Fetching upstream…"

LOADING_NOTICE_MS = 150  # a load this quick swaps the graph without a notice in between


class VersionBrowser(QObject):
    versionShown = Signal(int)  # this version is now in the compare panel
    message = Signal(str, int)  # a status-bar message and how long to show it (ms)
    loaded = Signal(int)  # this artifact's versions are now drawn (or its failure shown)

    def __init__(self, workspace: "Workspace", pool: WorkerPool, graph: LineageView, compare: ComparePanel,
                 loader: LineageLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.history = workspace.history
        self.pool = pool
        self._fetching: tuple[int, str] | None = None  # (artifact, waiting hash) whose upstream is being fetched
        self._fetch_worker: UpstreamStateWorker | None = None
        self._requested_waiting: str | None = None  # the waiting upstream the newest load was asked to draw
        self.graph = graph
        self.compare = compare
        self.loader = loader
        self.versions: list[VersionInfo] = []
        self.artifact_id: int | None = None  # whose versions `versions` holds
        self.loading: int | None = None  # the artifact being loaded, if any
        self._wanted: int | None = None
        self._by_id: dict[int, VersionInfo] = {}
        self._head_id: int | None = None
        self.shown_version: int | None = None
        self._anchor: ViewAnchor | None = None  # where to keep the view when a `grow` reload arrives
        # What the person chose to see (gui.graph.scene.ViewOptions), and the upstream
        # state waiting for an artifact (the window feeds it from core.sync's statuses).
        self.hidden_lines: set[str] = set()
        self.fold = True  # past a screenful, straight runs fold (core.history.lineage_view.fold_for_screen)
        self._unfolded: set = set()
        self.waiting_of: Callable[[int], str | None] = lambda _artifact_id: None
        self._notice = QTimer(self)
        self._notice.setSingleShot(True)
        self._notice.setInterval(LOADING_NOTICE_MS)
        self._notice.timeout.connect(self._show_loading_notice)
        loader.loaded.connect(self.show_loaded)
        graph.versionSelected.connect(self.show_version)
        graph.compareRequested.connect(self._on_compare_requested)
        graph.ghostSelected.connect(self._on_ghost_selected)
        graph.waitingSelected.connect(self._on_waiting_selected)
        graph.foldActivated.connect(self._on_fold_activated)
        compare.compareWithRequested.connect(self._on_compare_with)

    def open(self, artifact_id: int, wanted: int | None = None) -> None:
        """Load the artifact on a worker, then draw it and select `wanted` (else the head)."""
        if artifact_id != self.artifact_id:
            self._unfolded = set()
        self._anchor = None
        self.loading = artifact_id
        self._wanted = wanted
        self._requested_waiting = self.waiting_of(artifact_id)
        # The version to select is never folded away (nor are the runs the person opened).
        keep = self._unfolded | ({wanted} if wanted is not None else set())
        options = ViewOptions(frozenset(self.hidden_lines), frozenset(keep), self._requested_waiting, self.fold,
                              self.graph.screen_rows())
        self.loader.request(artifact_id, options)
        self._notice.start()

    @Slot()
    def _show_loading_notice(self) -> None:
        if self.loading is not None:
            self.graph.clear_graph("Loading the history…")
            self.compare.clear_panel("Loading the history…")

    @Slot(object)
    def show_loaded(self, reply: LineageReply) -> None:
        """Draw a loaded history (the loader delivers only the newest request's reply)."""
        self._notice.stop()
        self.loading = None
        self._fetching = None
        self.artifact_id = reply.artifact_id
        self.versions = reply.versions
        self._by_id = {v.id: v for v in self.versions}
        self._head_id = reply.head_id
        self.shown_version = None
        if reply.error is not None:
            self.graph.clear_graph(reply.error)
            self.compare.clear_panel(reply.error)
        elif self._anchor is not None and self.graph.graph() is not None:
            self._grow(reply.plan, self._wanted, self._anchor)
        else:
            self._draw(reply.plan, self._wanted)
        self._anchor = None
        self.loaded.emit(reply.artifact_id)
        if reply.error is None and self.waiting_of(reply.artifact_id) != self._requested_waiting:
            # The states changed while this loaded (the window's status check replied
            # mid-load): draw the waiting upstream as it is now. Once: the new request
            # carries the current state.
            self.reload()

    def head(self) -> VersionInfo | None:
        """The collection's head (not a newer project version), as the loader found it."""
        return self._by_id.get(self._head_id) if self._head_id is not None else None

    def _draw(self, plan: ScenePlan | None, wanted: int | None) -> None:
        """Draw the planned graph and select `wanted` (the head when it is not among them)."""
        head = self.head()
        if head is None or plan is None:
            self.graph.clear_graph("No versions yet. Click Sync now to copy this artifact in.")
            self.compare.clear_panel("Nothing recorded for this artifact yet.")
            return
        self.graph.show_plan(plan)
        target = wanted if wanted in self._by_id else head.id
        self.graph.select_version(target, center=True)
        self.show_version(target)

    def grow(self) -> None:
        """Load the shown artifact again (history recorded elsewhere, seen live) and draw it in
        place: the same version selected, the view where it was, no notice in between."""
        if self.artifact_id is None or self.loading is not None:
            if self.loading is not None:
                self.open(self.loading, self._wanted)  # a load is on its way: ask again, with the news
            return
        anchor = capture(self.graph)
        self.open(self.artifact_id, self.shown_version)
        self._notice.stop()  # the graph on screen stays until the grown one replaces it
        self._anchor = anchor

    def _grow(self, plan: ScenePlan | None, wanted: int | None, anchor: ViewAnchor) -> None:
        head = self.head()
        if head is None or plan is None:
            self._draw(plan, wanted)
            return
        self.graph.show_plan(plan)
        target = wanted if wanted in self._by_id else head.id
        self.graph.select_version(target, center=False)  # may scroll to show its label: the anchor wins
        restore(self.graph, anchor)
        self.show_version(target)

    def on_head(self) -> bool:
        head = self.head()
        return head is not None and self.shown_version == head.id

    def _version(self, version_id: int) -> VersionInfo:
        return self._by_id.get(version_id) or self.history.version(version_id)

    @Slot(int)
    def show_version(self, version_id: int) -> None:
        """Show `version_id` against its parent in the compare panel."""
        if version_id == self.shown_version:
            return
        self._fetching = None
        version = self._version(version_id)
        parent = self._version(version.parent_id) if version.parent_id is not None else None
        self.shown_version = version_id
        self.compare.show_version(version, parent, all_versions=self.versions)
        self.versionShown.emit(version_id)

    @Slot(int, int)
    def _on_compare_requested(self, first_id: int, second_id: int) -> None:
        self._fetching = None
        a, b = self._version(first_id), self._version(second_id)
        old, new = sorted((a, b), key=lambda v: v.id)  # recording order: the older one on the left
        self.compare.show_pair(old, new)

    @Slot(int)
    def _on_compare_with(self, other_id: int) -> None:
        # The panel has already re-targeted itself (see gui.compare.panel); just say what is shown.
        if other_id in self._by_id:
            self.message.emit(f"Comparing with {self.compare.label_of(other_id)}", 6000)

    @Slot(str)
    def _on_ghost_selected(self, content_hash: str) -> None:
        self.shown_version = None
        self._fetching = None
        self.compare.clear_panel(
            f"Legacy parent {content_hash[:12]}: this content existed before tracking began, "
            "so it was never stored and cannot be compared."
        )

    def reload(self) -> None:
        """Load the shown artifact again (history recorded, lines hidden, a run unfolded)."""
        if self.artifact_id is not None:
            self.open(self.artifact_id, self.shown_version)

    @Slot(object, object)
    def _on_fold_activated(self, key: object, select: object = None) -> None:
        """Unfold a run in place; select `select` (a member a walk key or a search reached)."""
        graph = self.graph.graph()
        if graph is not None and key in graph:
            self._unfolded |= set(graph.nodes[key].get("members", ()))
            if self.artifact_id is not None:
                wanted = select if isinstance(select, int) else self.shown_version
                self.open(self.artifact_id, wanted)

    def compare_waiting(self, content_hash: str) -> None:
        """Compare the head with the waiting upstream (as a click on its ghost does; the node menu)."""
        self._on_waiting_selected(content_hash)

    @Slot(str)
    def _on_waiting_selected(self, content_hash: str) -> None:
        self.shown_version = None
        head = self.head()
        if head is None or self.artifact_id is None:
            self._fetching = None
            self.compare.clear_panel("Nothing recorded for this artifact yet: Sync now copies the upstream in.")
            return
        if head.content_hash == content_hash:
            self._fetching = None
            self.compare.clear_panel("The upstream holds the collection's content already.")
            return
        # The status check only hashed the upstream; fetch and store its content (no version
        # recorded) so the comparison reads it like any stored version.
        self._fetching = (self.artifact_id, content_hash)
        self.compare.clear_panel(FETCHING)
        self.message.emit(FETCHING, 4000)
        worker = UpstreamStateWorker(self.workspace, self.artifact_id)
        self._fetch_worker = worker
        self.pool.start(worker, finished=lambda state: self._on_upstream_stored(state, worker),
                        failed=lambda text: self._on_upstream_failed(text, worker))

    def _current_fetch(self, worker: object) -> bool:
        """The reply comes from the fetch still wanted (not one the selection has moved on from)."""
        return self._fetching is not None and worker is self._fetch_worker

    def _on_upstream_stored(self, state: "UpstreamState", worker: object) -> None:
        head = self.head()
        if not self._current_fetch(worker) or head is None or state.artifact_id != self.artifact_id:
            return
        self._fetching = None
        self.compare.show_waiting_upstream(head, state.content_hash, all_versions=self.versions)
        self.message.emit(f"Comparing the head with the waiting upstream {state.content_hash[:12]}.", 6000)

    def _on_upstream_failed(self, text: str, worker: object) -> None:
        if not self._current_fetch(worker):
            return
        self._fetching = None
        self.compare.clear_panel(text)
        self.message.emit(text, 10000)

    def find(self, prefix: str, artifact_name: str) -> int | None:
        """Select the newest version whose hash starts with `prefix`; say so either way."""
        prefix = prefix.strip().lower()
        if not prefix:
            return None
        found = self.graph.find_by_prefix(prefix)  # emits versionSelected → show_version
        if found is None:
            self.message.emit(f"No version of {artifact_name} starts with '{prefix}'; check the prefix.", 8000)
        else:
            self.show_version(found)
            self.message.emit(f"Selected {self.compare.label_of(found)}.", 4000)
        return found

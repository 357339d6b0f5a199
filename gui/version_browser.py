"""One artifact's versions, shown in the graph and the compare panel together.

The browser holds the versions of the artifact on screen (from `History.versions`,
newest first) and keeps the two views in step: a node selected in the graph (click,
keys, find) is shown in the compare panel against its parent; Ctrl+click compares two
versions; a ghost (legacy parent) clears the panel with the reason. It decides
nothing about versions itself: numbering, parents and diffs are core's.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from core.history import History, VersionInfo
from core.history.lineage import head_of
from gui.compare_view import ComparePanel
from gui.graph_view import LineageView


class VersionBrowser(QObject):
    versionShown = Signal(int)  # this version is now in the compare panel
    message = Signal(str, int)  # a status-bar message and how long to show it (ms)

    def __init__(self, history: History, graph: LineageView, compare: ComparePanel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.graph = graph
        self.compare = compare
        self.versions: list[VersionInfo] = []
        self._by_id: dict[int, VersionInfo] = {}
        self.shown_version: int | None = None
        graph.versionSelected.connect(self.show_version)
        graph.compareRequested.connect(self._on_compare_requested)
        graph.ghostSelected.connect(self._on_ghost_selected)
        compare.compareWithRequested.connect(self._on_compare_with)

    def load(self, artifact_id: int) -> None:
        """Read the artifact's versions (one indexed query); nothing is drawn yet."""
        self.versions = self.history.versions(artifact_id)
        self._by_id = {v.id: v for v in self.versions}
        self.shown_version = None

    def head(self) -> VersionInfo | None:
        return head_of(self.versions)  # the collection's head, not a newer project version

    def show(self, wanted: int | None) -> None:
        """Draw the loaded versions and select `wanted` (the head when it is not among them)."""
        head = self.head()
        if head is None:
            self.graph.clear_graph("No versions yet. Click Sync now to copy this artifact in.")
            self.compare.clear_panel("Nothing recorded for this artifact yet.")
            return
        self.graph.set_versions(self.versions, head.id)
        target = wanted if wanted in self._by_id else head.id
        self.graph.select_version(target, center=True)
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
        version = self._version(version_id)
        parent = self._version(version.parent_id) if version.parent_id is not None else None
        self.shown_version = version_id
        self.compare.show_version(version, parent, all_versions=self.versions)
        self.versionShown.emit(version_id)

    @Slot(int, int)
    def _on_compare_requested(self, first_id: int, second_id: int) -> None:
        a, b = self._version(first_id), self._version(second_id)
        old, new = sorted((a, b), key=lambda v: v.id)  # recording order: the older one on the left
        self.compare.show_pair(old, new)

    @Slot(int)
    def _on_compare_with(self, other_id: int) -> None:
        # The panel has already re-targeted itself (see gui.compare_view); just say what is shown.
        if other_id in self._by_id:
            self.message.emit(f"Comparing with {self.compare.label_of(other_id)}", 6000)

    @Slot(str)
    def _on_ghost_selected(self, content_hash: str) -> None:
        self.shown_version = None
        self.compare.clear_panel(
            f"Legacy parent {content_hash[:12]}: this content existed before tracking began, "
            "so it was never stored and cannot be compared."
        )

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

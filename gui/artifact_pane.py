"""The left pane: the filter box and the artifact tree (grouped by type, with states).

The pane owns the list model and its filter proxy; the window feeds them (names
from `History.list_artifacts`, states from core) and listens to
`artifactActivated`. The name column is as wide as the longest name and the pane
asks for enough width to show it beside the state, so typical names are never
elided; a name longer than `MAX_WIDTH` allows scrolls sideways instead.
"""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QItemSelection, QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTreeView, QVBoxLayout, QWidget

from core.history import ArtifactInfo
from gui.artifact_model import NAME_COLUMN, STATE_COLUMN, ArtifactFilterProxy, ArtifactIdRole, ArtifactListModel

MIN_WIDTH = 250  # room for a short name beside "upstream changed"
MAX_WIDTH = 380  # the pane never claims more than this for a long name: the graph needs the room


class ArtifactPane(QWidget):
    artifactActivated = Signal(int)  # the user (or select()) made this artifact current
    artifactMenuRequested = Signal(int, QPoint)  # right-click on an artifact: (id, global position)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ArtifactListModel(self)
        self.proxy = ArtifactFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter artifacts")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAllColumnsShowFocus(True)
        # Only when the pane is dragged narrower than a name: cut it in the middle
        # ("changelog-…-writer"), as its start and end are what people recognise.
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STATE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)  # the state column takes what is left
        self.tree.selectionModel().selectionChanged.connect(self._on_selection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_context_menu)
        self.setMinimumWidth(MIN_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)

    def set_artifacts(self, artifacts: Iterable[ArtifactInfo]) -> None:
        self.model.set_artifacts(artifacts)
        self.tree.expandAll()
        self.fit_width()

    def fit_width(self) -> None:
        """Ask for the width that shows every name and state unelided (within MIN/MAX_WIDTH)."""
        header = self.tree.header()
        columns = sum(max(self.tree.sizeHintForColumn(c), header.sectionSizeHint(c))
                      for c in (NAME_COLUMN, STATE_COLUMN))
        margins = self.layout().contentsMargins()
        scrollbar = self.tree.verticalScrollBar().sizeHint().width()
        wanted = columns + 2 * self.tree.frameWidth() + margins.left() + margins.right() + scrollbar
        self.setMinimumWidth(min(max(MIN_WIDTH, wanted), MAX_WIDTH))

    def select(self, artifact_id: int) -> None:
        """Make `artifact_id` the tree's current row (emits artifactActivated if it changes)."""
        index = self.proxy.mapFromSource(self.model.index_of(artifact_id))
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        artifact_id = indexes[0].data(ArtifactIdRole)
        if artifact_id is not None:
            self.artifactActivated.emit(int(artifact_id))

    @Slot(QPoint)
    def _on_context_menu(self, pos: QPoint) -> None:
        artifact_id = self.tree.indexAt(pos).data(ArtifactIdRole)
        if artifact_id is not None:
            self.artifactMenuRequested.emit(int(artifact_id), self.tree.viewport().mapToGlobal(pos))

    @Slot(str)
    def _on_filter(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self.tree.expandAll()

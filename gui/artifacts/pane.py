"""The left pane: the filter box and the artifact tree (grouped by type, with states).

The pane owns the list model and its filter proxy; the window feeds them (names
from `History.list_artifacts`, states from core) and listens to
`artifactActivated`. The name column is as wide as the longest name and the pane
asks for enough width to show it beside the state, so typical names are never
elided; a name longer than `MAX_WIDTH` allows scrolls sideways instead.

The widths are worked out from the text, once per list (names) and once for all
states, never by measuring rows: a column that resizes to its contents re-measures
every row on every change, which made an update of 1,000 states quadratic.
"""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QItemSelection, QPoint, QSize, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyle,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from core.history import ArtifactInfo
from gui.style import icons
from gui.artifacts.model import NAME_COLUMN, STATE_COLUMN, ArtifactFilterProxy, ArtifactIdRole, ArtifactListModel

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
        # Several at once (Ctrl/Shift-click) for deploy and undeploy; the current row is the one shown.
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAllColumnsShowFocus(True)
        # Only when the pane is dragged narrower than a name: cut it in the middle
        # ("changelog-…-writer"), as its start and end are what people recognise.
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        # Sized from the texts (see size_columns), never ResizeToContents; the user may drag.
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the state column takes what is left
        self._name_width = self._state_width = 0
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
        self.size_columns()
        self.fit_width()

    def cell_width(self, text: str, *, icon: bool = False, font: QFont | None = None) -> int:
        """The width the view's style gives a cell showing `text` (and a state icon)."""
        option = QStyleOptionViewItem()
        option.initFrom(self.tree)
        option.font = font or self.tree.font()
        option.fontMetrics = QFontMetrics(option.font)
        option.text = text
        option.features = QStyleOptionViewItem.ViewItemFeature.HasDisplay
        if icon:
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
            size = self.tree.iconSize()
            if not size.isValid():
                extent = self.tree.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, self.tree)
                size = QSize(extent, extent)
            option.decorationSize = size
        hint = self.tree.style().sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, option, QSize(), self.tree)
        return hint.width()

    def size_columns(self) -> None:
        """Name column: the longest name (or group title) with its icon and indentation;
        state column: the longest state text. One measurement per column, not per row."""
        metrics = self.tree.fontMetrics()
        longest = max(self.model.names(), key=metrics.horizontalAdvance, default="")
        bold = icons.group_font(self.tree.font())
        titles = max((self.cell_width(t, font=bold) for t in self.model.group_titles()), default=0)
        header = self.tree.header()
        # Artifact rows sit one level in, behind the groups' branch indicators (as QTreeView
        # indents them: one indentation per level, one more for the decorated root).
        indent = self.tree.indentation() * (2 if self.tree.rootIsDecorated() else 1)
        self._name_width = max(self.cell_width(longest, icon=True) + indent,
                               titles + indent - self.tree.indentation())
        self._name_width = max(self._name_width, header.sectionSizeHint(NAME_COLUMN))
        if not self._state_width:
            self._state_width = max(max(self.cell_width(t) for t in icons.STATE_TEXT.values()),
                                    header.sectionSizeHint(STATE_COLUMN))
        header.resizeSection(NAME_COLUMN, self._name_width)

    def fit_width(self) -> None:
        """Ask for the width that shows every name and state unelided (within MIN/MAX_WIDTH)."""
        columns = self._name_width + self._state_width
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

    def selected_ids(self) -> list[int]:
        """The artifacts selected in the list (group rows left out), top to bottom."""
        ids = []
        for index in sorted(self.tree.selectionModel().selectedRows(NAME_COLUMN), key=lambda i: (i.parent().row(), i.row())):
            artifact_id = index.data(ArtifactIdRole)
            if artifact_id is not None:
                ids.append(int(artifact_id))
        return ids

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

"""The window as it was before issue 8, kept as the named baseline of bench_window_scale.py.

`install()` puts back, into this process's window, the parts issue 8 replaced:

- the artifact list as a QStandardItemModel: an item per cell, four setData calls (and
  as many dataChanged signals) per row per state update, both columns resizing to their
  contents, and the pane re-measuring its width after every state update;
- the version counts behind "open the artifact with the longest history" taken by
  loading every artifact's whole history;
- each artifact's history read, planned and drawn (every node item) on the GUI thread;
- the compare panel's "Compare with" combo filled with one item per version.

Only the bench's child process calls `install()`; nothing in the application imports
this module. The code below is the old code, adapted only where the new window's
seams differ (the pane's class, the browser's `open`, the combo's model).
"""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QHeaderView

from core.history import ArtifactInfo, History
from core.sync import ArtifactStatus
from gui.style import icons
from gui.artifacts.model import (
    GROUPS,
    NAME_COLUMN,
    STATE_COLUMN,
    ArtifactIdRole,
    ErrorRole,
    IsGroupRole,
    NameRole,
    StateRole,
)
from gui.artifacts.pane import ArtifactPane
from gui.compare.panel import ComparePanel


class ReferenceListModel(QStandardItemModel):
    """The old list model: two columns of QStandardItems under one item per type group."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Artifact", "State"])
        self._rows: dict[int, tuple[QStandardItem, QStandardItem]] = {}
        self._infos: dict[int, ArtifactInfo] = {}
        self._statuses: dict[int, ArtifactStatus] = {}

    def set_artifacts(self, artifacts: Iterable[ArtifactInfo]) -> None:
        self.beginResetModel()
        self.blockSignals(True)
        try:
            self.removeRows(0, self.rowCount())
            self._rows.clear()
            self._infos = {a.id: a for a in artifacts}
            by_type: dict[str, list[ArtifactInfo]] = {}
            for info in self._infos.values():
                group = info.type if info.type in dict(GROUPS) else "other"
                by_type.setdefault(group, []).append(info)
            for type_key, label in GROUPS:
                members = sorted(by_type.get(type_key, []), key=lambda a: a.name.lower())
                if not members:
                    continue
                group = QStandardItem(f"{label} ({len(members)})")
                group.setData(True, IsGroupRole)
                group.setData(type_key, NameRole)
                group.setFont(icons.group_font(group.font()))
                group.setSelectable(False)
                group.setEditable(False)
                filler = QStandardItem()
                filler.setSelectable(False)
                filler.setEditable(False)
                for info in members:
                    name_item = QStandardItem(info.name)
                    name_item.setEditable(False)
                    name_item.setData(info.id, ArtifactIdRole)
                    name_item.setData(info.name, NameRole)
                    name_item.setData(False, IsGroupRole)
                    state_item = QStandardItem()
                    state_item.setEditable(False)
                    state_item.setData(info.id, ArtifactIdRole)
                    group.appendRow([name_item, state_item])
                    self._rows[info.id] = (name_item, state_item)
                    self._paint_state(info.id)
                self.appendRow([group, filler])
        finally:
            self.blockSignals(False)
            self.endResetModel()

    def set_statuses(self, statuses: Iterable[ArtifactStatus]) -> None:
        for status in statuses:
            self._statuses[status.artifact_id] = status
            self._paint_state(status.artifact_id)

    def set_error(self, artifact_id: int, message: str) -> None:
        old = self._statuses.get(artifact_id)
        info = self._infos.get(artifact_id)
        if old is None and info is None:
            return
        self._statuses[artifact_id] = ArtifactStatus(
            artifact_id=artifact_id, name=old.name if old else info.name,  # type: ignore[union-attr]
            type=old.type if old else info.type,  # type: ignore[union-attr]
            state=icons.SyncState.ERROR, head=old.head if old else None, base=old.base if old else None,
            local=old.local if old else None, upstream=old.upstream if old else None, error=message,
        )
        self._paint_state(artifact_id)

    def status(self, artifact_id: int) -> ArtifactStatus | None:
        return self._statuses.get(artifact_id)

    def info(self, artifact_id: int) -> ArtifactInfo | None:
        return self._infos.get(artifact_id)

    def artifact_ids(self) -> list[int]:
        return list(self._infos)

    def state_of(self, artifact_id: int) -> str:
        status = self._statuses.get(artifact_id)
        return status.state.value if status else "checking"

    def index_of(self, artifact_id: int, column: int = NAME_COLUMN) -> QModelIndex:
        row = self._rows.get(artifact_id)
        return row[column].index() if row else QModelIndex()

    def names(self) -> list[str]:
        return [info.name for info in self._infos.values()]

    def group_titles(self) -> list[str]:
        return []

    def _paint_state(self, artifact_id: int) -> None:
        row = self._rows.get(artifact_id)
        if row is None:
            return
        name_item, state_item = row
        state = self.state_of(artifact_id)
        status = self._statuses.get(artifact_id)
        text = icons.state_text(state)
        state_item.setText(text)
        state_item.setData(state, StateRole)
        name_item.setData(state, StateRole)
        name_item.setIcon(icons.state_icon(state))
        error = status.error if status else None
        name_item.setData(error, ErrorRole)
        state_item.setData(error, ErrorRole)
        info = self._infos.get(artifact_id)
        tip = error or self._tooltip(info, text)
        name_item.setToolTip(tip)
        state_item.setToolTip(tip)

    @staticmethod
    def _tooltip(info: ArtifactInfo | None, state_text: str) -> str:
        if info is None:
            return state_text
        up = info.upstream
        where = up.location + (f" @ {up.ref}" if up.ref else "") + (f" : {up.subdir}" if up.subdir else "")
        return f"{info.name} ({info.type}) — {state_text}\nupstream: {where}\nin collection: {info.place}"


class ReferencePane(ArtifactPane):
    """The old pane: columns resized to their contents, width measured row by row."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.model = ReferenceListModel(self)
        self.proxy.setSourceModel(self.model)
        header = self.tree.header()
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STATE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)

    def size_columns(self) -> None:
        pass  # ResizeToContents did it, on every change

    def fit_width(self) -> None:
        header = self.tree.header()
        columns = sum(max(self.tree.sizeHintForColumn(c), header.sectionSizeHint(c))
                      for c in (NAME_COLUMN, STATE_COLUMN))
        margins = self.layout().contentsMargins()
        scrollbar = self.tree.verticalScrollBar().sizeHint().width()
        wanted = columns + 2 * self.tree.frameWidth() + margins.left() + margins.right() + scrollbar
        self.setMinimumWidth(min(max(250, wanted), 380))


class ReferenceComparePanel(ComparePanel):
    """The old "Compare with" combo: one item added per version, sized to all of them."""

    def _build(self) -> None:
        super()._build()
        self.compare_combo.setModel(QStandardItemModel(self.compare_combo))
        self.compare_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.compare_combo.setMinimumContentsLength(14)

    def clear_panel(self, message: str) -> None:
        super().clear_panel(message)
        self.compare_combo.clear()

    def _fill_combo(self) -> None:
        combo = self.compare_combo
        combo.blockSignals(True)
        combo.clear()
        version = self.version
        parent = self.parent_version
        combo.addItem("Parent" if parent is not None else "Nothing (no parent)", None)
        for v in self.all_versions:
            if v.id == version.id:
                continue
            label = f"{self._title(v)} · {v.content_hash[:8]}"
            if parent is not None and v.id == parent.id:
                label += " (parent)"
            combo.addItem(label, v.id)
            combo.setItemData(combo.count() - 1, v.content_hash, Qt.ItemDataRole.ToolTipRole)
        target = self.base.id if self.base is not None and (parent is None or self.base.id != parent.id) else None
        index = combo.findData(target) if target is not None else 0
        combo.setCurrentIndex(max(index, 0))
        combo.setEnabled(combo.count() > 1)
        self.compare_caption.setEnabled(combo.count() > 1)
        combo.blockSignals(False)

    def _combo_activated(self, index: int) -> None:
        if self.version is None:
            return
        chosen = self.compare_combo.itemData(index)
        other = next((v for v in self.all_versions if v.id == chosen), None)
        self._show(other if other is not None else self.parent_version, self.version)


def install() -> None:
    """Put the reference parts into the window classes of this process."""
    from gui.shell import main_window
    from gui.graph.scene import ViewOptions, plan_scene
    from gui.graph.view import LineageView
    from gui.graph.loader import LineageReply
    from gui.shell.version_browser import VersionBrowser

    main_window.ArtifactPane = ReferencePane
    main_window.ComparePanel = ReferenceComparePanel

    def version_counts(self: History) -> dict[int, int]:
        return {a.id: len(self.versions(a.id)) for a in self.list_artifacts()}

    History.version_counts = version_counts  # type: ignore[method-assign]

    after_states = main_window.MainWindow._after_states_changed

    def after_states_changed(self) -> None:
        self.left.fit_width()
        after_states(self)

    main_window.MainWindow._after_states_changed = after_states_changed  # type: ignore[method-assign]

    def open_on_gui_thread(self: VersionBrowser, artifact_id: int, wanted: int | None = None) -> None:
        # As before: the versions read with the collector running, then graph, layout and
        # scene built with it paused (the old set_versions paused it around all three).
        self.loading = artifact_id
        self._wanted = wanted
        from core.history.lineage import head_of

        versions = self.history.versions(artifact_id)
        head = head_of(versions)
        # The old window drew every version (no folding).
        plan = plan_scene(versions, head.id, ViewOptions(fold=False)) if head is not None else None
        self.show_loaded(LineageReply(0, artifact_id, versions, plan, head_id=head.id if head else None))

    VersionBrowser.open = open_on_gui_thread  # type: ignore[method-assign]

    show_plan = LineageView.show_plan

    def show_plan_with_every_item(self: LineageView, plan) -> None:
        show_plan(self, plan)
        self.built.ensure_all()

    LineageView.show_plan = show_plan_with_every_item  # type: ignore[method-assign]

"""The artifact list at scale: what an update of many states costs the model and the view.

States arrive for every artifact at once (at start, twice per Sync now). The list must
change its rows in place: a bounded number of model signals however many rows change,
no reset, no re-layout, and no measuring of every row (a column resizing to its
contents did that, and 1,000 states took 40 s). These tests count signals and size-hint
calls, never time.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QStyledItemDelegate

from core.history import ArtifactInfo
from core.upstreams import UpstreamSpec
from core.sync import ArtifactStatus, SyncState
from gui.artifacts.model import (
    NAME_COLUMN, STATE_COLUMN, ArtifactFilterProxy, ArtifactIdRole, ArtifactListModel, ErrorRole, StateRole,
)
from gui.artifacts import pane as pane_module
from gui.artifacts.pane import MAX_WIDTH, ArtifactPane

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
TYPES = ("skill", "command", "agent")
N = 600  # far more rows than fit on screen, so per-row costs show up as counts
SIZE_HINT_BUDGET = 40  # a few rows' worth: what a view needs for what it shows, not per row


def infos(n: int) -> list[ArtifactInfo]:
    return [ArtifactInfo(i, f"{TYPES[i % 3]}-{i:04d}", TYPES[i % 3], UpstreamSpec("folder", f"/up/{i}"),
                         f"{TYPES[i % 3]}s/{i}", "dir", T0) for i in range(1, n + 1)]


def status(info: ArtifactInfo, state: SyncState, error: str | None = None) -> ArtifactStatus:
    return ArtifactStatus(info.id, info.name, info.type, state, None, None, None, None, error)


class CountingDelegate(QStyledItemDelegate):
    """Counts how often the view measures a cell."""

    def __init__(self) -> None:
        super().__init__()
        self.size_hints = 0

    def sizeHint(self, option, index):  # noqa: N802
        self.size_hints += 1
        return super().sizeHint(option, index)


class Signals:
    """Counts what the model, the proxy and the header emit."""

    def __init__(self, pane: ArtifactPane) -> None:
        self.counts: dict[str, int] = {}
        owners = {"model": pane.model, "proxy": pane.proxy, "header": pane.tree.header()}
        for key in ("model.dataChanged", "model.layoutChanged", "model.modelReset", "model.rowsInserted",
                    "proxy.layoutChanged", "proxy.modelReset", "header.sectionResized"):
            owner, name = key.split(".")
            self.counts[key] = 0
            getattr(owners[owner], name).connect(lambda *_a, key=key: self._count(key))

    def _count(self, key: str) -> None:
        self.counts[key] += 1

    def __getitem__(self, key: str) -> int:
        return self.counts[key]

    def reset(self) -> None:
        self.counts = dict.fromkeys(self.counts, 0)


@pytest.fixture
def pane(qtbot):
    widget = ArtifactPane()
    qtbot.addWidget(widget)
    widget.resize(360, 500)
    widget.set_artifacts(infos(N))
    widget.tree.setItemDelegate(CountingDelegate())
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(20)  # the first layout and paint
    return widget


def settle(qtbot) -> None:
    qtbot.wait(30)  # the view's delayed layout and repaint run on the event loop


def test_model_passes_qt_model_checks(qapp, qtmodeltester):  # qapp: the model asks for fonts
    model = ArtifactListModel()
    model.set_artifacts(infos(30))
    model.set_statuses([status(i, SyncState.UP_TO_DATE) for i in infos(30)[::2]])
    qtmodeltester.check(model, force_py=True)


def test_updating_every_state_costs_one_signal_per_group_and_no_layout(qtbot, pane):
    signals = Signals(pane)
    delegate = pane.tree.itemDelegate()
    delegate.size_hints = 0
    pane.model.set_statuses([status(i, SyncState.UP_TO_DATE) for i in infos(N)])
    settle(qtbot)
    # Every row changed: one dataChanged per group (each group's rows are one run).
    assert signals["model.dataChanged"] == len(TYPES)
    for name in ("model.layoutChanged", "model.modelReset", "model.rowsInserted", "proxy.layoutChanged",
                 "proxy.modelReset", "header.sectionResized"):
        assert signals[name] == 0, name
    assert delegate.size_hints <= SIZE_HINT_BUDGET
    shown = pane.model.index_of(N, STATE_COLUMN)
    assert shown.data() == "up to date" and shown.data(StateRole) == "up_to_date"


def test_same_states_again_emit_nothing(qtbot, pane):
    everything = [status(i, SyncState.UP_TO_DATE) for i in infos(N)]
    pane.model.set_statuses(everything)
    settle(qtbot)
    signals = Signals(pane)
    pane.model.set_statuses(everything)  # Sync now with nothing changed
    settle(qtbot)
    assert sum(signals.counts.values()) == 0


def test_scattered_changes_emit_one_signal_per_run_of_rows(qtbot, pane):
    artifacts = infos(N)
    pane.model.set_statuses([status(i, SyncState.UP_TO_DATE) for i in artifacts])
    settle(qtbot)
    signals = Signals(pane)
    delegate = pane.tree.itemDelegate()
    delegate.size_hints = 0
    # Two neighbouring skills (ids 1 and 4 sort next to each other) and one agent change.
    changed = [status(artifacts[0], SyncState.UPSTREAM_CHANGED), status(artifacts[3], SyncState.DIVERGED),
               status(artifacts[2], SyncState.ERROR, "the upstream folder is gone")]
    pane.model.set_statuses(changed)
    settle(qtbot)
    assert signals["model.dataChanged"] == 2
    assert signals["header.sectionResized"] == 0
    assert delegate.size_hints <= SIZE_HINT_BUDGET
    agent = pane.model.index_of(artifacts[2].id)
    assert agent.data(ErrorRole) == "the upstream folder is gone"
    assert agent.data(Qt.ItemDataRole.ToolTipRole) == "the upstream folder is gone"
    assert pane.model.state_of(artifacts[0].id) == "upstream_changed"


def test_scattered_changes_in_a_group_emit_one_signal(qtbot, pane):
    """A status run changes every tenth artifact or so: one dataChanged per group, not one per row."""
    artifacts = infos(N)
    pane.model.set_statuses([status(i, SyncState.UP_TO_DATE) for i in artifacts])
    settle(qtbot)
    signals = Signals(pane)
    skills = [i for i in artifacts if i.type == "skill"]
    pane.model.set_statuses([status(i, SyncState.UPSTREAM_CHANGED) for i in skills[::3]])  # never neighbours
    settle(qtbot)
    assert signals["model.dataChanged"] == 1
    assert all(pane.model.state_of(i.id) == "upstream_changed" for i in skills[::3])
    assert pane.model.state_of(skills[1].id) == "up_to_date"


CALLS = {"filterAcceptsRow": 0, "hasChildren": 0}


class CountingProxy(ArtifactFilterProxy):
    def filterAcceptsRow(self, source_row, source_parent):  # noqa: N802
        CALLS["filterAcceptsRow"] += 1
        return super().filterAcceptsRow(source_row, source_parent)


class CountingModel(ArtifactListModel):
    def hasChildren(self, parent=QModelIndex()):  # noqa: N802
        CALLS["hasChildren"] += 1
        return super().hasChildren(parent)


def test_a_state_update_asks_nothing_per_row_of_the_filter_or_the_tree(qtbot, monkeypatch):
    """With no filter text a state cannot hide a row: the proxy does not filter the changed rows
    again, and the tree does not ask each row whether it has children (a call into Python each)."""
    monkeypatch.setattr(pane_module, "ArtifactFilterProxy", CountingProxy)
    monkeypatch.setattr(pane_module, "ArtifactListModel", CountingModel)
    widget = ArtifactPane()
    qtbot.addWidget(widget)
    widget.resize(360, 500)
    artifacts = infos(N)
    widget.set_artifacts(artifacts)
    widget.show()
    qtbot.waitExposed(widget)
    widget.model.set_statuses([status(i, SyncState.UP_TO_DATE) for i in artifacts])
    settle(qtbot)
    CALLS.update(filterAcceptsRow=0, hasChildren=0)
    widget.model.set_statuses([status(i, SyncState.UPSTREAM_CHANGED) for i in artifacts])
    settle(qtbot)
    assert CALLS["filterAcceptsRow"] <= SIZE_HINT_BUDGET and CALLS["hasChildren"] <= SIZE_HINT_BUDGET, CALLS
    # With a filter typed, states are matched: the proxy follows them (test_filter_follows_state_changes).
    widget.filter_edit.setText("skill")
    assert widget.proxy.dynamicSortFilter()


def test_filter_follows_state_changes(qtbot, pane):
    artifacts = infos(N)
    pane.model.set_statuses([status(i, SyncState.UP_TO_DATE) for i in artifacts])
    pane.filter_edit.setText("diverged")
    assert pane.proxy.rowCount() == 0
    pane.model.set_statuses([status(artifacts[4], SyncState.DIVERGED)])
    group = pane.proxy.index(0, 0)
    assert pane.proxy.rowCount() == 1 and pane.proxy.rowCount(group) == 1
    assert pane.proxy.index(0, 0, group).data(ArtifactIdRole) == artifacts[4].id


def test_columns_show_every_name_and_state_unelided(qtbot):
    widget = ArtifactPane()
    qtbot.addWidget(widget)
    few = infos(12) + [ArtifactInfo(99, "release-notes-writer", "skill", UpstreamSpec("folder", "/up/x"),
                                    "skills/release-notes-writer", "dir", T0)]
    widget.set_artifacts(few)
    widget.model.set_statuses([status(i, SyncState.UPSTREAM_CHANGED) for i in few])
    widget.show()
    widget.resize(widget.minimumWidth(), 400)
    qtbot.waitExposed(widget)
    qtbot.wait(20)
    header, tree = widget.tree.header(), widget.tree
    assert widget.minimumWidth() < MAX_WIDTH  # a name this long still fits beside its state
    # Measured row by row here (a dozen rows): the widths worked out from the texts cover them.
    assert header.sectionSize(NAME_COLUMN) >= tree.sizeHintForColumn(NAME_COLUMN)
    assert header.sectionSize(STATE_COLUMN) >= tree.sizeHintForColumn(STATE_COLUMN)


def test_groups_are_not_selectable_and_artifacts_are(qtbot):
    model = ArtifactListModel()
    model.set_artifacts(infos(6))
    group = model.index(0, 0)
    assert group.data() == "Skills (2)"
    assert not model.flags(group) & Qt.ItemFlag.ItemIsSelectable
    child = model.index(0, 0, group)
    assert model.flags(child) & Qt.ItemFlag.ItemIsSelectable
    assert child.parent() == group
    assert not model.index(0, 0, child).isValid()
    assert model.index_of(12345) == QModelIndex()


def test_every_sync_state_has_a_badge_and_words():
    from core.sync import SyncState
    from gui.style.icons import STATE_STYLE, STATE_TEXT

    missing = [s.value for s in SyncState if s.value not in STATE_STYLE or s.value not in STATE_TEXT]
    assert missing == []

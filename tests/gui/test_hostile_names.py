"""The window shows names and file names from outside with control characters escaped."""
from __future__ import annotations

import os
from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from core.diff import FileChange
from core.history import ArtifactInfo
from core.upstreams import UpstreamSpec
from gui.artifacts.header import ArtifactHeader
from gui.artifacts.model import ArtifactListModel
from gui.compare.diff_model import FileChangeModel
from gui.sync.diverged_dialog import describe_changes

HOSTILE = "evil\n  removed  SKILL.md \x1b[31m"
SHOWN = "evil\\n  removed  SKILL.md \\x1b[31m"


def test_the_file_table_and_the_diverged_summary_escape_file_names(qtbot):
    undecodable = os.fsencode(HOSTILE) + b"\xff"
    change = FileChange(undecodable, "added", None, "f", None, "ab" * 32, None, 3)
    model = FileChangeModel(QPalette())
    model.set_changes([change])
    index = model.index(0, 1)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == SHOWN + "\\xff"
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == SHOWN + "\\xff"
    assert describe_changes((change,)).startswith(SHOWN + "\\xff")


def test_the_artifact_list_and_header_escape_a_recorded_name(qtbot):
    # `add` refuses such names now, but a database written before may hold one.
    info = ArtifactInfo(1, "bad\nname\x1b[0m", "skill", UpstreamSpec("folder", "/up\tstream"), "skills/bad",
                        "dir", datetime.now(timezone.utc))
    model = ArtifactListModel()
    model.set_artifacts([info])
    index = model.index_of(1)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "bad\\nname\\x1b[0m"
    assert "/up\\tstream" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    header = ArtifactHeader()
    qtbot.addWidget(header)
    header.show_artifact(info, "up_to_date", 1, "failed on\x1b[2J")
    assert header.title.text() == "bad\\nname\\x1b[0m"
    assert "/up\\tstream" in header.subtitle.text()
    assert header.error_label.text() == "Error: failed on\\x1b[2J"


def test_version_metadata_from_outside_is_shown_escaped():
    from gui.compare.version_details import metadata_rows

    rows = dict(metadata_rows({"location": "/up\x1b[2J", "ref": "main\nforged", "note": "a\x07b"}, None))
    assert rows["Upstream"].startswith("/up\\x1b[2J") and "main\\nforged" in rows["Upstream"]
    assert rows["Note"] == "a\\x07b"

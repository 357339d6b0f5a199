"""Three-way merge, file by file on exact content (docs/merge.md).

- `merge_trees(base, local, other, read)`: per-path rules on manifest digests;
  only files both sides changed are read (core.merge.tree).
- `merge_bytes(base, local, other)`: line-level merge of one text file with
  `git merge-file --diff3` semantics, as hunks (core.merge.text, over the
  git-compatible diff in core.merge.linediff).
- `line_diff(a, b)`: the changes between two sequences of line ids, as git's Myers diff
  pairs them (core.merge.linediff; blame uses it too).
- `render_markers` / `has_markers`: git-style conflict markers (core.merge.markers).
- `PendingMerge`: a merge with conflicts as JSON, to resume after a restart (core.merge.state).

Only the standard library and core's value types: no storage, no database, no Qt.
"""
from core.merge.linediff import Change as LineChange, diff as line_diff
from core.merge.markers import MarkerLabels, conflict_marker_lines, has_markers, render_markers
from core.merge.state import PendingMerge, entry_for
from core.merge.text import Clean, Conflict, TextMerge, fit_edit, is_binary, merge_bytes, merge_lines, split_lines
from core.merge.tree import (
    ADD_ADD, BINARY, CONFLICT_KINDS, CONTENT, DELETE_MODIFY, LINK, MODE, TYPE,
    FileConflict, FileMerge, TreeMerge, merge_trees,
)

__all__ = [
    "ADD_ADD", "BINARY", "CONFLICT_KINDS", "CONTENT", "DELETE_MODIFY", "LINK", "MODE", "TYPE",
    "Clean", "Conflict", "LineChange", "line_diff", "FileConflict", "FileMerge", "MarkerLabels", "PendingMerge",
    "TextMerge", "TreeMerge", "conflict_marker_lines", "entry_for", "fit_edit", "has_markers", "is_binary",
    "merge_bytes", "merge_lines",
    "merge_trees", "render_markers", "split_lines",
]

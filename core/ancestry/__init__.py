"""Ancestry: reading a history to answer questions about it — which version brought each
line (blame), and which versions a query names (search). Reads only; records nothing.

- `blame(objects, versions, start, path)` / `blame_file(ws, artifact_id, path, version_id)`:
  git blame's rule over the version DAG (core.ancestry.blame), on the line matching of
  core.ancestry.line_match (the merge's Myers diff on what differs); results kept in the
  data folder's `cache/blame/` (core.ancestry.blame_cache: `BlameCache`, safe to delete) so
  blaming a head again, or a version recorded on top of it, costs only what changed.
- `parse_query(text) -> Query` and `SearchIndex(versions, objects).match(query)`: the find
  box's and `log --where`'s query (core.ancestry.query, core.ancestry.search).
Builds on history, store and merge.
"""
from core.ancestry.blame_cache import BlameCache, CachedBlame, blame_keys
from core.ancestry.blame import (
    LONG_WALK, Blame, BlameLine, blame, blame_cache_dir, blame_file, default_blame_path, iter_owner_runs, text_lines,
)
from core.ancestry.line_match import EqualBlock, equal_blocks, line_count, split_lines
from core.ancestry.query import KEYS, Query, parse_query
from core.ancestry.search import NOTE_KEYS, SearchIndex, version_notes_text

__all__ = [
    "Blame", "BlameLine", "blame", "blame_cache_dir", "blame_file", "default_blame_path", "iter_owner_runs",
    "text_lines", "LONG_WALK",
    "BlameCache", "CachedBlame", "blame_keys",
    "EqualBlock", "equal_blocks", "line_count", "split_lines",
    "KEYS", "Query", "parse_query", "NOTE_KEYS", "SearchIndex", "version_notes_text",
]

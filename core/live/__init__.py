"""Live: following the world without a click, reading only (DESIGN.md, "Live").

Owns what a window needs to notice change without polling everything: which copies
(collection, every deployment's project copy) and which pending-merge folders to watch,
and which artifact a changed path belongs to (places); a stat-based poll of those copies
for when file-system watches run out (poller); and the re-check of only the artifacts
that changed (recheck: their sync states and deployment states, nothing recorded).
History written elsewhere is noticed by core.history.changes. Builds on sync and projects.
"""
from core.live.places import CopyPlace, PlaceIndex, copy_places, watch_paths
from core.live.poller import DiskPoller
from core.live.recheck import LiveCheck, Rechecker

__all__ = ["CopyPlace", "PlaceIndex", "copy_places", "watch_paths", "DiskPoller", "LiveCheck", "Rechecker"]

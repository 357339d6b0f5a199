"""Content: what an artifact's content is and how it is hashed (content hash v1).

Owns the manifest values (ManifestEntry, TreeHash), the walk that finds entries
without following links, reading and hashing files, the stat cache that skips
unchanged files, and the checks on untrusted names and link targets. Depends on
nothing in core but errors; everything else builds on it.
"""
from core.content.copies import copy_tree_hash
from core.content.hashing import SKIP_NAMES, hash_file, hash_tree, hash_trees
from core.content.manifest import ManifestEntry, TreeHash, content_hash_of
from core.content.safety import check_link_target, check_name, special_file_kind
from core.content.statcache import StatCache

__all__ = [
    "SKIP_NAMES", "ManifestEntry", "TreeHash", "content_hash_of", "hash_file", "hash_tree", "hash_trees",
    "StatCache", "copy_tree_hash", "check_link_target", "check_name", "special_file_kind",
]

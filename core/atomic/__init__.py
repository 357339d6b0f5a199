"""Atomic replacement of live copies: copy untrusted trees beside their target, then swap.

Owns staging (`transfer`: copy without following links, fsync) and the swap itself
(`swap`: renameat2 exchange or a recorded rename pair, and `recover()` after a crash);
one small file replaced whole in one rename (`files`: caches, state files).
Sync uses it for the collection; deployments will use it for projects. Builds on content.
"""
from core.atomic.files import write_file_atomically
from core.atomic.swap import RECOVERY_DIR_NAME, recover, replace_atomically
from core.atomic.transfer import STAGED_NAME_EXTRA, copy_untrusted, stage_copy, sync_tree

__all__ = ["RECOVERY_DIR_NAME", "recover", "replace_atomically", "copy_untrusted", "stage_copy", "sync_tree",
           "STAGED_NAME_EXTRA", "write_file_atomically"]

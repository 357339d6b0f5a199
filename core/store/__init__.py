"""The object store: every file version and manifest, content-addressed, compressed, verified on read.

Owns `objects/` in the data folder (the local store: core.store.local), blobs keyed by
their SHA-256 and manifests keyed by content hash; with a team, the shared store every
member reaches (core.store.shared: the interface; core.store.shared_db: the database
table) behind it, the local store then being its cache (core.store.objects). Also
rebuilding a stored tree on disk (materialize), storing a tree from disk (trees), and
reading every file back to find damage (fsck). Builds on content.
"""
from core.store.manifest_codec import MANIFEST_HEADER, ManifestFormatError, encode_manifest, parse_manifest
from core.store.local import MANIFEST, OBJECT, LocalStore
from core.store.shared import CODEC_ZLIB, SharedStore, StoredStream
from core.store.shared_db import DatabaseSharedStore
from core.store.objects import DEFAULT_MAX_FILE_BYTES, ObjectStore, Upload
from core.store.fsck import LEFTOVER_SECONDS, Damage, StoreCheck, check_store

__all__ = [
    "ObjectStore", "LocalStore", "SharedStore", "DatabaseSharedStore", "StoredStream", "Upload",
    "OBJECT", "MANIFEST", "CODEC_ZLIB", "DEFAULT_MAX_FILE_BYTES",
    "Damage", "LEFTOVER_SECONDS", "StoreCheck", "check_store", "MANIFEST_HEADER", "ManifestFormatError", "encode_manifest", "parse_manifest",
]

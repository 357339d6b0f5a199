"""The object store: every file version and manifest, content-addressed, compressed, verified on read.

Owns `objects/` in the data folder: blobs keyed by their SHA-256, manifests keyed by
content hash, rebuilding a stored tree on disk (materialize), and reading every file
back to find damage (fsck). Builds on content.
"""
from core.store.manifest_codec import MANIFEST_HEADER, ManifestFormatError, encode_manifest, parse_manifest
from core.store.objects import ObjectStore
from core.store.fsck import Damage, StoreCheck, check_store

__all__ = ["ObjectStore", "Damage", "StoreCheck", "check_store", "MANIFEST_HEADER", "ManifestFormatError", "encode_manifest", "parse_manifest"]

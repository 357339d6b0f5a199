"""The object store: every file version and manifest, content-addressed, compressed, verified on read.

Owns `objects/` in the data folder: blobs keyed by their SHA-256, manifests keyed by
content hash, and rebuilding a stored tree on disk (materialize). Builds on content.
"""
from core.store.manifest_codec import MANIFEST_HEADER, ManifestFormatError, encode_manifest, parse_manifest
from core.store.objects import ObjectStore

__all__ = ["ObjectStore", "MANIFEST_HEADER", "ManifestFormatError", "encode_manifest", "parse_manifest"]

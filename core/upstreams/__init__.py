"""Upstreams: where artifacts come from, a local folder or file, or a git repository at a ref.

Owns describing an upstream (UpstreamSpec, infer_spec), fetching its current content
onto local disk (folder: in place; git: a bare cache per repository and checked-out
trees), and the refusals that keep hostile upstreams harmless. Builds on content and atomic.
"""
from core.upstreams.discover import FILE_TYPES, SKILL_FILE, Discovery, FoundArtifact, discover, find_artifacts, find_in_upstream, find_plugin
from core.upstreams.marketplace import Marketplace, PluginEntry
from core.upstreams.fetcher import Fetcher
from core.upstreams.sources import fetch, infer_spec, sweep_git_cache, validate, work_tree_branch
from core.upstreams.spec import ALLOWED_PROTOCOLS, FetchedUpstream, UpstreamKind, UpstreamSpec

__all__ = ["UpstreamSpec", "FetchedUpstream", "UpstreamKind", "ALLOWED_PROTOCOLS", "fetch", "infer_spec", "validate",
           "sweep_git_cache", "Discovery", "FoundArtifact", "SKILL_FILE", "discover", "find_artifacts", "Fetcher",
           "work_tree_branch", "FILE_TYPES", "find_in_upstream", "find_plugin", "Marketplace", "PluginEntry"]

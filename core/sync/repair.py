"""`main.py fsck [--repair]`: what is damaged in the object store, which versions it affects, and repair.

core.store.fsck reads back every object and manifest. Here each recorded version is
checked to have its manifest and every object that manifest names; each problem is
tied to the versions (and files) it affects. A repair writes a damaged or missing
object or manifest again from a copy that still holds its content: first the live
collection copies (any artifact's: objects are shared), then the copies deployed in
registered projects, then the upstreams of the affected artifacts. What no copy holds
stays damaged, and says so.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from core.cancel import Cancelled
from core.errors import LineageError
from core.fsio import discard_temp

if TYPE_CHECKING:
    from core.content import ManifestEntry, TreeHash
    from core.history import ArtifactInfo, VersionInfo
    from core.workspace import Workspace

__all__ = ["AffectedVersion", "Problem", "FsckReport", "fsck"]


@dataclass(frozen=True)
class AffectedVersion:
    artifact: str
    type: str
    number: int  # the artifact's own numbering (v1, v2…), as `log` shows it
    version_id: int
    content_hash: str
    paths: tuple[str, ...] = ()  # the files of that version whose object is damaged (empty: the manifest)
    recorded_by: str = ""  # "user on machine" from the version's metadata ("" when it does not say)
    by_other_member: bool = False  # recorded in another data folder (a teammate's), by its member id


@dataclass(frozen=True)
class Problem:
    kind: str  # "object" or "manifest"
    name: str  # digest or content hash
    path: str  # its file in the store
    reason: str  # "missing", or the damage found
    versions: tuple[AffectedVersion, ...]
    repaired_from: str | None = None  # e.g. "the collection copy of 'pdf'"; None: still damaged


@dataclass(frozen=True)
class FsckReport:
    objects_checked: int
    manifests_checked: int
    versions_checked: int
    problems: tuple[Problem, ...]
    strays: tuple[str, ...]
    notes: tuple[str, ...] = ()  # sources that could not be read during a repair
    leftovers: tuple[str, ...] = ()  # temp files killed writes left in the store (core.store.fsck)
    leftover_bytes: int = 0
    leftovers_removed: bool = False  # a repair removed them

    @property
    def remaining(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.repaired_from is None)


@dataclass
class _Source:
    """A live copy of content: where it is, and its tree (entries named as in the manifests)."""
    label: str
    root: Path
    tree: "TreeHash"
    by_digest: dict[str, "ManifestEntry"] = field(default_factory=dict)

    def path_of(self, entry: "ManifestEntry") -> bytes:
        root = os.fsencode(self.root)
        return root + b"/" + entry.path if self.root.is_dir() else root


def _find_problems(ws: "Workspace", damaged: dict[tuple[str, str], tuple[str, str]]) -> tuple[list[Problem], int]:
    """Every damaged file of the store, plus every manifest or object a version needs and lacks,
    each with the versions it affects. Returns (problems, versions checked)."""
    from core.history import ordinal_by_id

    from core.store import MANIFEST

    objects = ws.objects
    problems: dict[tuple[str, str], tuple[str, str]] = dict(damaged)
    affected: dict[tuple[str, str], list[AffectedVersion]] = {}
    manifests: dict[str, "TreeHash | None"] = {}
    # A manifest in the shared store means its whole tree is there (core.store.shared): its
    # objects need no look-up one by one.
    shared_trees: set[str] = set()
    missing = "missing"
    if objects.shared is not None:
        hashes = ws.history.content_hashes()
        shared_trees = hashes - objects.shared.missing(MANIFEST, hashes)
        missing = "missing here and in the shared store"
    count = 0
    for art in ws.history.list_artifacts():
        versions = ws.history.versions(art.id)
        numbers = ordinal_by_id(versions)
        for v in versions:
            count += 1
            h = v.content_hash
            if h not in manifests:
                manifests[h] = None
                if ("manifest", h) not in problems:
                    if not objects.has_manifest(h):
                        problems[("manifest", h)] = (str(objects.manifest_path(h)), missing)
                    else:
                        try:
                            manifests[h] = objects.get_manifest(h)
                        except LineageError as exc:
                            problems[("manifest", h)] = (str(objects.manifest_path(h)), str(exc))
            tree = manifests[h]
            base = AffectedVersion(art.name, art.type, numbers[v.id], v.id, h, (), _who(v), _by_other(ws, v))
            if tree is None:
                affected.setdefault(("manifest", h), []).append(base)
                continue
            hit: dict[str, list[str]] = {}
            for entry in tree.entries:
                key = ("object", entry.digest)
                if key not in problems and h not in shared_trees and not objects.has(entry.digest):
                    problems[key] = (str(objects.object_path(entry.digest)), missing)
                if key in problems:
                    hit.setdefault(entry.digest, []).append(entry.display_path)
            for digest, paths in hit.items():
                affected.setdefault(("object", digest), []).append(replace(base, paths=tuple(paths)))
    found = [
        Problem(kind, name, path, reason, tuple(affected.get((kind, name), ())))
        for (kind, name), (path, reason) in sorted(problems.items())
    ]
    return found, count


def _who(version: "VersionInfo") -> str:
    user, machine = version.metadata.get("user"), version.metadata.get("machine")
    if not (user or machine):
        return ""
    return f"{user or 'someone'} on {machine or 'an unnamed machine'}"


def _by_other(ws: "Workspace", version: "VersionInfo") -> bool:
    member = version.metadata.get("member")
    return bool(member) and member != ws.machine


def _sources_from(label: str, root: Path, tree: "TreeHash") -> _Source:
    return _Source(label, root, tree, {e.digest: e for e in tree.entries})


def _collection_sources(ws: "Workspace", notes: list[str]) -> Iterable[_Source]:
    from core.content import copy_tree_hash
    from core.sync.probe import entry_name
    from core.workspace import check_place

    for art in ws.history.list_artifacts():
        try:
            place = check_place(ws.home.collection_dir, art)
            if not place.exists or place.wrong_shape:
                continue
            tree = copy_tree_hash(place.path, art.shape, entry_name(art), ws.stat_cache, follow_root=False)
        except (LineageError, OSError) as exc:
            notes.append(f"The collection copy of {art.name!r} could not be read: {exc}")
            continue
        yield _sources_from(f"the collection copy of {art.name!r}", place.path, tree)


def _project_sources(ws: "Workspace", notes: list[str]) -> Iterable[_Source]:
    """Every deployed copy in a registered project, read as status reads it (nothing
    followed out of the project, a copy of the wrong shape skipped)."""
    from core.history import Deployments
    from core.projects.drift import hash_copy, wrong_shape
    from core.projects.placement import check_inside_project, project_copy_path

    store = Deployments(ws.db)
    projects = {p.id: p for p in store.projects(ws.machine or None)}  # copies on this machine only
    artifacts = {a.id: a for a in ws.history.list_artifacts()}
    for d in store.deployments():
        art, project = artifacts.get(d.artifact_id), projects.get(d.project_id)
        if art is None or project is None:
            continue
        label = f"{project.name}'s copy of {art.name!r}"
        try:
            target = project_copy_path(project, art)
            check_inside_project(project, target)
            if wrong_shape(target, art, project):
                continue
            tree = hash_copy(target, art, ws.stat_cache)
        except (LineageError, OSError) as exc:
            notes.append(f"{label} could not be read: {exc}")
            continue
        if tree is not None:
            yield _sources_from(label, target, tree)


def _upstream_sources(ws: "Workspace", artifacts: Iterable["ArtifactInfo"], notes: list[str]) -> Iterable[_Source]:
    from core.content import copy_tree_hash
    from core.sync.probe import entry_name
    from core.upstreams import fetch

    for art in artifacts:
        try:
            fetched = fetch(art.upstream, ws.home.git_cache_dir)
            root = Path(fetched.path)
            if os.path.islink(root):
                continue  # never followed (sync refuses such an upstream too)
            tree = copy_tree_hash(root, art.shape, entry_name(art), ws.stat_cache)
        except Cancelled:
            raise
        except (LineageError, OSError) as exc:
            notes.append(f"The upstream of {art.name!r} could not be read: {exc}")
            continue
        yield _sources_from(f"the upstream of {art.name!r}", root, tree)


def _repair_from(
    ws: "Workspace", source: _Source, open_problems: dict[tuple[str, str], Problem], notes: list[str]
) -> list[tuple[str, str]]:
    """Write again whatever `source` holds of the open problems; returns the keys it fixed."""
    objects = ws.objects
    fixed: list[tuple[str, str]] = []
    if ("manifest", source.tree.content_hash) in open_problems:
        objects.store_tree(source.root, source.tree, verify=True)  # its objects too
        fixed.append(("manifest", source.tree.content_hash))
    for kind, name in list(open_problems):
        if kind != "object" or name not in source.by_digest:
            continue
        entry = source.by_digest[name]
        repair = objects.has(name)
        try:
            if entry.kind == "l":
                target = os.readlink(source.path_of(entry))
                if hashlib.sha256(target).hexdigest() != name:
                    continue  # the link changed since it was hashed
                objects.put_bytes(target, repair=repair)
            else:
                objects.put_file(source.path_of(entry), name, repair=repair)  # refuses bytes that changed
        except (LineageError, OSError) as exc:
            notes.append(f"Could not repair object {name} from {source.label}: {exc}")
            continue
        fixed.append((kind, name))
    # Only what reads back sound counts as repaired.
    return [key for key in fixed if (objects.verify if key[0] == "object" else objects.verify_manifest)(key[1]) is None]


def fsck(ws: "Workspace", *, repair: bool = False, progress: Callable[[int, int], None] | None = None) -> FsckReport:
    """Check every object and manifest, and every version's content; with `repair`, restore
    what a collection copy, a project's copy or an upstream still holds. Without `repair`,
    changes nothing."""
    from core.store import check_store
    from core.sync.outdated import upload_old_objects

    notes: list[str] = []
    if repair:
        # First what only this data folder holds and the shared store lacks (versions recorded
        # before the team shared its objects): the author's repair sends it up.
        uploaded = upload_old_objects(ws)
        if uploaded is not None and uploaded.trees:
            notes.append(f"Uploaded {uploaded.trees} stored versions' content ({uploaded.objects} files) "
                         f"to the shared store {ws.objects.shared.where if ws.objects.shared else ''}.")
    store_check = check_store(ws.objects.cache, progress)
    leftovers_removed = repair and bool(store_check.leftovers) and _remove_leftovers(store_check.leftovers, notes)
    damaged = {(d.kind, d.name): (d.path, d.reason) for d in store_check.damaged}
    problems, versions_checked = _find_problems(ws, damaged)
    if repair and problems:
        open_problems = {(p.kind, p.name): p for p in problems}
        repaired: dict[tuple[str, str], str] = {}

        def use(sources: Iterable[_Source]) -> None:
            for source in sources:
                if not open_problems:
                    return
                try:
                    fixed = _repair_from(ws, source, open_problems, notes)
                except (LineageError, OSError) as exc:
                    notes.append(f"Could not repair from {source.label}: {exc}")
                    continue
                for key in fixed:
                    repaired[key] = source.label
                    open_problems.pop(key, None)

        use(_collection_sources(ws, notes))
        if open_problems:
            use(_project_sources(ws, notes))
        if open_problems:
            names = {(v.artifact, v.type) for p in open_problems.values() for v in p.versions}
            wanted = [a for a in ws.history.list_artifacts() if (a.name, a.type) in names]
            use(_upstream_sources(ws, wanted, notes))
        problems = [replace(p, repaired_from=repaired.get((p.kind, p.name))) for p in problems]
        try:
            ws.stat_cache.save()
        except OSError:
            pass  # the cache only saves time
    return FsckReport(
        store_check.objects_checked, store_check.manifests_checked, versions_checked,
        tuple(problems), store_check.strays, tuple(notes), store_check.leftovers, store_check.leftover_bytes,
        leftovers_removed,
    )


def _remove_leftovers(paths: tuple[str, ...], notes: list[str]) -> bool:
    """Remove the temp files of killed writes; False (with a note) if one could not be."""
    removed = True
    for path in paths:
        try:
            discard_temp(path)
        except OSError as exc:
            notes.append(f"Could not remove the leftover temp file {path}: {exc.strerror or exc}")
            removed = False
    return removed

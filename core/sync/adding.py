"""Adding artifacts: validate the upstream, infer type, shape and place, record them (no copy yet).

`add_artifact` adds one (and refuses a repository that holds several, which it
would otherwise track whole as one `other`); `add_found` adds those that
`core.upstreams.discover` found (`add --all`, the Add dialog's list).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Iterable

from core.errors import ArtifactExistsError, LineageError, UpstreamError

if TYPE_CHECKING:  # imported lazily at run time so `import core.sync` stays cheap for the CLI
    from core.history import ArtifactInfo
    from core.upstreams import Discovery, FetchedUpstream, FoundArtifact, UpstreamSpec
    from core.workspace import Workspace

__all__ = ["add_artifact", "add_found", "AddOutcome", "SeveralArtifactsError", "resolve_upstream",
           "discover_source", "describe_upstream", "settle_upstream", "upstream_noun",
           "describe_found"]

_LISTED = 12  # names spelt out in a refusal; the rest are counted


class SeveralArtifactsError(UpstreamError):
    """`add NAME` on an upstream that holds several artifacts (carries what was found)."""

    def __init__(self, message: str, found: tuple["FoundArtifact", ...]) -> None:
        super().__init__(message)
        self.found = found


@dataclass(frozen=True)
class AddOutcome:
    """What `add_found` / `add_all` did: the artifacts added, and those skipped with the reason."""

    added: tuple["ArtifactInfo", ...] = ()
    skipped: tuple[tuple["FoundArtifact", str], ...] = ()
    found: tuple["FoundArtifact", ...] = field(default=())
    spec: "UpstreamSpec | None" = None  # the upstream they were found in
    notes: tuple[str, ...] = ()  # plugins that could not be added (another repository failed, an unknown source)

    @property
    def all_tracked(self) -> bool:
        """Nothing new, and every artifact found was already tracked, or removed on purpose (running `add --all` twice)."""
        return not self.added and all(reason.startswith(("already tracked", "removed on"))
                                      for _, reason in self.skipped)


def describe_found(found: Iterable["FoundArtifact"]) -> str:
    """`skill/pdf, skill/docx, command/review and 14 more`, for one-sentence messages."""
    keys = [f.key for f in found]
    shown = ", ".join(keys[:_LISTED])
    return shown + (f" and {len(keys) - _LISTED} more" if len(keys) > _LISTED else "")


def resolve_upstream(
    ws: "Workspace", source: str, *, type: str | None = None, ref: str | None = None, subdir: str | None = None,
    folder: bool = False,
) -> tuple["UpstreamSpec", "FetchedUpstream"]:
    """The upstream as it will be tracked, fetched once to validate it (UpstreamError when it cannot be).
    A git work tree is git at its current branch unless `folder` (its working files)."""
    from core.upstreams import infer_spec

    spec = infer_spec(source, ref=ref or None, subdir=(subdir or "").strip("/") or None, folder=folder)
    return settle_upstream(ws, spec, type, source)


def settle_upstream(
    ws: "Workspace", spec: "UpstreamSpec", type: str | None = None, source: str | None = None
) -> tuple["UpstreamSpec", "FetchedUpstream"]:
    """Fetch `spec` to validate it; a `SKILL.md` file given as the upstream means its whole folder
    (a skill is its folder: SKILL.md plus scripts)."""
    from core.upstreams import SKILL_FILE, sources

    validate = sources.validate  # looked up at call time (tests stand in a slow upstream there)
    fetched = validate(spec, ws.home.git_cache_dir)
    path = Path(fetched.path)
    if path.name == SKILL_FILE and path.is_file() and type in (None, "skill"):
        if spec.subdir:
            parent = str(PurePosixPath(spec.subdir).parent)
            spec = dataclasses.replace(spec, subdir=None if parent in ("", ".") else parent)
        elif spec.kind == "folder":
            spec = dataclasses.replace(spec, location=str(Path(spec.location).parent))
        fetched = validate(spec, ws.home.git_cache_dir)
        path = Path(fetched.path)
    if not os.path.lexists(path):
        raise UpstreamError(f"The upstream {source or spec.location!r} has nothing at {str(path)!r}; check the path.")
    return spec, fetched


def add_artifact(
    ws: "Workspace",
    name: str,
    source: str,
    *,
    type: str | None = None,
    ref: str | None = None,
    subdir: str | None = None,
    folder: bool = False,
) -> "ArtifactInfo":
    """Track a new artifact: validate its upstream, infer type and shape, record it (no copy yet).

    Without `type`, a folder that holds several artifacts (skills/, commands/,
    agents/, skill folders) is refused with SeveralArtifactsError naming them:
    tracking it whole would make one `other` artifact of a whole repository.
    """
    from core.upstreams import find_artifacts
    from core.workspace.collection import (
        folder_name_max, infer_shape, infer_type, place_for, validate_name, validate_type,
    )

    ws.require_writable(f"add {name!r}")
    name_max = folder_name_max(ws.home.collection_dir)
    validate_name(name, name_max=name_max)
    if type is not None:
        validate_type(type)
    spec, fetched = resolve_upstream(ws, source, type=type, ref=ref, subdir=subdir, folder=folder)
    path = Path(fetched.path)
    if type is None:
        found = tuple(find_artifacts(path, spec.subdir))
        if found:
            raise SeveralArtifactsError(_several_message(name, source, found), found)
    hint = "/".join(p for p in (spec.location, spec.subdir or "") if p)
    art_type = type or infer_type(path, hint)
    shape = infer_shape(path)
    place = place_for(name, art_type, shape, path.name, name_max=name_max)
    return ws.history.add_artifact(name, art_type, spec, place, shape)


def _several_message(name: str, source: str, found: tuple["FoundArtifact", ...]) -> str:
    match = next((f for f in found if f.name == name), None)
    pick = f"add {name!r} alone with --subdir {match.subdir}" if match else "add one with --subdir DIR"
    what = "one artifact" if len(found) == 1 else f"{len(found)} artifacts"
    return (f"{source} holds {what} ({describe_found(found)}), so it is not added whole as {name!r}; "
            f"{pick}, or all of them with `add --all --source {source}` (give --type other to track the folder whole).")


def add_found(ws: "Workspace", spec: "UpstreamSpec", found: Iterable["FoundArtifact"], *,
              include_removed: bool = False) -> AddOutcome:
    """Track each found artifact from `spec`'s upstream (already fetched: nothing is fetched again),
    in the plugin that lists it (FoundArtifact.plugin).

    An artifact already tracked under the same name and type is skipped with a note,
    so adding the same upstream twice is not an error; one removed on purpose is
    skipped too unless `include_removed` (then it is tracked again and its history goes on).
    """
    from core.workspace.collection import InvalidNameError, folder_name_max, place_for, validate_name

    found = tuple(found)
    name_max = folder_name_max(ws.home.collection_dir)
    everything = ws.history.list_artifacts(include_removed=True)
    tracked = {(a.name, a.type): a for a in everything if not a.removed}
    removed = {(a.name, a.type): a for a in everything if a.removed}
    added: list["ArtifactInfo"] = []
    skipped: list[tuple["FoundArtifact", str]] = []
    for item in found:
        gone = removed.get((item.name, item.type))
        if gone is not None and not include_removed:
            when = gone.removed_at.strftime("%Y-%m-%d") if gone.removed_at else "earlier"
            skipped.append((item, f"removed on {when}; add it again with --include-removed, or "
                                  f"`add {item.name} --source ... --subdir {item.subdir}`"))
            continue
        have = tracked.get((item.name, item.type))
        if have is not None:
            same = (have.upstream.location, have.upstream.subdir) == (spec.location, item.subdir)
            skipped.append((item, "already tracked" if same else
                            f"already tracked (from {describe_upstream(have.upstream)})"))
            continue
        try:
            validate_name(item.name, name_max=name_max)
            place = place_for(item.name, item.type, item.shape, PurePosixPath(item.subdir).name, name_max=name_max)
            one = dataclasses.replace(spec, subdir=item.subdir or None)
            added.append(ws.history.add_artifact(item.name, item.type, one, place, item.shape, plugin=item.plugin))
        except (ArtifactExistsError, InvalidNameError) as exc:
            skipped.append((item, str(exc)))
        except LineageError as exc:  # one bad entry must not stop the others
            skipped.append((item, str(exc)))
    return AddOutcome(tuple(added), tuple(skipped), found, spec)


def discover_source(ws: "Workspace", source: str, *, ref: str | None = None, subdir: str | None = None,
                    folder: bool = False) -> "Discovery":
    """Fetch `source` at `ref` and list what it holds (the Add dialog's list)."""
    from core.upstreams import discover, infer_spec

    spec = infer_spec(source, ref=ref or None, subdir=(subdir or "").strip("/") or None, folder=folder)
    return discover(spec, ws.home.git_cache_dir)


def upstream_noun(up: "UpstreamSpec") -> str:
    """"git", "folder" or "file": a single-file upstream is a file, not a folder."""
    if up.kind == "folder" and Path(up.location).is_file():
        return "file"
    return up.kind


def describe_upstream(up: "UpstreamSpec") -> str:
    """`git https://… at v2 (skills/pdf)` / `folder /x/pdf` / `file /x/review.md`, for people."""
    return (f"{upstream_noun(up)} {up.location}" + (f" at {up.ref}" if up.ref else "")
            + (f" ({up.subdir})" if up.subdir else ""))

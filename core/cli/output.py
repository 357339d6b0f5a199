"""What the command line writes: text tables and JSON documents for sync, status, log and diff.

Every text that comes from outside (names, paths, file names, messages) goes through
`printable` before it reaches the terminal: control characters and undecodable bytes
are shown escaped (`\\n`, `\\x1b`, `\\xff`), so a hostile file name cannot forge a
line or send an escape sequence; `write` escapes whatever a table left (keeping its
newlines and tabs). JSON is left to json's own escaping (names that are not UTF-8
appear as `\\udcXX` escapes: Python's surrogateescape, see docs/cli.md). Errors go to
stderr as one line. The renderers are plain functions of the results, so
core.cli.commands only gathers data and picks text or JSON (see docs/cli.md for the
JSON shapes).
"""
from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable

from core.textsafe import printable

if TYPE_CHECKING:
    from core.diff import FileChange, FileDiff
    from core.history import ArtifactInfo, VersionInfo
    from core.projects import DeploymentCheck, DeploymentStatus
    from core.sync import ArtifactStatus, SyncResult

SHORT = 12  # hash prefix shown in tables
NO_ARTIFACTS = "No artifacts yet; add one with `add NAME --source SRC`."


def write(text: str, stream: IO[str] | None = None) -> None:
    """Write lines of text; any control character or undecodable byte left in a line is escaped."""
    stream = stream or sys.stdout
    data = "\n".join(printable(line, keep_tabs=True) for line in text.split("\n")).encode("utf-8")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:  # a StringIO in tests
        stream.write(data.decode("utf-8"))


def write_json(doc: Any) -> None:
    import json  # here: `hash` and the text outputs need no JSON

    write(json.dumps(doc, indent=2, default=str) + "\n")


def write_err(message: str) -> None:
    write(" ".join(printable(message).split()) + "\n", sys.stderr)  # one line, whatever the message holds


def short(h: str | None) -> str:
    return h[:SHORT] if h else "-"


# ---------------------------------------------------------------------------- sync


def sync_json(results: Iterable["SyncResult"]) -> dict:
    return {"results": [
        {"name": r.name, "type": r.type, "state": r.state.value, "action": r.action,
         "old_hash": r.old_hash, "new_hash": r.new_hash, "version_id": r.version_id,
         "version_recorded": r.version_recorded, "not_recorded_reason": r.not_recorded_reason,
         "conflict": r.conflict, "conflicts": list(r.conflicts), "error": r.error}
        for r in results
    ]}


def sync_text(results: list["SyncResult"]) -> str:
    from core.sync import summarize_results

    lines = []
    for r in results:
        change = f"{short(r.old_hash)} -> {short(r.new_hash)}" if r.old_hash != r.new_hash else short(r.new_hash)
        lines.append(f"{printable(r.name):<24} {r.type:<8} {r.state.value:<17} {r.action:<10} {change}")
        if r.error:
            lines.append(f"    error: {printable(r.error)}")
        elif r.action == "conflict" and r.conflicts:
            name = printable(r.name)
            lines.append(f"    merge conflict in {', '.join(printable(c) for c in r.conflicts)}: nothing was changed; "
                         f"`merge {name}` writes a work folder to resolve it, `merge {name} --abort` drops it")
        elif r.action == "conflict":
            name = printable(r.name)
            lines.append(f"    a merge is waiting: `merge {name}` to resolve it, `merge {name} --abort` to drop it")
        elif r.conflict:
            lines.append("    conflict: changed both locally and upstream; kept the local copy, and later syncs "
                         "keep it until upstream changes again (sync with --strategy merge or take-upstream "
                         f"to bring upstream's changes in; `diff {printable(r.name)} --upstream` shows them)")
        if not r.version_recorded and r.not_recorded_reason and r.action not in ("nothing", "failed", "cancelled"):
            lines.append(f"    version not recorded: {printable(r.not_recorded_reason)}")
    if not results:
        lines.append(NO_ARTIFACTS)
    else:
        lines.append(summarize_results(results).text())
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- status


def deployments_json(deployments: Iterable["DeploymentStatus"]) -> list[dict]:
    return [
        {"artifact": d.artifact, "type": d.type, "project": d.project, "state": d.state.value,
         "deployed": d.deployed, "project_copy": d.project_copy, "collection": d.collection, "error": d.error}
        for d in deployments
    ]


def status_json(statuses: Iterable["ArtifactStatus"], deployments: Iterable["DeploymentStatus"] = ()) -> dict:
    return {"artifacts": [
        {"name": s.name, "type": s.type, "state": s.state.value, "head": s.head,
         "local": s.local, "upstream": s.upstream, "error": s.error}
        for s in statuses
    ], "deployments": deployments_json(deployments)}


def status_text(statuses: list["ArtifactStatus"], deployments: Iterable["DeploymentStatus"] = ()) -> str:
    """One row per artifact; its deployments indented under it (one row per project)."""
    under: dict[tuple[str, str], list["DeploymentStatus"]] = {}
    for d in deployments:
        under.setdefault((d.type, d.artifact), []).append(d)
    lines = [f"{'NAME':<24} {'TYPE':<8} {'STATE':<17} {'HEAD':<12} {'LOCAL':<12} UPSTREAM"]
    for s in statuses:
        lines.append(f"{printable(s.name):<24} {s.type:<8} {s.state.value:<17} {short(s.head):<12} "
                     f"{short(s.local):<12} {short(s.upstream)}")
        if s.error:
            lines.append(f"    error: {printable(s.error)}")
        for d in under.get((s.type, s.name), ()):
            lines.append(f"  -> {printable(d.project):<20} {'':<8} {d.state.value:<17} deployed {short(d.deployed):<12} "
                         f"project {short(d.project_copy)}")
            if d.error:
                lines.append(f"    error: {printable(d.error)}")
    if not statuses:
        lines = [NO_ARTIFACTS]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- log


def parents_of(v: "VersionInfo") -> list[int]:
    """Parent version ids, first parent first (a legacy parent has no id)."""
    return [p for p in (v.parent_id, v.second_parent_id) if p is not None]


def log_text(art: "ArtifactInfo", versions: list["VersionInfo"], number: dict[int, int] | None = None) -> str:
    """Newest first. VERSION is the artifact's own v1…vN, as the window numbers them (over
    all lines); ID is the database id (`diff` takes either: `v3` or `#12`)."""
    if not versions:
        return f"{printable(art.name)}: no versions yet; run `sync {printable(art.name)}`.\n"
    from core.history import ordinal_by_id

    number = number if number is not None else ordinal_by_id(versions)
    lines = [f"{'VERSION':>7}  {'ID':>5}  {'CREATED (UTC)':<19}  {'LINE':<12}  {'ORIGIN':<18}  {'CONTENT':<12}  "
             f"{'PARENT':<12}  NOTE"]
    for v in versions:
        meta = v.metadata
        notes = []
        if meta.get("resolved_commit"):
            notes.append(f"commit {printable(str(meta['resolved_commit'])[:10])}")
        if meta.get("matches_version") in number:
            notes.append(f"same content as v{number[meta['matches_version']]}")
        if v.parent_hash and v.parent_id is None:
            notes.append("legacy parent")
        if v.second_parent_id in number:
            notes.append(f"also from v{number[v.second_parent_id]}")
        if meta.get("pushed_from"):
            notes.append(f"pushed from {printable(str(meta['pushed_from']))}")
        if meta.get("restored_version") in number:
            notes.append(f"restores v{number[meta['restored_version']]}")
        if meta.get("decision") == "kept_local":
            notes.append("kept local")
        lines.append(f"{'v' + str(number[v.id]):>7}  {v.id:>5}  {v.created_at.strftime('%Y-%m-%d %H:%M:%S'):<19}  "
                     f"{v.line:<12}  {v.change_origin.replace('_', ' '):<18}  {short(v.content_hash):<12}  "
                     f"{short(v.parent_hash):<12}  {', '.join(notes)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- deployments after a sync


def deployment_checks_json(checks: Iterable["DeploymentCheck"]) -> list[dict]:
    return [
        deployments_json([c.status])[0] | {"action": c.action, "version_id": c.version_id, "error": c.error}
        for c in checks
    ]


_CHECK_NOTES = {
    "recorded": "recorded the project's edits",
    "updated": "updated the project copy",
    "failed": "failed",
}


def deployment_checks_text(checks: list["DeploymentCheck"]) -> str:
    if not checks:
        return ""
    lines = ["", "Deployments:"]
    for c in checks:
        st = c.status
        note = _CHECK_NOTES.get(c.action, "")
        if c.action == "nothing" and st.state.value == "outdated":
            note = "sync --deploy (or deploy) updates it"
        elif c.action != "updated" and st.state.value == "conflict":
            note = (note + "; " if note else "") + "conflict: push --strategy take-project or deploy --strategy overwrite"
        elif c.action == "recorded" or (c.action == "nothing" and st.state.value == "modified"):
            note = (note + "; " if c.action == "recorded" else "") + \
                f"`push {printable(st.artifact)} --project {printable(st.project)}` brings it back"
        lines.append(f"  {printable(st.artifact):<22} {printable(st.project):<20} {st.state.value:<10} {note}")
        if c.error:
            lines.append(f"    error: {printable(c.error)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- diff


def diff_json(old: str | None, new: str, changes: Iterable["FileChange"]) -> dict:
    return {"old": old, "new": new, "files": [
        {"path": c.display_path, "status": c.status, "old_digest": c.old_digest,
         "new_digest": c.new_digest, "size": c.new_size if c.new_size is not None else c.old_size}
        for c in changes
    ]}


def diff_text(name: str, old: str | None, new: str, changes: list["FileChange"],
              file_diff: Callable[["FileChange"], "FileDiff"]) -> str:
    """The summary of changed files, then a unified diff per file (`file_diff` reads the store)."""
    from core import diff

    out = [f"{printable(name)}: {short(old) if old else '(nothing)'} -> {short(new)}", ""]
    if not changes:
        out.append("No differences.")
    else:
        width = max(len(c.status) for c in changes)
        for c in changes:
            sizes = diff.human_size(c.old_size) + " -> " + diff.human_size(c.new_size)
            out.append(f"  {c.status:<{width}}  {printable(c.display_path)}  ({sizes})")
        for c in changes:
            fd = file_diff(c)
            shown = printable(c.display_path)
            out += ["", f"--- a/{shown}" if c.old_digest else "--- /dev/null",
                    f"+++ b/{shown}" if c.new_digest else "+++ /dev/null"]
            if fd.note:
                out.append(f"# {printable(fd.note)}")
            out += [ln.text if ln.kind == "@" else ln.kind + ln.text for ln in fd.lines]
    return "\n".join(out) + "\n"

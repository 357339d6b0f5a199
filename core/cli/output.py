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
    from core.sync import AddOutcome, ArtifactStatus, SyncResult
    from core.upstreams import UpstreamSpec

SHORT = 12  # hash prefix shown in tables
NO_ARTIFACTS = "No artifacts yet; add one with `add NAME --source SRC`."


def write(text: str, stream: IO[str] | None = None) -> None:
    """Write lines of text; any control character or undecodable byte left in a line is escaped."""
    _emit("\n".join(printable(line, keep_tabs=True) for line in text.split("\n")), stream)


def _emit(text: str, stream: IO[str] | None = None) -> None:
    stream = stream or sys.stdout
    data = text.encode("utf-8")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:  # a StringIO in tests
        stream.write(data.decode("utf-8"))


def write_json(doc: Any) -> None:
    import json  # here: `hash` and the text outputs need no JSON

    # json.dumps escapes every control and non-ASCII character itself (ensure_ascii), so its
    # text needs no second pass: `write`'s line by line escaping took seconds for a big blame.
    _emit(json.dumps(doc, indent=2, default=str) + "\n")


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
         "conflict": r.conflict, "conflicts": list(r.conflicts), "merge_line": r.merge_line, "error": r.error}
        for r in results
    ]}


def merge_waiting_hint(name: str, line: str | None) -> str:
    """What to do about a merge that waits to go into the collection copy: a sync merge, or a
    push merge from a project (which sync and take-upstream leave alone until it is done)."""
    shown = printable(name)
    if line is None or line == "collection":
        return (f"a merge is waiting: `merge {shown}` to resolve it, `merge {shown} --abort` to drop it "
                "(with its work folder and any edits in it)")
    project = f"--project {printable(line)}"
    return (f"a push from {printable(line)} is waiting to be merged into the collection copy, which sync leaves "
            f"as it is until then: `merge {shown} {project}` to resolve it, `merge {shown} {project} --abort` "
            "to drop it (with its work folder and any edits in it)")


def sync_text(results: list["SyncResult"]) -> str:
    from core.sync import summarize_results

    lines = []
    for r in results:
        change = f"{short(r.old_hash)} -> {short(r.new_hash)}" if r.old_hash != r.new_hash else short(r.new_hash)
        lines.append(f"{printable(r.name):<24} {r.type:<8} {r.state.value:<17} {r.action:<10} {change}")
        # Errors go to stderr only (core.cli.commands), once each.
        if r.action == "conflict" and r.conflicts:
            name = printable(r.name)
            lines.append(f"    merge conflict in {', '.join(printable(c) for c in r.conflicts)}: nothing was changed; "
                         f"`merge {name}` writes a work folder to resolve it, `merge {name} --abort` drops it "
                         "(with the work folder and any edits in it)")
        elif r.action == "conflict":
            lines.append(f"    {merge_waiting_hint(r.name, r.merge_line)}")
        elif r.conflict and not r.error:
            lines.append("    conflict: changed both locally and upstream; kept the local copy, and later syncs "
                         "keep it until upstream changes again (sync with --strategy merge or take-upstream "
                         f"to bring upstream's changes in; `diff {printable(r.name)} --upstream` shows them)")
        if r.record_failed and r.not_recorded_reason:
            # Only a real failure: "already recorded" is the normal case and says nothing new.
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


def upstream_json(up: "UpstreamSpec") -> dict:
    return {"kind": up.kind, "location": up.location, "ref": up.ref, "subdir": up.subdir}


def status_json(statuses: Iterable["ArtifactStatus"], deployments: Iterable["DeploymentStatus"] = (),
                upstreams: dict[int, "UpstreamSpec"] | None = None) -> dict:
    """`upstreams` (artifact id → spec) adds each one's upstream as `source` (`status -v --json`)."""
    docs = []
    for s in statuses:
        doc = {"name": s.name, "type": s.type, "state": s.state.value, "head": s.head,
               "local": s.local, "upstream": s.upstream, "error": s.error, "plugin": s.plugin,
               "merge_line": s.merge_line}
        if upstreams is not None and s.artifact_id in upstreams:
            doc["source"] = upstream_json(upstreams[s.artifact_id])
        docs.append(doc)
    return {"artifacts": docs, "deployments": deployments_json(deployments)}


def status_text(statuses: list["ArtifactStatus"], deployments: Iterable["DeploymentStatus"] = (),
                upstreams: dict[int, "UpstreamSpec"] | None = None) -> str:
    """One row per artifact; its deployments indented under it (one row per project). Errors
    are written to stderr by the caller, once. `upstreams` adds a `from …` line (`status -v`)."""
    from core.sync import describe_upstream

    under: dict[tuple[str, str], list["DeploymentStatus"]] = {}
    for d in deployments:
        under.setdefault((d.type, d.artifact), []).append(d)
    lines = [f"{'NAME':<24} {'TYPE':<8} {'STATE':<17} {'HEAD':<12} {'LOCAL':<12} UPSTREAM"]
    grouped = any(s.plugin for s in statuses)
    if grouped:  # by plugin, by name; artifacts of no plugin last
        order = {p: i for i, p in enumerate(sorted({s.plugin for s in statuses if s.plugin}))}
        statuses = sorted(statuses, key=lambda s: order.get(s.plugin, len(order)) if s.plugin else len(order))
        sizes = {p: sum(1 for s in statuses if s.plugin == p) for p in [*order, None]}
    group: object = object()
    for s in statuses:
        if grouped and s.plugin != group:
            group = s.plugin
            count = f"{sizes[s.plugin]} artifact{'s' if sizes[s.plugin] != 1 else ''}"
            lines.append(f"plugin {printable(s.plugin)} ({count})" if s.plugin else f"no plugin ({count})")
        lines.append(f"{printable(s.name):<24} {s.type:<8} {s.state.value:<17} {short(s.head):<12} "
                     f"{short(s.local):<12} {short(s.upstream)}")
        if upstreams is not None and s.artifact_id in upstreams:
            lines.append(f"    from {printable(describe_upstream(upstreams[s.artifact_id]))}")
        if s.merge_line is not None and s.merge_line != "collection":
            lines.append(f"    {merge_waiting_hint(s.name, s.merge_line)}")
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


def version_notes(meta: dict, number: dict[int, int]) -> list[str]:
    """What `log` says about a version beside its hashes: ref, commit and subject, moves, matches."""
    notes = []
    if meta.get("resolved_commit"):
        # The last commit that changed the artifact's path (since issue 18), else the commit synced.
        ref = f"{meta['ref']} " if meta.get("ref") else ""
        subject, date = meta.get("commit_subject"), meta.get("commit_date")
        commit = str(meta.get("path_commit") or meta["resolved_commit"])[:10]
        notes.append(printable(f"{ref}{commit}" + (f" {str(date)[:10]}" if date else "")
                               + (f" {subject!r}" if subject else "")))
    before = meta.get("previous_upstream")
    if isinstance(before, dict):
        from core.sync import describe_upstream
        from core.upstreams import UpstreamSpec

        spec = UpstreamSpec("git" if before.get("kind") == "git" else "folder", str(before.get("location") or "?"),
                            before.get("ref"), before.get("subdir"))
        notes.append(f"upstream was {printable(describe_upstream(spec))}")
    if meta.get("recorded_before") == "remove":
        notes.append("recorded before remove")
    if meta.get("matches_version") in number:
        notes.append(f"same content as v{number[meta['matches_version']]}")
    return notes


def log_text(art: "ArtifactInfo", versions: list["VersionInfo"], number: dict[int, int] | None = None) -> str:
    """Newest first. VERSION is the artifact's own v1…vN, as the window numbers them (over
    all lines); ID is the database id (`diff` takes either: `v3` or `#12`). A removed
    artifact's log ends with when it was removed."""
    removed = ""
    if art.removed_at is not None:
        removed = (f"{art.type} {printable(repr(art.name))} was removed on "
                   f"{art.removed_at.strftime('%Y-%m-%d %H:%M:%S')} UTC; `add {printable(art.name)} --source SRC` "
                   "tracks it again and its history goes on.\n")
    if not versions:
        return removed or f"{printable(art.name)}: no versions yet; run `sync {printable(art.name)}`.\n"
    from core.history import ordinal_by_id

    number = number if number is not None else ordinal_by_id(versions)
    lines = [f"{'VERSION':>7}  {'ID':>5}  {'CREATED (UTC)':<19}  {'LINE':<12}  {'ORIGIN':<18}  {'CONTENT':<12}  "
             f"{'PARENT':<12}  NOTE"]
    for v in versions:
        meta = v.metadata
        notes = version_notes(meta, number)
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
                     f"{short(v.parent_hash):<12}  {'; '.join(notes)}")
    return "\n".join(lines) + "\n" + removed


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
            note = (note + "; " if note else "") + "conflict: push or deploy --strategy merge, push --strategy take-project or deploy --strategy overwrite"
        elif c.action == "recorded" or (c.action == "nothing" and st.state.value == "modified"):
            note = (note + "; " if c.action == "recorded" else "") + \
                f"`push {printable(st.artifact)} --project {printable(st.project)}` brings it back"
        lines.append(f"  {printable(st.artifact):<22} {printable(st.project):<20} {st.state.value:<10} {note}")
        if c.error:
            lines.append(f"    error: {printable(c.error)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- diff


def diff_json(old: str | None, new: str, changes: Iterable["FileChange"]) -> dict:
    files = []
    for c in changes:
        doc = {"path": c.display_path, "status": c.status, "old_digest": c.old_digest,
               "new_digest": c.new_digest, "size": c.new_size if c.new_size is not None else c.old_size}
        if c.status == "renamed":
            doc["old_path"], doc["similarity"] = c.display_old_path, c.similarity
        files.append(doc)
    return {"old": old, "new": new, "files": files}


def _label(c: "FileChange") -> str:
    if c.status == "renamed":
        return f"{printable(c.display_old_path)} => {printable(c.display_path)}"
    return printable(c.display_path)


def diff_name_only(changes: list["FileChange"]) -> str:
    return "".join(printable(c.display_path) + "\n" for c in changes)


def diff_stat(changes: list["FileChange"], file_diff: Callable[["FileChange"], "FileDiff"],
              colour: bool = False,
              counts: Callable[["FileChange", "FileDiff"], tuple[int, int] | None] | None = None) -> str:
    """git's --stat: one line per file with lines added and removed, then the totals.
    `counts` gives (added, removed), None for a binary file (default: the line diff's)."""
    from core import diff

    if not changes:
        return "No differences.\n"
    rows, plus_total, minus_total = [], 0, 0
    for c in changes:
        fd = file_diff(c)
        counted = counts(c, fd) if counts is not None else (None if fd.binary else diff.line_counts(fd))
        plus, minus = counted or (0, 0)
        plus_total, minus_total = plus_total + plus, minus_total + minus
        rows.append((_label(c), "Bin" if counted is None else str(plus + minus), plus, minus))
    width = max(len(r[0]) for r in rows)
    count_width = max(len(r[1]) for r in rows)
    most = max((r[2] + r[3] for r in rows), default=0)
    bar_room = 40
    out = []
    for label, count, plus, minus in rows:
        scale = min(1.0, bar_room / most) if most else 0
        p, m = round(plus * scale) or (1 if plus else 0), round(minus * scale) or (1 if minus else 0)
        bar = (GREEN_ + "+" * p + RESET_ + RED_ + "-" * m + RESET_) if colour else "+" * p + "-" * m
        out.append(f" {label:<{width}} | {count:>{count_width}} {bar}".rstrip())
    files = len(changes)
    out.append(f" {files} file{'s' if files != 1 else ''} changed, {plus_total} insertion"
               f"{'s' if plus_total != 1 else ''}(+), {minus_total} deletion{'s' if minus_total != 1 else ''}(-)")
    return "\n".join(out) + "\n"


GREEN_, RED_, CYAN_, BOLD_, RESET_ = "\x1b[32m", "\x1b[31m", "\x1b[36m", "\x1b[1m", "\x1b[m"
_NO_NEWLINE = "\\ No newline at end of file"


def diff_text(name: str, old: str | None, new: str, changes: list["FileChange"],
              file_diff: Callable[["FileChange"], "FileDiff"], colour: bool = False) -> str:
    """The summary of changed files, then a unified diff per file (`file_diff` reads the store)."""
    from core import diff

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET_}" if colour else text

    out = [paint(BOLD_, f"{printable(name)}: {short(old) if old else '(nothing)'} -> {short(new)}"), ""]
    if not changes:
        out.append("No differences.")
    else:
        width = max(len(c.status) for c in changes)
        for c in changes:
            sizes = diff.human_size(c.old_size) + " -> " + diff.human_size(c.new_size)
            similar = f", {c.similarity}% similar" if c.status == "renamed" else ""
            out.append(f"  {c.status:<{width}}  {_label(c)}  ({sizes}{similar})")
        colours = {"+": GREEN_, "-": RED_, "@": CYAN_}
        for c in changes:
            fd = file_diff(c)
            old_path, new_path = printable(c.display_old_path), printable(c.display_path)
            out.append("")
            if c.status == "renamed":
                out += [paint(BOLD_, f"rename from {old_path}"), paint(BOLD_, f"rename to {new_path}")]
            out += [paint(BOLD_, f"--- a/{old_path}" if c.old_digest else "--- /dev/null"),
                    paint(BOLD_, f"+++ b/{new_path}" if c.new_digest else "+++ /dev/null")]
            if fd.note:
                out.append(f"# {printable(fd.note)}")
            for ln in fd.lines:
                # Escaped here, not by write(): the colours added below must reach the terminal.
                text = ln.text if ln.kind == "@" else ln.kind + printable(ln.text, keep_tabs=True)
                out.append(paint(colours[ln.kind], text) if ln.kind in colours else text)
                if ln.no_newline:
                    out.append(_NO_NEWLINE)
    return "\n".join(out) + "\n"


def add_text(outcome: "AddOutcome", where: str) -> str:
    """`add --all`: what was added (and where it lives), then what was skipped and why."""
    lines = []
    if outcome.added:
        lines.append(f"Added {len(outcome.added)} artifact{'s' if len(outcome.added) != 1 else ''} "
                     f"from {printable(where)}:")
        width = max(len(printable(a.name)) for a in outcome.added)
        lines += [f"  {a.type:<8} {printable(a.name):<{width}}  {printable(a.place)}"
                  + (f"  (plugin {printable(a.plugin)})" if a.plugin else "") for a in outcome.added]
    if outcome.skipped:
        lines.append(f"Skipped {len(outcome.skipped)}:")
        width = max(len(printable(f.name)) for f, _ in outcome.skipped)
        lines += [f"  {f.type:<8} {printable(f.name):<{width}}  {printable(reason)}" for f, reason in outcome.skipped]
    lines += [f"Note: {printable(note)}" for note in outcome.notes]
    if outcome.added:
        lines.append("Run `sync` to copy them in.")
    elif outcome.all_tracked:
        lines.append(f"All {len(outcome.found)} were already tracked; nothing to add.")
    return "\n".join(lines) + "\n"

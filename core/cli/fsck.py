"""`main.py fsck [--repair] [--json]`: verify every object and manifest, say which versions damage affects.

Exit 0 when nothing is damaged (or everything damaged was repaired), 1 when something
stays damaged. The engine is core.sync.fsck (store check: core.store.check_store).
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from core.cli import terminal
from core.cli.commands import open_workspace
from core.cli.output import printable, write, write_json

if TYPE_CHECKING:
    from core.sync import FsckReport, Problem

EXIT_OK, EXIT_FAILED = 0, 1


def cmd_fsck(args: argparse.Namespace) -> int:
    from core.sync import fsck

    with open_workspace(args) as ws:
        report = fsck(ws, repair=args.repair,
                      progress=terminal.counter(lambda done, total: f"Checked {done}/{total} files", every=200))
    if args.json:
        write_json(fsck_json(report, args.repair))
    else:
        write(fsck_text(report, args.repair))
    return EXIT_FAILED if report.remaining else EXIT_OK


def _versions_text(problem: "Problem") -> str:
    if not problem.versions:
        return "used by no recorded version"
    parts = []
    for v in problem.versions:
        files = f" ({', '.join(printable(path) for path in v.paths)})" if v.paths else ""
        who = f", recorded by {printable(v.recorded_by)}" if v.recorded_by else ""
        parts.append(f"{v.type}/{printable(v.artifact)} v{v.number}{files}{who}")
    return "affects " + "; ".join(parts)


def _size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def fsck_text(report: "FsckReport", repair: bool) -> str:
    lines = [
        f"Checked {report.objects_checked} objects, {report.manifests_checked} manifests "
        f"and {report.versions_checked} versions."
    ]
    for p in report.problems:
        what = "missing" if p.reason == "missing" else f"damaged ({printable(p.reason)})"
        lines.append(f"{p.kind} {p.name} {what}: {printable(p.path)}")
        lines.append(f"  {_versions_text(p)}")
        if p.repaired_from:
            lines.append(f"  repaired from {printable(p.repaired_from)}")
        elif repair and p.versions and all(v.by_other_member for v in p.versions):
            lines.append("  not repaired here: only the data folder that recorded it holds this content")
        elif repair:
            lines.append("  not repaired: no collection copy or upstream holds this content any more")
    for stray in report.strays:
        lines.append(f"stray file (names no object, left alone): {printable(stray)}")
    if report.leftovers:
        count = len(report.leftovers)
        files = f"{count} temp file{'s' if count != 1 else ''} left by interrupted writes"
        size = _size_text(report.leftover_bytes)
        lines.append(f"{files} ({size}, never read): removed." if report.leftovers_removed
                     else f"{files} ({size}, never read): `fsck --repair` removes them.")
    for note in report.notes:
        lines.append(f"note: {printable(note)}")
    remaining = report.remaining
    if not report.problems:
        lines.append("No damage found.")
    elif not remaining:
        lines.append(f"All {len(report.problems)} problems repaired.")
    elif repair:
        lines.append(f"{len(remaining)} of {len(report.problems)} problems remain; the versions named above "
                     "can be listed but not compared or restored where they need that content.")
    elif all(p.versions and all(v.by_other_member for v in p.versions) for p in remaining):
        lines.append(f"{len(remaining)} problems found: the content of the versions named above is only in the data "
                     "folder of the members who recorded them; their next sync (or `fsck --repair` there) uploads it.")
    else:
        lines.append(f"{len(remaining)} problems found; run `fsck --repair` to restore what a collection copy, "
                     "a project's copy or an upstream still holds.")
    return "\n".join(lines) + "\n"


def fsck_json(report: "FsckReport", repair: bool) -> dict:
    return {
        "repair": repair,
        "objects_checked": report.objects_checked,
        "manifests_checked": report.manifests_checked,
        "versions_checked": report.versions_checked,
        "problems": [
            {"kind": p.kind, "name": p.name, "path": p.path, "reason": p.reason,
             "repaired_from": p.repaired_from,
             "versions": [{"artifact": v.artifact, "type": v.type, "number": v.number, "id": v.version_id,
                           "content_hash": v.content_hash, "paths": list(v.paths),
                           "recorded_by": v.recorded_by, "by_other_member": v.by_other_member} for v in p.versions]}
            for p in report.problems
        ],
        "remaining": len(report.remaining),
        "strays": list(report.strays),
        "leftovers": list(report.leftovers),
        "leftover_bytes": report.leftover_bytes,
        "leftovers_removed": report.leftovers_removed,
        "notes": list(report.notes),
    }

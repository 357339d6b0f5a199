"""`blame NAME [FILE] [--version V] [--json]`: which version brought each line (docs/cli.md).

The walk is core.ancestry.blame; this module resolves the version, writes one row per
line (version, origin, line, date, commit subject of a sync) or the JSON list.
"""
from __future__ import annotations

import argparse
import sys

from core.cli.commands import open_workspace, resolve_version
from core.cli.output import printable, write_json

EXIT_OK = 0
SUBJECT_WIDTH = 24

__all__ = ["BLAME_COMMANDS", "add_blame_parser", "blame_json", "blame_text", "cmd_blame"]


def add_blame_parser(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("blame", parents=[common], help="which version brought each line of a file")
    p.add_argument("name", metavar="NAME")
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="a file of the artifact (default: SKILL.md, or a command's or agent's one file)")
    p.add_argument("--version", metavar="V", dest="at",
                   help="blame the file as it was in V (v3, #12 or a hash prefix; default: the collection's head)")
    p.add_argument("--json", action="store_true", help="one JSON list on stdout")
    p.add_argument("--no-pager", action="store_true", help="never page the output (default: page on a terminal)")


def _version_id(history, art, token: str) -> int:
    """The version V names: vN and #id exactly; a hash prefix as its newest version (the
    collection's first)."""
    from core.history import ordinal_by_id

    versions = history.versions(art.id)
    text = token.strip()
    if text[:1] in ("v", "V") and text[1:].isdigit():
        wanted = {n: vid for vid, n in ordinal_by_id(versions).items()}.get(int(text[1:]))
        if wanted is not None:
            return wanted
    if text.startswith("#") and text[1:].isdigit() and any(v.id == int(text[1:]) for v in versions):
        return int(text[1:])
    content = resolve_version(history, art, text)  # raises in a sentence (exit 2)
    same = [v for v in versions if v.content_hash == content]
    return next((v.id for v in same if v.line == "collection"), same[0].id)


def subject_of(version) -> str:
    """The upstream commit's subject of a synced version ('' for any other)."""
    if version.change_origin != "sync":
        return ""
    return str(version.metadata.get("commit_subject") or "")


def blame_json(result) -> list[dict]:
    out = []
    for line in result.lines:
        v = result.versions[line.version_id]
        out.append({"line_no": line.line_no, "text": line.text, "version": f"v{result.number(v.id)}",
                    "change_origin": v.change_origin, "line": v.line, "created_at": v.created_at.isoformat()})
    return out


def blame_text(result) -> str:
    rows = []
    width = len(str(len(result.lines)))
    cells: dict[int, str] = {}
    for line in result.lines:
        cell = cells.get(line.version_id)
        if cell is None:
            v = result.versions[line.version_id]
            subject = printable(subject_of(v))
            if len(subject) > SUBJECT_WIDTH:
                subject = subject[:SUBJECT_WIDTH - 1] + "…"
            cell = (f"{'v' + str(result.number(v.id)):>6}  {v.change_origin.replace('_', ' '):<18}  "
                    f"{printable(v.line)[:12]:<12}  {v.created_at.strftime('%Y-%m-%d')}  {subject:<{SUBJECT_WIDTH}}")
            cells[line.version_id] = cell
        rows.append(f"{cell}  {line.line_no:>{width}}) {printable(line.text, keep_tabs=True)}")
    return "\n".join(rows) + ("\n" if rows else "")


def cmd_blame(args: argparse.Namespace) -> int:
    from core.ancestry import LONG_WALK, blame_file
    from core.cli import terminal

    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name, include_removed=True)
        at = _version_id(ws.history, art, args.at) if args.at else None
        # A first blame of a long history reads every version's file: say how far it is.
        result = blame_file(ws, art.id, args.file, at, progress=terminal.counter(
            lambda done, total: f"Read {done:,} of {total:,} versions", least=LONG_WALK))
    if args.json:
        write_json(blame_json(result))
        return EXIT_OK
    text = blame_text(result)
    if not result.lines:
        text = f"{printable(result.path)} is empty in v{result.number(result.version.id)}.\n"
    terminal.page(text.encode("utf-8", "surrogateescape"), enabled=not args.no_pager)
    sys.stdout.flush()
    return EXIT_OK


BLAME_COMMANDS = {"blame": cmd_blame}

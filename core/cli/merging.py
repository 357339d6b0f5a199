"""`merge NAME [--continue | --abort]`: finishing a merge with conflicts from the command line.

`merge NAME` writes (once) a work folder holding the merge with git-style conflict
markers and prints its path; `--continue` records what the folder holds (refused while
markers remain); `--abort` drops the pending merge. See docs/cli.md and docs/merge.md.
"""
from __future__ import annotations

import argparse

from core.cli.commands import open_workspace
from core.cli.output import printable, write, write_json

EXIT_OK = 0

__all__ = ["MERGE_COMMANDS", "cmd_merge", "add_merge_parser"]


def add_merge_parser(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("merge", parents=[common], help="resolve a merge that stopped on conflicts")
    p.add_argument("name", help="the artifact whose merge waits")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--continue", dest="continue_", action="store_true",
                      help="record the edited work folder as the merge's result")
    what.add_argument("--abort", action="store_true", help="drop the waiting merge; nothing else changes")
    p.add_argument("--project", metavar="P",
                   help="the merge started by push/deploy --project P --strategy merge (default: the collection's)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def cmd_merge(args: argparse.Namespace) -> int:
    from core.history import ordinal_by_id
    from core.sync.merging import abort_merge, pending_merge
    from core.sync.workfolder import continue_from_work_folder, write_work_folder

    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name)
        line = "collection"
        if args.project:
            from core.projects import get_project

            line = get_project(ws, args.project).name
        again = f"merge {printable(art.name)}" + (f" --project {printable(line)}" if args.project else "")
        if args.abort:
            from core.sync.pending import has_pending

            if not has_pending(ws.home, art.id, line):
                pending_merge(ws, art, line)  # names what to do when none waits
            # Never read the record: a damaged one must be droppable too.
            abort_merge(ws, art, line)
            doc = {"name": art.name, "action": "aborted"}
            text = (f"Dropped the merge of {printable(art.name)!r} and deleted its work folder; "
                    "no copy was changed.\n")
        elif args.continue_:
            outcome = continue_from_work_folder(ws, art, line)
            doc = {"name": art.name, "action": "merged", "new_hash": outcome.content_hash,
                   "version_id": outcome.version_id, "version_recorded": outcome.version_recorded,
                   "not_recorded_reason": outcome.not_recorded_reason}
            number = ordinal_by_id(ws.history.versions(art.id)) if outcome.version_recorded else {}
            text = f"Merged {printable(art.name)!r}: now {outcome.content_hash[:12]}" + (
                f" (v{number.get(outcome.version_id, '?')})." if outcome.version_recorded
                else f"; {printable(outcome.not_recorded_reason or '')}") + "\n"
        else:
            work = write_work_folder(ws, art, line)
            doc = {"name": art.name, "action": "written" if work.written else "exists",
                   "path": str(work.path), "conflicts": list(work.notes)}
            lines = [printable(str(work.path)), ""] + [f"  {printable(note)}" for note in work.notes]
            lines.append("")
            lines.append(("Wrote the merge to the path above; " if work.written else
                          "The work folder is there already (your edits were kept); ")
                         + f"edit it, then run `{again} --continue` (or `{again} --abort` to drop the merge, "
                           "which deletes this folder and your edits in it).")
            text = "\n".join(lines) + "\n"
    if args.json:
        write_json(doc)
    else:
        write(text)
    return EXIT_OK


MERGE_COMMANDS = {"merge": cmd_merge}

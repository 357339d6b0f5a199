"""The sub-commands that change what is tracked: `edit` (another upstream) and `remove`.

Each `cmd_*` takes the parsed arguments and returns the exit code (docs/cli.md);
the work is core.sync.managing's.
"""
from __future__ import annotations

import argparse

from core.cli.commands import EXIT_FAILED, EXIT_OK, open_workspace
from core.cli.output import printable, write, write_err

__all__ = ["MANAGE_COMMANDS", "cmd_edit", "cmd_remove"]


def cmd_edit(args: argparse.Namespace) -> int:
    from core import sync
    from core.cli.usage import UsageError

    if args.source is None and args.ref is None and args.subdir is None and not args.folder:
        raise UsageError("edit needs at least one of --source, --ref, --subdir or --folder; "
                         "`status -v` shows the current ones.")
    keep = sync.KEEP
    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name)
        outcome = sync.edit_upstream(
            ws, art, source=args.source,
            ref=keep if args.ref is None else args.ref,
            subdir=keep if args.subdir is None else args.subdir,
            folder=args.folder,
        )
    name = f"{art.type} {printable(repr(art.name))}"
    new, old = printable(sync.describe_upstream(outcome.new)), printable(sync.describe_upstream(outcome.old))
    if not outcome.changed:
        write(f"The {name} already follows {new}; nothing changed.\n")
        return EXIT_OK
    if args.source is not None:
        from core.cli.commands import work_tree_note

        write(work_tree_note(args.source, outcome.new))
    write(f"The {name} now follows {new} (was {old}); the next `sync {printable(art.name)}` brings its content "
          "as a new version.\n")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    from core import sync
    from core.cli import terminal
    from core.cli.usage import UsageError

    if args.plugin is not None:
        if args.name:
            raise UsageError("give a NAME or --plugin PLUGIN, not both.")
        return _remove_plugin(args)
    if not args.name:
        raise UsageError("remove needs the NAME of an artifact, or --plugin PLUGIN for all of a plugin's.")
    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name, include_removed=args.purge)
        count = len(ws.history.versions(art.id))
        name = f"{art.type} {printable(repr(art.name))}"
        if args.purge:
            question = f"Remove the {name} and delete its history ({count} version{'s' if count != 1 else ''})?"
        else:
            question = f"Remove the {name} and its collection copy ({printable(art.place)}); keep its history?"
        if not terminal.ask(question, args.yes, f"Removing the {name}"):
            write_err("Nothing was removed.")
            return EXIT_FAILED
        outcome = sync.remove_artifact(ws, art, purge=args.purge)
        from core.history import ordinal_by_id

        number = ordinal_by_id(ws.history.versions(art.id)) if not args.purge else {}
    lines = []
    if outcome.recorded_version_id in number:
        lines.append(f"Recorded the collection copy's edits as v{number.get(outcome.recorded_version_id, '?')} first.")
    if outcome.copy_removed:
        lines.append(f"Deleted the collection copy {printable(art.place)}.")
    if outcome.untracked_projects:
        lines.append(f"Its copies in project{'s' if len(outcome.untracked_projects) > 1 else ''} "
                     f"{', '.join(printable(p) for p in outcome.untracked_projects)} stay where they are, "
                     "no longer tracked; deploy it again after adding it back to track them again.")
    if args.purge:
        lines.append(f"Removed the {name} and deleted its history ({count} version{'s' if count != 1 else ''}).")
    else:
        shown = printable(art.name)
        lines.append(f"Removed the {name}; its history stays: `log {art.type}/{shown}` shows it, "
                     f"`add {shown} --source SRC` tracks it again.")
    write("\n".join(lines) + "\n")
    if outcome.copy_error:
        write_err(f"error: {outcome.copy_error}")
        return EXIT_FAILED
    return EXIT_OK


def _remove_plugin(args: argparse.Namespace) -> int:
    from core import sync
    from core.cli import terminal

    with open_workspace(args) as ws:
        members = sync.plugin_artifacts(ws, args.plugin)
        shown = printable(repr(args.plugin))
        if members:
            names = ", ".join(printable(f"{a.type}/{a.name}") for a in members)
            keep = "delete their history" if args.purge else "keep their history"
            question = f"Remove the {len(members)} artifacts of plugin {shown} ({names}) and {keep}?"
            if not terminal.ask(question, args.yes, f"Removing the plugin {shown}"):
                write_err("Nothing was removed.")
                return EXIT_FAILED
        outcomes = sync.remove_plugin(ws, args.plugin, purge=args.purge)
    failed = [o for o in outcomes if o.copy_error]
    lines = [f"Removed the {len(outcomes)} artifact{'s' if len(outcomes) != 1 else ''} of plugin {shown}"
             + ("; their history is deleted." if args.purge else
                f"; their history stays (`add --plugin {printable(args.plugin)} --source SRC --include-removed` "
                "tracks them again).")]
    lines += [f"  {o.artifact.type:<8} {printable(o.artifact.name)}" for o in outcomes]
    write("\n".join(lines) + "\n")
    for o in failed:
        write_err(f"error: {o.copy_error}")
    return EXIT_FAILED if failed else EXIT_OK


MANAGE_COMMANDS = {"edit": cmd_edit, "remove": cmd_remove}

"""The command line's project sub-commands: project add/list/remove, deploy, push, restore.

Each `cmd_*` takes the parsed arguments, opens the workspace (imported lazily, so
`--help` stays instant), acts through core.projects and writes through
core.cli.output (docs/cli.md). Bad input (unknown project, artifact or version,
missing folder, duplicate or reserved name) exits 2; a refusal that protects
someone's edits exits 1 and changes nothing.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from core.cli.commands import EXIT_FAILED, EXIT_OK, open_workspace, resolve_version
from core.cli.output import printable, write, write_json

if TYPE_CHECKING:
    from core.history import ArtifactInfo, History, VersionInfo

__all__ = ["PROJECT_COMMANDS", "add_project_parsers", "version_for"]


def add_project_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """The parser blocks of the project sub-commands (called by core.cli.main.build_parser)."""
    p = sub.add_parser("project", parents=[common], help="register, list or forget project folders")
    actions = p.add_subparsers(dest="project_command", metavar="ACTION", required=True,
                               parser_class=type(p))
    a = actions.add_parser("add", parents=[common], help="track a project folder (artifacts under PATH/.claude/)")
    a.add_argument("name", help="the project's name (also the name of its line of versions)")
    a.add_argument("path", help="an existing folder; ~/.claude's owner is the project whose path is ~")
    a = actions.add_parser("list", parents=[common], help="the registered projects")
    a.add_argument("--json", action="store_true", help="one JSON document on stdout")
    a = actions.add_parser("remove", parents=[common], help="stop tracking a project (its files stay)")
    a.add_argument("name")

    p = sub.add_parser("deploy", parents=[common], help="copy artifacts from the collection into a project")
    p.add_argument("name", nargs="*", metavar="NAME", help="the artifact(s)")
    p.add_argument("--all", action="store_true", help="every artifact that has a version in the collection")
    p.add_argument("--project", required=True, metavar="P")
    p.add_argument("--version", metavar="V", help="v3, #12 or a hash prefix (default: the collection's head)")
    p.add_argument("--strategy", choices=("overwrite", "merge"),
                   help="overwrite: record the project copy's edits, then replace them; "
                        "merge: merge the collection's changes into the project copy, file by file")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("push", parents=[common], help="bring a project copy's edits back into the collection")
    p.add_argument("name", help="the artifact")
    p.add_argument("--project", required=True, metavar="P")
    p.add_argument("--strategy", choices=("take-project", "merge"),
                   help="take-project: when the collection moved on too, keep the project's content; "
                        "merge: merge the project's edits into the collection copy, file by file")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("restore", parents=[common],
                       help="put an earlier version back (recorded as a new rollback version)")
    p.add_argument("name", help="the artifact")
    p.add_argument("version", metavar="VERSION", help="v3, #12 or a hash prefix")
    p.add_argument("--project", metavar="P", help="restore that project's copy (default: the collection copy)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def version_for(history: "History", artifact: "ArtifactInfo", token: str) -> "VersionInfo":
    """The exact version `token` names: v3 and #12 name one version; a hash prefix names
    the newest version holding that content (on the collection line first)."""
    from core.history import COLLECTION_LINE, ordinal_by_id

    text = token.strip()
    versions = history.versions(artifact.id)
    if text[:1] in ("v", "V") and text[1:].isascii() and text[1:].isdigit():
        wanted = int(text[1:])
        for version_id, number in ordinal_by_id(versions).items():
            if number == wanted:
                return next(v for v in versions if v.id == version_id)
    by_id = text[1:] if text.startswith("#") else text
    if by_id.isascii() and by_id.isdigit():
        found = next((v for v in versions if v.id == int(by_id)), None)
        if found is not None:
            return found
    content = resolve_version(history, artifact, token)  # raises VersionNotFoundError, saying why
    holding = [v for v in versions if v.content_hash == content]
    return next((v for v in holding if v.line == COLLECTION_LINE), holding[0])


def cmd_project(args: argparse.Namespace) -> int:
    from core import projects

    with open_workspace(args) as ws:
        if args.project_command == "add":
            project = projects.add_project(ws, args.name, args.path)
            write(f"Added project {project.name!r} at {printable(project.path)}; deploy into it with "
                  f"`deploy NAME --project {project.name}`.\n")
        elif args.project_command == "remove":
            project = projects.remove_project(ws, args.name)
            from core.history import retired_line

            write(f"Stopped tracking project {project.name!r}; none of its files were touched. Its versions stay "
                  f"on the line {retired_line(project.name, project.id)!r}.\n")
        else:
            found = projects.list_projects(ws)
            if args.json:
                write_json({"projects": [{"name": p.name, "path": p.path} for p in found]})
            elif not found:
                write("No projects yet; add one with `project add NAME PATH`.\n")
            else:
                width = max(len(p.name) for p in found)
                write("".join(f"{printable(p.name):<{width}}  {printable(p.path)}\n" for p in found))
    return EXIT_OK


def cmd_deploy(args: argparse.Namespace) -> int:
    from core import projects
    from core.history import ordinal_by_id

    if args.all or len(args.name) != 1:  # many at once: core.cli.deploying
        from core.cli.deploying import deploy_many
        from core.cli.usage import UsageError

        if not args.all and not args.name:
            raise UsageError("deploy needs the NAME of an artifact (several, or --all) and --project P.")
        return deploy_many(args)
    args.name = args.name[0]
    if args.strategy == "merge":
        if args.version:
            from core.errors import RefusedError
            raise RefusedError("deploy --strategy merge merges the collection's head; leave out --version "
                               "(nothing was changed).")
        return _merge(args, projects.MergeDirection.DEPLOY)
    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name)
        project = projects.get_project(ws, args.project)
        version = version_for(ws.history, art, args.version) if args.version else None
        strategy = projects.DeployStrategy.OVERWRITE if args.strategy == "overwrite" else projects.DeployStrategy.REFUSE
        result = projects.deploy(ws, art, project, version, strategy)
        number = ordinal_by_id(ws.history.versions(art.id))
    if args.json:
        write_json({"artifact": result.artifact, "project": result.project, "content_hash": result.content_hash,
                    "source_version_id": result.source_version_id, "version_id": result.version_id,
                    "recorded": result.recorded, "edits_version_id": result.edits_version_id,
                    "was_missing": result.was_missing})
        return EXIT_OK
    if result.edits_version_id is not None:
        write(f"Recorded {result.project}'s edits as v{number[result.edits_version_id]} before overwriting them.\n")
    if not result.recorded and result.was_missing:
        write(f"Put back {result.project}'s missing copy of {result.artifact!r} v{number[result.source_version_id]} "
              f"({result.content_hash[:12]}); its line already records this content as "
              f"v{number[result.version_id]}, so nothing new was recorded.\n")
        return EXIT_OK
    what = "Deployed" if result.recorded else "Deployed (the project already held this content)"
    write(f"{what} {result.artifact!r} v{number[result.source_version_id]} ({result.content_hash[:12]}) "
          f"into {result.project} as v{number[result.version_id]}.\n")
    return EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    from core import projects
    from core.history import ordinal_by_id

    if args.strategy == "merge":
        return _merge(args, projects.MergeDirection.PUSH)
    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name)
        project = projects.get_project(ws, args.project)
        strategy = projects.PushStrategy.TAKE_PROJECT if args.strategy == "take-project" else projects.PushStrategy.REFUSE
        result = projects.push(ws, art, project, strategy)
        number = ordinal_by_id(ws.history.versions(art.id))
    if args.json:
        write_json({"artifact": result.artifact, "project": result.project, "state": result.state.value,
                    "action": result.action, "content_hash": result.content_hash,
                    "version_id": result.version_id, "project_version_id": result.project_version_id})
        return EXIT_OK
    extra = f" as v{number[result.version_id]}" if result.version_id in number else ""
    write(result.message.rstrip(".") + extra + ".\n")
    return EXIT_OK


def _merge(args: argparse.Namespace, direction: Any) -> int:
    """push/deploy --strategy merge: exit 1 when the merge stopped on conflicts (nothing changed)."""
    from core import projects
    from core.history import ordinal_by_id

    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name)
        project = projects.get_project(ws, args.project)
        result = projects.merge_deployment(ws, art, project, direction)
        number = ordinal_by_id(ws.history.versions(art.id))
    outcome = result.outcome
    if args.json:
        write_json({"artifact": result.artifact, "project": result.project, "direction": result.direction.value,
                    "line": result.line, "action": result.action, "content_hash": outcome.content_hash,
                    "version_id": outcome.version_id, "version_recorded": outcome.version_recorded,
                    "parents": [result.local_version_id, result.other_version_id],
                    "base_version_id": result.base_version_id, "conflicts": list(outcome.conflicts)})
    elif result.action == "conflict":
        lines = [f"The merge of {printable(result.artifact)!r} stopped on conflicts; nothing was changed:"]
        lines += [f"  {printable(note)}" for note in outcome.notes]
        lines.append(f"Resolve with `merge {printable(result.artifact)} --project {printable(result.project)}` "
                     "(then --continue), or drop it with --abort (which deletes the work folder `merge` writes, "
                     "with any edits in it).")
        write("\n".join(lines) + "\n")
    elif result.action == "merged":
        write(f"Merged {printable(result.artifact)!r} on the {printable(result.line)} line as "
              f"v{number.get(outcome.version_id, '?')} ({(outcome.content_hash or '')[:12]}).\n")
    else:
        write(f"Nothing to merge for {printable(result.artifact)!r} on the {printable(result.line)} line: "
              f"{printable(outcome.not_recorded_reason or 'it holds both sides already')}\n")
    return EXIT_FAILED if result.action == "conflict" else EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from core import projects
    from core.history import ordinal_by_id

    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name)
        project = projects.get_project(ws, args.project) if args.project else None
        version = version_for(ws.history, art, args.version)
        result = projects.restore(ws, art, version, project)
        number = ordinal_by_id(ws.history.versions(art.id))
    if args.json:
        write_json({"artifact": result.artifact, "line": result.line, "restored_version_id": result.restored_version_id,
                    "version_id": result.version_id, "edits_version_id": result.edits_version_id,
                    "recorded": result.recorded})
        return EXIT_OK
    if result.edits_version_id is not None:
        write(f"Recorded the unrecorded edits as v{number[result.edits_version_id]} first.\n")
    restored = f"v{number[result.restored_version_id]}"
    if result.recorded:
        write(f"Restored {result.artifact!r} {restored} on the {result.line} line "
              f"as rollback version v{number[result.version_id]}.\n")
    else:
        write(f"The {result.line} copy of {result.artifact!r} already holds {restored}; nothing recorded.\n")
    return EXIT_OK


PROJECT_COMMANDS = {"project": cmd_project, "deploy": cmd_deploy, "push": cmd_push, "restore": cmd_restore}

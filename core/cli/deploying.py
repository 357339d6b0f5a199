"""`deploy A B C --project P`, `deploy --all --project P` and `undeploy NAME --project P [--delete]`.

Many at once: each artifact is deployed as `deploy NAME` would be; one refusal or failure
is reported and the rest go on (exit 1 when any did not deploy). core.projects does the work.
"""
from __future__ import annotations

import argparse
from typing import Any

from core.cli.commands import EXIT_FAILED, EXIT_OK, open_workspace
from core.cli.output import printable, write, write_err, write_json

__all__ = ["DEPLOYING_COMMANDS", "add_undeploy_parser", "deploy_many", "cmd_undeploy"]


def add_undeploy_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("undeploy", parents=[common],
                       help="stop following an artifact's copy in a project (history kept, copy left alone)")
    p.add_argument("name", help="the artifact")
    p.add_argument("--project", required=True, metavar="P")
    p.add_argument("--delete", action="store_true",
                   help="also delete the project copy (its unrecorded edits are recorded first)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def deploy_many(args: argparse.Namespace) -> int:
    """Several names, or --all: each deployed at its collection head, one line each."""
    from core import projects
    from core.cli.usage import UsageError
    from core.history import ordinal_by_id

    if args.version:
        raise UsageError("--version names one artifact's version; give one NAME with it.")
    if args.strategy == "merge":
        raise UsageError("deploy --strategy merge takes one NAME at a time (a merge may stop on conflicts); "
                         "deploy the others without it, or with --strategy overwrite.")
    if args.all and args.name:
        raise UsageError("give NAMEs or --all, not both.")
    strategy = projects.DeployStrategy.OVERWRITE if args.strategy == "overwrite" else projects.DeployStrategy.REFUSE
    docs, lines = [], []
    with open_workspace(args) as ws:
        project = projects.get_project(ws, args.project)
        if args.all:
            heads = ws.history.all_heads()
            artifacts = [a for a in ws.history.list_artifacts() if (a.id, "collection") in heads]
        else:
            artifacts = [ws.history.get_artifact(name) for name in dict.fromkeys(args.name)]
        many = projects.deploy_each(ws, artifacts, project, strategy)
        for each in many.outcomes:
            art, result = each.artifact, each.result
            if each.error is not None:
                docs.append({"artifact": art.name, "type": art.type, "project": project.name, "error": each.error})
                write_err(f"error: {art.name} ({art.type}): {each.error}")
                continue
            number = ordinal_by_id(ws.history.versions(art.id))
            docs.append({"artifact": result.artifact, "type": art.type, "project": result.project,
                         "content_hash": result.content_hash, "source_version_id": result.source_version_id,
                         "version_id": result.version_id, "recorded": result.recorded,
                         "edits_version_id": result.edits_version_id, "error": None})
            state = "deployed" if result.recorded else "already there"
            edits = (f"; its edits recorded first as v{number[result.edits_version_id]}"
                     if result.edits_version_id is not None else "")
            lines.append(f"  {art.type:<8} {printable(art.name):<24} v{number[result.source_version_id]} -> "
                         f"{printable(project.name)} v{number[result.version_id]} ({state}{edits})")
    failed = len(many.failed)
    if args.json:
        write_json({"project": args.project, "deployments": docs})
    else:
        done = len(artifacts) - failed
        head = f"Deployed {done} of {len(artifacts)} artifact{'s' if len(artifacts) != 1 else ''} into " \
               f"{printable(args.project)}" + (":" if lines else ".")
        if args.all and not artifacts:
            head = "Nothing to deploy: no artifact has a version in the collection yet; run `sync` first."
        write("\n".join([head, *lines]) + "\n")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_undeploy(args: argparse.Namespace) -> int:
    from core import projects
    from core.history import ordinal_by_id

    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name)
        project = projects.get_project(ws, args.project)
        result = projects.undeploy(ws, art, project, delete=args.delete)
        number = ordinal_by_id(ws.history.versions(art.id))
    if args.json:
        write_json({"artifact": result.artifact, "project": result.project, "path": result.path,
                    "deleted": result.deleted, "edits_version_id": result.edits_version_id})
        return EXIT_OK
    lines = []
    if result.edits_version_id is not None:
        lines.append(f"Recorded {printable(result.project)}'s unrecorded edits as v{number[result.edits_version_id]} "
                     "first.")
    if result.deleted:
        lines.append(f"Undeployed {printable(result.artifact)!r} from {printable(result.project)} and deleted its copy "
                     f"{printable(result.path)}; its {printable(result.project)} line stays in the history.")
    else:
        lines.append(f"Undeployed {printable(result.artifact)!r} from {printable(result.project)}; the copy "
                     f"{printable(result.path)} was left alone (--delete removes it) and its history stays.")
    write("\n".join(lines) + "\n")
    return EXIT_OK


DEPLOYING_COMMANDS = {"undeploy": cmd_undeploy}

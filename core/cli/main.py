"""The headless command line: the same engine as the window, for scripts and cron.

See docs/cli.md for every command, its JSON shape and the exit codes:
0 all well, 1 some artifact failed or conflicted (or the data folder could not be
used), 2 bad usage or input. Errors go to stderr as one sentence, never a
traceback (unless --debug).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

# The sub-commands import nothing heavy at module level: `--help` must stay instant.
from core.cli.commands import COMMANDS, EXIT_FAILED, EXIT_OK, EXIT_USAGE, cmd_install_desktop_entry
from core.cli.merging import MERGE_COMMANDS, add_merge_parser
from core.cli.manage import MANAGE_COMMANDS
from core.cli.output import write_err
from core.cli.usage import UsageError
from core.cli.projects import PROJECT_COMMANDS, add_project_parsers
from core.cli.fsck import cmd_fsck
from core.cli.blame import BLAME_COMMANDS, add_blame_parser
from core.cli.deploying import DEPLOYING_COMMANDS, add_undeploy_parser

__all__ = ["main", "build_parser", "COMMANDS", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "UsageError"]

OpenWindow = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line, not argparse's usage block: scripts read stderr too.
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message}; see --help.\n")


def _version() -> str:
    from core.version import app_version

    return app_version()


class _VersionAction(argparse.Action):
    """argparse's "version" action wants the text when the parser is built; looking the
    package up (importlib.metadata) costs more than a whole `hash`, so only when asked."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the program's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        sys.stdout.write(f"artifact-lineage {_version()}\n")
        parser.exit()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    # The global options are accepted before or after the sub-command; SUPPRESS keeps a
    # sub-command's missing option from overwriting one given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS,
                        help="data folder (default: $ARTIFACT_LINEAGE_HOME or the platform's user data folder)")
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="SQLAlchemy database URL (default: $ARTIFACT_LINEAGE_DB or SQLite in the data folder)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a traceback on unexpected errors")

    parser = _Parser(
        prog="main.py",
        description="Artifact Lineage: keep a collection of Claude Code artifacts synced from their upstreams "
                    "and record every version. With no sub-command, opens the window.",
        parents=[common],
    )
    parser.add_argument("-V", "--version", action=_VersionAction)
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="install the desktop launcher for the current user and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("add", parents=[common], help="track a new artifact, or --all an upstream holds")
    p.add_argument("name", nargs="?", metavar="NAME", help="the artifact's name in the collection (not with --all)")
    p.add_argument("--source", required=True, help="a folder or file path, or a git URL")
    p.add_argument("--all", action="store_true",
                   help="add every skill, command, agent and output style the upstream holds (at --subdir); "
                        "a marketplace: every plugin it lists")
    p.add_argument("--plugin", metavar="PLUGIN", help="add one plugin the upstream's marketplace lists, as a group")
    p.add_argument("--include-removed", action="store_true",
                   help="with --all / --plugin: track artifacts removed earlier again (default: skip them)")
    p.add_argument("--ref", help="git branch, tag or commit (default: the remote's default branch)")
    p.add_argument("--subdir", help="path inside the folder or repository")
    p.add_argument("--type", choices=("skill", "command", "agent", "output-style", "other"), help="default: inferred")
    p.add_argument("--folder", action="store_true",
                   help="a git work tree's files as they are on disk (default: git, its current branch's commits)")

    p = sub.add_parser("edit", parents=[common], help="point an artifact at another source, ref or sub-folder")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--source", help="a new folder or file path, or git URL (default: keep)")
    p.add_argument("--ref", help="a new git branch, tag or commit; '' for the default branch (default: keep)")
    p.add_argument("--subdir", help="a new path inside the upstream; '' for its root (default: keep)")
    p.add_argument("--folder", action="store_true",
                   help="a git work tree's files as they are on disk (default: git, its current branch's commits)")

    p = sub.add_parser("remove", parents=[common], help="stop tracking an artifact and delete its collection copy")
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("--plugin", metavar="PLUGIN", help="remove every artifact of this plugin (instead of NAME)")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask (for scripts)")
    p.add_argument("--purge", action="store_true", help="also delete its history (default: keep it, shown as removed)")

    p = sub.add_parser("sync", parents=[common], help="bring artifacts up to date and record versions")
    p.add_argument("names", nargs="*", metavar="NAME", help="artifacts to sync (default: all)")
    p.add_argument("--strategy", choices=("keep-local", "take-upstream", "merge"), default="keep-local",
                   help="what to do when both sides changed (default: keep-local)")
    p.add_argument("--deploy", action="store_true",
                   help="also update outdated deployments (never modified or conflicting ones)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("status", parents=[common], help="the state of each artifact (changes nothing)")
    p.add_argument("-v", "--verbose", action="store_true", help="also each artifact's source, ref and sub-folder")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("log", parents=[common], help="an artifact's versions, newest first")
    p.add_argument("name")
    p.add_argument("--line", metavar="LINE", help="only this line: collection, upstream or a project's name")
    p.add_argument("--limit", type=_positive_int, metavar="N", help="only the newest N versions (of the line, with --line)")
    p.add_argument("--where", metavar="QUERY",
                   help="only versions the query matches: words (hash prefix, subject, notes), origin:, line:, "
                        "since:, until:, file:, text: (docs/cli.md)")
    p.add_argument("--json", action="store_true",
                   help="one JSON document on stdout (indented on a terminal, compact otherwise)")

    p = sub.add_parser("diff", parents=[common], help="compare two versions of an artifact",
                       usage="%(prog)s [options] NAME [OLD [NEW]] [-- PATH ...]",
                       epilog="Paths after -- limit the comparison to those files or folders.")
    p.add_argument("name")
    p.add_argument("old", nargs="?", metavar="OLD",
                   help="version id (#12 or 12) or content hash prefix (default: the head's parent)")
    p.add_argument("new", nargs="?", metavar="NEW", help="version id or hash prefix (default: the head)")
    p.set_defaults(paths=[])
    p.add_argument("--upstream", action="store_true",
                   help="compare the collection head with the upstream state a diverged sync kept aside")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--stat", action="store_true", help="only the changed files with lines added and removed")
    shown.add_argument("--name-only", action="store_true", help="only the changed files' paths")
    shown.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the diff (default: auto, when stdout is a terminal)")
    p.add_argument("--no-pager", action="store_true", help="never page the output (default: page on a terminal)")

    add_blame_parser(sub, common)
    add_project_parsers(sub, common)
    add_undeploy_parser(sub, common)
    add_merge_parser(sub, common)

    p = sub.add_parser("fsck", parents=[common],
                       help="verify every stored object and manifest; say which versions damage affects")
    p.add_argument("--repair", action="store_true",
                   help="write damaged or missing content again from a collection copy, project copy or upstream that holds it")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("hash", parents=[common], help="print the content hash of a file or folder")
    p.add_argument("path")
    p.add_argument("--manifest", action="store_true", help="print 'kind digest path' per entry, in hash order")
    p.add_argument("-z", "--null", action="store_true",
                   help="with --manifest: end each entry with NUL instead of newline (for names holding newlines)")
    return parser


def _exit_code_for(exc: BaseException) -> int:
    """Bad input (names, paths, versions, sources) → 2; trouble with the data or the disk → 1."""
    from core import errors

    input_errors: tuple[type[BaseException], ...] = (
        errors.ArtifactNotFoundError, errors.ArtifactExistsError, errors.VersionNotFoundError,
        errors.UpstreamError, errors.HashingError, errors.UnsafeEntryError, errors.DataFolderError,
        errors.DatabaseUrlError, errors.SettingError, errors.ProjectError, errors.ConfirmationError, UsageError,
        errors.FileNotInVersionError, errors.QueryError,
    )
    try:
        from core.workspace import InvalidNameError

        input_errors += (InvalidNameError,)
    except ImportError:  # pragma: no cover
        pass
    return EXIT_USAGE if isinstance(exc, input_errors) else EXIT_FAILED


def _refuse_undecodable(args: argparse.Namespace) -> None:
    """UsageError (exit 2) for an argument holding bytes that are not UTF-8 (they arrive as
    surrogates): names, sources and folders are kept as text in the database. Only the
    paths `hash` hashes and `diff -- PATH` filters by stay bytes, and may be anything."""
    from core.textsafe import printable

    skip = {"paths"} | ({"path"} if args.command == "hash" else set())
    for key, value in vars(args).items():
        for text in value if isinstance(value, list) else [value]:
            if key in skip or not isinstance(text, str):
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                label = {"name": "The project name" if args.command == "project" else "The artifact name",
                         "names": "The artifact name", "project": "The project name", "path": "The folder",
                         "source": "The source", "home": "The data folder", "version": "The version",
                         "old": "The version", "new": "The version"}.get(key, f"The --{key} value")
                raise UsageError(
                    f"{label} '{printable(text)}' is not valid UTF-8, and names, sources and folders are kept as "
                    "text; rename it (or the folder holding it) to a UTF-8 name and try again."
                ) from None


def main(argv: list[str] | None = None, *, open_window: OpenWindow | None = None) -> int:
    """Run one command; returns the exit code. No sub-command → `open_window(args)` (the GUI)."""
    from core.errors import LineageError

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    paths: list[str] = []
    if "--" in argv and "diff" in argv[:argv.index("--")]:
        # `diff NAME v1 v3 -- SKILL.md`, as git: split here, or argparse would take a path for OLD.
        cut = argv.index("--")
        argv, paths = argv[:cut], argv[cut + 1:]
    args = parser.parse_args(argv)
    if paths:
        args.paths = paths
    debug = getattr(args, "debug", False)
    try:
        _refuse_undecodable(args)
        if args.install_desktop_entry:
            return cmd_install_desktop_entry(args)
        if args.command is None:
            if open_window is None:
                parser.error("no command given")
            return open_window(args)
        return {**COMMANDS, **PROJECT_COMMANDS, **MERGE_COMMANDS, **MANAGE_COMMANDS, **DEPLOYING_COMMANDS,
                **BLAME_COMMANDS, "fsck": cmd_fsck}[args.command](args)
    except (LineageError, UsageError) as exc:
        if debug:
            import traceback

            traceback.print_exc()
        write_err(f"error: {exc}")
        return _exit_code_for(exc)
    except KeyboardInterrupt:
        write_err("Interrupted; nothing half-done was kept (an interrupted copy is undone on the next start).")
        return 130
    except BrokenPipeError:
        # `main.py log x | head`: the reader went away; that is not an error of ours.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        write_err(f"error: unexpected {type(exc).__name__}: {exc}; run with --debug for details.")
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

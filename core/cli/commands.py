"""The command line's sub-commands: hash, add, sync, status, log, diff, --install-desktop-entry.

Each `cmd_*` takes the parsed arguments, opens the workspace it needs (imported
lazily, so `--help` stays instant), gathers the results and writes them through
core.cli.output; it returns the exit code (docs/cli.md). core.cli parses and
dispatches.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from core.cli.output import (
    add_text,
    diff_name_only,
    diff_stat,
    deployment_checks_json,
    deployment_checks_text,
    diff_json,
    diff_text,
    log_text,
    status_json,
    status_text,
    sync_json,
    sync_text,
    printable,
    write,
    write_err,
    write_json,
)

if TYPE_CHECKING:  # imported lazily at run time: `--help` must stay instant
    from core.history import ArtifactInfo, History
    from core.upstreams import UpstreamSpec

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def open_workspace(args: argparse.Namespace):
    from core.workspace import Workspace

    ws = Workspace.open(getattr(args, "home", None), getattr(args, "db", None))
    for message in ws.startup_messages:
        write_err(message)
    return ws


def cmd_hash(args: argparse.Namespace) -> int:
    from core.content import StatCache, hash_tree
    from core.workspace import resolve_home

    home = resolve_home(getattr(args, "home", None))
    cache = None
    if home.root.is_dir():  # a data folder in use: its stat cache saves re-reading; never create one just to hash
        try:
            home.cache_dir.mkdir(exist_ok=True)
            cache = StatCache(home.stat_cache_path)
        except OSError:
            pass  # hashing works without the cache, only slower
    tree = hash_tree(args.path, cache=cache)
    if cache is not None:
        try:
            cache.save()
        except OSError:
            pass
    if args.manifest:
        out = sys.stdout.buffer
        end = b"\0" if args.null else b"\n"
        for e in tree.entries:
            # Exact bytes with -z (for scripts); one escaped line per entry otherwise.
            path = e.path if args.null else printable(os.fsdecode(e.path)).encode("utf-8")
            out.write(e.kind.encode() + b" " + e.digest.encode() + b" " + path + end)
        out.flush()
    else:
        print(tree.content_hash)
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from core import sync
    from core.cli.usage import UsageError

    if args.plugin is not None:
        if args.name or args.all or args.type:
            raise UsageError("--plugin goes alone: it adds the artifacts the marketplace lists for that plugin, "
                             "named after their folders or files (give NAME, --all or --type without it).")
        with open_workspace(args) as ws:
            outcome = sync.add_plugin(ws, args.plugin, args.source, ref=args.ref, subdir=args.subdir,
                                      include_removed=args.include_removed, folder=args.folder)
        write(work_tree_note(args.source, outcome.spec)
              + add_text(outcome, sync.describe_upstream(outcome.spec) if outcome.spec else args.source))
        return EXIT_OK if outcome.added or outcome.all_tracked else EXIT_FAILED
    if args.all:
        if args.name:
            raise UsageError(f"give a NAME or --all, not both; --all names each artifact after its folder or file "
                             f"(to add only {args.name!r}, leave out --all and give --subdir).")
        if args.type:
            raise UsageError("--type does not go with --all: each artifact's type comes from where it was found.")
        with open_workspace(args) as ws:
            outcome = sync.add_all(ws, args.source, ref=args.ref, subdir=args.subdir,
                                   include_removed=args.include_removed, folder=args.folder)
        write(work_tree_note(args.source, outcome.spec)
              + add_text(outcome, sync.describe_upstream(outcome.spec) if outcome.spec else args.source))
        return EXIT_OK if outcome.added or outcome.all_tracked else EXIT_FAILED
    if not args.name:
        raise UsageError("add needs a NAME for the artifact, --all to add every artifact the upstream holds, "
                         "or --plugin PLUGIN to add one plugin its marketplace lists.")
    if args.include_removed:
        raise UsageError("--include-removed goes with --all or --plugin; adding one removed artifact by NAME "
                         "tracks it again anyway.")
    with open_workspace(args) as ws:
        art = sync.add_artifact(ws, args.name, args.source, type=args.type, ref=args.ref, subdir=args.subdir,
                                folder=args.folder)
    write(work_tree_note(args.source, art.upstream) + f"Added {art.type} {printable(repr(art.name))} from {printable(sync.describe_upstream(art.upstream))} "
          f"as {printable(art.place)}; "
          "run `sync` to copy it in.\n")
    return EXIT_OK


def work_tree_note(source: str, spec: "UpstreamSpec | None") -> str:
    """The line saying a git work tree is tracked as git (its branch's commits), and how to take its files."""
    from core.upstreams import work_tree_branch

    path = Path(source).expanduser()
    if spec is None or spec.kind != "git" or not path.is_dir() or work_tree_branch(path) is None:
        return ""
    return (f"{printable(str(path))} is a git work tree: tracking the committed content of "
            f"{printable(spec.ref or 'its current branch')} (uncommitted edits are not synced); "
            "--folder takes the working files instead.\n")


def _progress() -> Callable[[int, int, str], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, name: str) -> None:
        line = f"[{done}/{total}] {printable(name)}" if name else f"[{done}/{total}] done"
        sys.stderr.write("\r\x1b[K" + line + ("\n" if done == total else ""))
        sys.stderr.flush()

    return show


def cmd_sync(args: argparse.Namespace) -> int:
    from core import sync

    checks: list = []
    with open_workspace(args) as ws:
        results = sync.sync_all(ws, names=args.names or None, strategy=sync.Strategy(args.strategy),
                                progress=_progress(), deploy_outdated=args.deploy, on_deployments=checks.extend)
    if args.json:
        write_json(sync_json(results) | {"deployments": deployment_checks_json(checks)})
    else:
        write(sync_text(results) + deployment_checks_text(checks))
    for r in results:
        if r.error:  # on stderr, one line each (the table shows the state; --json carries it too)
            write_err(f"error: {r.name} ({r.type}): {r.error}")
    for c in checks:
        if c.error:
            write_err(f"error: {c.status.artifact} in {c.status.project}: {c.error}")
    failed = any(r.action == "failed" or r.conflict for r in results)
    return EXIT_FAILED if failed or any(c.action == "failed" or c.status.state.value == "conflict"
                                        for c in checks) else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from core import projects, sync

    with open_workspace(args) as ws:
        statuses = sync.status_all(ws)
        deployments = projects.deployment_states(ws)
        upstreams = {a.id: a.upstream for a in ws.history.list_artifacts()} if args.verbose else None
    if args.json:
        write_json(status_json(statuses, deployments, upstreams))
    else:
        write(status_text(statuses, deployments, upstreams))
    for st in statuses:
        if st.error:
            write_err(f"error: {st.name} ({st.type}): {st.error}")
    for d in deployments:
        if d.error:
            write_err(f"error: {d.artifact} in {d.project}: {d.error}")
    return EXIT_FAILED if any(s.state.value == "error" for s in [*statuses, *deployments]) else EXIT_OK


def cmd_log(args: argparse.Namespace) -> int:
    from core.cli.log_stream import write_log_json
    from core.history import ordinal_by_id

    where = getattr(args, "where", None)
    query = None
    if where is not None:
        from core.ancestry import SearchIndex, parse_query

        query = parse_query(where)  # a bad query: exit 2 before anything is read
    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name, include_removed=True)
        if args.limit is not None and args.line is None and where is None:
            # Only the newest N rows are read; v-numbers count down from the total.
            shown = ws.history.versions(art.id, limit=args.limit)
            total = ws.history.version_count(art.id)
            numbers = {v.id: total - i for i, v in enumerate(shown)}
        else:
            shown = ws.history.versions(art.id)
            numbers = ordinal_by_id(shown)  # numbers stay per artifact, whatever line is shown
            if query is not None:
                wanted = set(SearchIndex(shown, ws.objects).match(query))
                shown = [v for v in shown if v.id in wanted]
            if args.line is not None:
                lines = sorted({v.line for v in shown})
                shown = [v for v in shown if v.line == args.line]
                if not shown and not args.json:
                    write(f"{art.name} has no versions on line {args.line!r}; its lines: "
                          f"{', '.join(lines) or 'none yet'}.\n")
                    return EXIT_OK
            shown = shown[: args.limit] if args.limit is not None else shown
            if query is not None and not shown and not args.json:
                write(f"No version of {printable(art.name)} matches {printable(where)!r}.\n")
                return EXIT_OK
        if args.json:
            # Streamed while the database is open: a parent left out by --limit or --line is
            # read from it. Indented for people at a terminal, compact for pipes (it can be large).
            sys.stdout.flush()
            write_log_json(sys.stdout.buffer, art.name, shown, numbers, ws.history.lineage,
                           indent=sys.stdout.isatty(),
                           removed_at=art.removed_at.isoformat() if art.removed_at else None)
            sys.stdout.buffer.flush()
            return EXIT_OK
    write(log_text(art, shown, numbers))
    return EXIT_OK


def resolve_version(history: "History", artifact: "ArtifactInfo", token: str) -> str:
    """A content hash from `v3` (the artifact's own numbering, as `log` and the window show it),
    `#12` or `12` (a database id of this artifact's version) or a hash prefix (4+ hex digits)."""
    from core.errors import VersionNotFoundError
    from core.history import ordinal_by_id

    text = token.strip()
    named = _named_version(history, artifact, text.lower())
    if named is not None:
        return named
    if text[:1] in ("v", "V") and text[1:].isascii() and text[1:].isdigit():
        wanted = int(text[1:])
        versions = history.versions(artifact.id)
        for version_id, number in ordinal_by_id(versions).items():
            if number == wanted:
                return next(v.content_hash for v in versions if v.id == version_id)
        raise VersionNotFoundError(
            f"{artifact.name!r} has no version {text} (it has v1 to v{len(versions)}); `log {artifact.name}` lists them."
        )
    by_id = text[1:] if text.startswith("#") else text
    if by_id.isascii() and by_id.isdigit():
        try:
            version = history.version(int(by_id))
        except VersionNotFoundError:
            version = None
        if version is not None and version.artifact_id == artifact.id:
            return version.content_hash
        if text.startswith("#"):
            raise VersionNotFoundError(f"{artifact.name!r} has no version #{by_id}; `log {artifact.name}` lists them.")
    if len(text) < 4:
        raise VersionNotFoundError(
            f"{token!r} is not a version id of {artifact.name!r}, and a hash prefix needs at least 4 hex digits."
        )
    matches = {v.content_hash for v in history.find_versions(artifact.id, text)}
    if not matches:
        raise VersionNotFoundError(f"No version of {artifact.name!r} has a content hash starting with {text!r}; "
                                   f"`log {artifact.name}` lists them.")
    if len(matches) > 1:
        raise VersionNotFoundError(f"The prefix {text!r} matches {len(matches)} contents of {artifact.name!r}; "
                                   "give more digits.")
    return matches.pop()


NAMED_VERSIONS = ("head", "upstream", "base")


def _named_version(history: "History", artifact: "ArtifactInfo", name: str) -> str | None:
    """`head` (the collection's newest), `upstream` (the newest upstream state kept on the
    upstream line: what a diverged sync found) or `base` (the last upstream state applied
    to the collection, which a merge starts from); None for any other token."""
    from core.errors import VersionNotFoundError

    if name not in NAMED_VERSIONS:
        return None
    if name == "head":
        version = history.head(artifact.id)
    elif name == "upstream":
        version = history.head(artifact.id, line="upstream")
    else:
        version = history.upstream_base(artifact.id)
    if version is None:
        why = {"head": f"has no versions yet; run `sync {artifact.name}` first",
               "upstream": "has no upstream state kept aside (one is recorded when a sync finds it diverged)",
               "base": "has no version synced from its upstream yet"}[name]
        raise VersionNotFoundError(f"{artifact.name!r} {why}.")
    return version.content_hash


def cmd_diff(args: argparse.Namespace) -> int:
    from core import diff
    from core.cli import terminal
    from core.errors import VersionNotFoundError

    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name, include_removed=True)
        head = ws.history.head(art.id)
        if head is None:
            raise VersionNotFoundError(f"{art.name!r} has no versions yet; run `sync {art.name}` first.")
        if getattr(args, "upstream", False):
            if args.old is not None:
                raise VersionNotFoundError("--upstream compares the collection head with the upstream state; "
                                           "give no versions with it (or name them: `diff NAME base upstream`).")
            old, new = head.content_hash, resolve_version(ws.history, art, "upstream")
        elif args.old is None:
            old, new = head.parent_hash, head.content_hash
        else:
            old = resolve_version(ws.history, art, args.old)
            new = resolve_version(ws.history, art, args.new) if args.new else head.content_hash
        ws.objects.prefetch(manifests=(old, new))  # both trees in one query (a team's shared store)
        changes = diff.compare(ws.objects, old, new)
        # The added and removed files' bytes in one query when only the shared store has them (a
        # team): find_renames compares them.
        ws.objects.prefetch(c.old_digest or c.new_digest for c in changes if c.status in ("added", "removed"))
        changes = diff.find_renames(ws.objects, changes)
        changes = diff.filter_paths(changes, args.paths)
        if args.json:
            write_json(diff_json(old, new, changes))
            return EXIT_OK
        if args.name_only:
            write(diff_name_only(changes))
            return EXIT_OK
        colour = terminal.use_colour(args.color)
        ws.objects.prefetch(d for c in changes for d in (c.old_digest, c.new_digest))  # one query, not one per file
        file_diff = lambda c: diff.file_diff(ws.objects, c)  # noqa: E731
        if args.stat:
            text = diff_stat(changes, file_diff, colour, lambda c, fd: diff.stat_counts(ws.objects, c, fd))
        else:
            text = diff_text(art.name, old, new, changes, file_diff, colour)
    terminal.page(text.encode("utf-8", "surrogateescape"), enabled=not args.no_pager)
    return EXIT_OK


def cmd_install_desktop_entry(args: argparse.Namespace) -> int:
    from core.desktop import install_desktop_entry

    path = install_desktop_entry()
    write(f"Installed the desktop launcher at {path}.\n")
    return EXIT_OK


COMMANDS = {"add": cmd_add, "sync": cmd_sync, "status": cmd_status, "log": cmd_log,
            "diff": cmd_diff, "hash": cmd_hash}

"""The command line's sub-commands: hash, add, sync, status, log, diff, --install-desktop-entry.

Each `cmd_*` takes the parsed arguments, opens the workspace it needs (imported
lazily, so `--help` stays instant), gathers the results and writes them through
core.cli.output; it returns the exit code (docs/cli.md). core.cli parses and
dispatches.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Callable

from core.cli.output import (
    add_text,
    diff_name_only,
    diff_stat,
    diff_json,
    diff_text,
    log_json,
    log_text,
    status_json,
    status_text,
    sync_json,
    sync_text,
    write,
    write_err,
    write_json,
)

if TYPE_CHECKING:  # imported lazily at run time: `--help` must stay instant
    from core.history import ArtifactInfo, History

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
            out.write(e.kind.encode() + b" " + e.digest.encode() + b" " + e.path + end)
        out.flush()
    else:
        print(tree.content_hash)
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from core import sync
    from core.cli.usage import UsageError

    if args.all:
        if args.name:
            raise UsageError(f"give a NAME or --all, not both; --all names each artifact after its folder or file "
                             f"(to add only {args.name!r}, leave out --all and give --subdir).")
        if args.type:
            raise UsageError("--type does not go with --all: each artifact's type comes from where it was found.")
        with open_workspace(args) as ws:
            outcome = sync.add_all(ws, args.source, ref=args.ref, subdir=args.subdir)
        write(add_text(outcome, sync.describe_upstream(outcome.spec) if outcome.spec else args.source))
        return EXIT_OK if outcome.added or outcome.all_tracked else EXIT_FAILED
    if not args.name:
        raise UsageError("add needs a NAME for the artifact, or --all to add every artifact the upstream holds.")
    with open_workspace(args) as ws:
        art = sync.add_artifact(ws, args.name, args.source, type=args.type, ref=args.ref, subdir=args.subdir)
    write(f"Added {art.type} {art.name!r} from {sync.describe_upstream(art.upstream)} as {art.place}; "
          "run `sync` to copy it in.\n")
    return EXIT_OK


def _progress() -> Callable[[int, int, str], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, name: str) -> None:
        line = f"[{done}/{total}] {name}" if name else f"[{done}/{total}] done"
        sys.stderr.write("\r\x1b[K" + line + ("\n" if done == total else ""))
        sys.stderr.flush()

    return show


def cmd_sync(args: argparse.Namespace) -> int:
    from core import sync

    with open_workspace(args) as ws:
        results = sync.sync_all(ws, names=args.names or None, strategy=sync.Strategy(args.strategy),
                                progress=_progress())
    if args.json:
        write_json(sync_json(results))
    else:
        write(sync_text(results))
    for r in results:
        if r.error:  # on stderr, one line each (the table shows the state; --json carries it too)
            write_err(f"error: {r.name} ({r.type}): {r.error}")
    return EXIT_FAILED if any(r.action == "failed" or r.conflict for r in results) else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from core import sync

    with open_workspace(args) as ws:
        statuses = sync.status_all(ws)
        upstreams = {a.id: a.upstream for a in ws.history.list_artifacts()} if args.verbose else None
    if args.json:
        write_json(status_json(statuses, upstreams))
    else:
        write(status_text(statuses, upstreams))
    for st in statuses:
        if st.error:
            write_err(f"error: {st.name} ({st.type}): {st.error}")
    return EXIT_FAILED if any(s.state.value == "error" for s in statuses) else EXIT_OK


def cmd_log(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name, include_removed=True)
        versions = ws.history.versions(art.id)
        lineages = ws.history.lineages(versions) if args.json else {}
    if args.json:
        write_json(log_json(art, versions, lineages))
        return EXIT_OK
    write(log_text(art, versions))
    return EXIT_OK


def resolve_version(history: "History", artifact: "ArtifactInfo", token: str) -> str:
    """A content hash from `v3` (the artifact's own numbering, as `log` and the window show it),
    `#12` or `12` (a database id of this artifact's version) or a hash prefix (4+ hex digits)."""
    from core.errors import VersionNotFoundError
    from core.history import ordinal_by_id

    text = token.strip()
    if text[:1] in ("v", "V") and text[1:].isdigit():
        wanted = int(text[1:])
        versions = history.versions(artifact.id)
        for version_id, number in ordinal_by_id(versions).items():
            if number == wanted:
                return next(v.content_hash for v in versions if v.id == version_id)
        raise VersionNotFoundError(
            f"{artifact.name!r} has no version {text} (it has v1 to v{len(versions)}); `log {artifact.name}` lists them."
        )
    by_id = text[1:] if text.startswith("#") else text
    if by_id.isdigit():
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


def cmd_diff(args: argparse.Namespace) -> int:
    from core import diff
    from core.cli import terminal
    from core.errors import VersionNotFoundError

    with open_workspace(args) as ws:
        art = ws.history.get_artifact(args.name, include_removed=True)
        head = ws.history.head(art.id)
        if head is None:
            raise VersionNotFoundError(f"{art.name!r} has no versions yet; run `sync {art.name}` first.")
        if args.old is None:
            old, new = head.parent_hash, head.content_hash
        else:
            old = resolve_version(ws.history, art, args.old)
            new = resolve_version(ws.history, art, args.new) if args.new else head.content_hash
        changes = diff.find_renames(ws.objects, diff.compare(ws.objects, old, new))
        changes = diff.filter_paths(changes, args.paths)
        if args.json:
            write_json(diff_json(old, new, changes))
            return EXIT_OK
        if args.name_only:
            write(diff_name_only(changes))
            return EXIT_OK
        colour = terminal.use_colour(args.color)
        file_diff = lambda c: diff.file_diff(ws.objects, c)  # noqa: E731
        if args.stat:
            text = diff_stat(changes, file_diff, colour)
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

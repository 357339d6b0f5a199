"""The headless command line: the same engine as the window, for scripts and cron.

See docs/cli.md for every command, its JSON shape and the exit codes:
0 all well, 1 some artifact failed or conflicted (or the data folder could not be
used), 2 bad usage or input. Errors go to stderr as one sentence, never a
traceback (unless --debug).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import IO, TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # imported lazily at run time: `--help` must stay instant
    from core.history import ArtifactInfo, History

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SHORT = 12  # hash prefix shown in tables

OpenWindow = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Bad input found after parsing (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line, not argparse's usage block: scripts read stderr too.
        self.exit(EXIT_USAGE, f"{self.prog}: {message}; see --help.\n")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("artifact-lineage")
    except Exception:
        return "0.1.0"


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
    parser.add_argument("-V", "--version", action="version", version=f"artifact-lineage {_version()}")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="install the desktop launcher for the current user and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("add", parents=[common], help="track a new artifact (folder or git upstream)")
    p.add_argument("name", help="the artifact's name in the collection")
    p.add_argument("--source", required=True, help="a folder or file path, or a git URL")
    p.add_argument("--ref", help="git branch, tag or commit (default: the remote's default branch)")
    p.add_argument("--subdir", help="path inside the folder or repository")
    p.add_argument("--type", choices=("skill", "command", "agent", "other"), help="default: inferred")

    p = sub.add_parser("sync", parents=[common], help="bring artifacts up to date and record versions")
    p.add_argument("names", nargs="*", metavar="NAME", help="artifacts to sync (default: all)")
    p.add_argument("--strategy", choices=("keep-local", "take-upstream"), default="keep-local",
                   help="what to do when both sides changed (default: keep-local)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("status", parents=[common], help="the state of each artifact (changes nothing)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("log", parents=[common], help="an artifact's versions, newest first")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("diff", parents=[common], help="compare two versions of an artifact")
    p.add_argument("name")
    p.add_argument("old", nargs="?", metavar="OLD",
                   help="version id (#12 or 12) or content hash prefix (default: the head's parent)")
    p.add_argument("new", nargs="?", metavar="NEW", help="version id or hash prefix (default: the head)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = sub.add_parser("hash", parents=[common], help="print the content hash of a file or folder")
    p.add_argument("path")
    p.add_argument("--manifest", action="store_true", help="print 'kind digest path' per entry, in hash order")
    p.add_argument("-z", "--null", action="store_true",
                   help="with --manifest: end each entry with NUL instead of newline (for names holding newlines)")
    return parser


# ---------------------------------------------------------------------------- output


def _write(text: str, stream: IO[str] | None = None) -> None:
    """Write text whose paths may hold undecodable bytes (surrogateescape) without failing."""
    stream = stream or sys.stdout
    data = text.encode("utf-8", "surrogateescape")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:  # a StringIO in tests
        stream.write(data.decode("utf-8", "replace"))


def _json(doc: Any) -> None:
    _write(json.dumps(doc, indent=2, default=str) + "\n")


def _err(message: str) -> None:
    _write(" ".join(message.split()) + "\n", sys.stderr)  # one line, whatever the message holds


def _short(h: str | None) -> str:
    return h[:SHORT] if h else "-"


# ---------------------------------------------------------------------------- commands


def _open(args: argparse.Namespace):
    from core.workspace import Workspace

    ws = Workspace.open(getattr(args, "home", None), getattr(args, "db", None))
    for message in ws.startup_messages:
        _err(message)
    return ws


def cmd_hash(args: argparse.Namespace) -> int:
    from core.hashing import hash_tree
    from core.paths import resolve_home
    from core.statcache import StatCache

    home = resolve_home(getattr(args, "home", None))
    cache = None
    try:
        home.cache_dir.mkdir(parents=True, exist_ok=True)
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

    with _open(args) as ws:
        art = sync.add_artifact(ws, args.name, args.source, type=args.type, ref=args.ref, subdir=args.subdir)
    up = art.upstream
    where = up.location + (f" at {up.ref}" if up.ref else "") + (f" ({up.subdir})" if up.subdir else "")
    _write(f"Added {art.type} {art.name!r} from {up.kind} {where} as {art.place}; run `sync` to copy it in.\n")
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
    from core.summary import summarize_results

    with _open(args) as ws:
        results = sync.sync_all(ws, names=args.names or None, strategy=sync.Strategy(args.strategy),
                                progress=_progress())
    if args.json:
        _json({"results": [
            {"name": r.name, "type": r.type, "state": r.state.value, "action": r.action,
             "old_hash": r.old_hash, "new_hash": r.new_hash, "version_id": r.version_id,
             "version_recorded": r.version_recorded, "not_recorded_reason": r.not_recorded_reason,
             "conflict": r.conflict, "error": r.error}
            for r in results
        ]})
    else:
        lines = []
        for r in results:
            change = f"{_short(r.old_hash)} -> {_short(r.new_hash)}" if r.old_hash != r.new_hash else _short(r.new_hash)
            lines.append(f"{r.name:<24} {r.type:<8} {r.state.value:<17} {r.action:<10} {change}")
            if r.error:
                lines.append(f"    error: {r.error}")
            elif r.conflict:
                lines.append("    conflict: changed both locally and upstream; kept the local copy "
                             "(sync with --strategy take-upstream to replace it)")
            if not r.version_recorded and r.not_recorded_reason and r.action not in ("nothing", "failed", "cancelled"):
                lines.append(f"    version not recorded: {r.not_recorded_reason}")
        if not results:
            lines.append("No artifacts yet; add one with `add NAME --source SRC`.")
        else:
            lines.append(summarize_results(results).text())
        _write("\n".join(lines) + "\n")
    for r in results:
        if r.error:  # also on stderr, one line each, so scripts that read only stderr see them
            _err(f"error: {r.name} ({r.type}): {r.error}")
    return EXIT_FAILED if any(r.action == "failed" or r.conflict for r in results) else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from core import sync

    with _open(args) as ws:
        statuses = sync.status_all(ws)
    if args.json:
        _json({"artifacts": [
            {"name": s.name, "type": s.type, "state": s.state.value, "head": s.head,
             "local": s.local, "upstream": s.upstream, "error": s.error}
            for s in statuses
        ]})
    else:
        lines = [f"{'NAME':<24} {'TYPE':<8} {'STATE':<17} {'HEAD':<12} {'LOCAL':<12} UPSTREAM"]
        for s in statuses:
            lines.append(f"{s.name:<24} {s.type:<8} {s.state.value:<17} {_short(s.head):<12} "
                         f"{_short(s.local):<12} {_short(s.upstream)}")
            if s.error:
                lines.append(f"    error: {s.error}")
        if not statuses:
            lines = ["No artifacts yet; add one with `add NAME --source SRC`."]
        _write("\n".join(lines) + "\n")
    for st in statuses:
        if st.error:
            _err(f"error: {st.name} ({st.type}): {st.error}")
    return EXIT_FAILED if any(s.state.value == "error" for s in statuses) else EXIT_OK


def cmd_log(args: argparse.Namespace) -> int:
    with _open(args) as ws:
        art = ws.history.get_artifact(args.name)
        versions = ws.history.versions(art.id)
        lineages = ws.history.lineages(versions) if args.json else {}
    if args.json:
        _json({"artifact": art.name, "versions": [
            {"id": v.id, "content_hash": v.content_hash, "parent_hash": v.parent_hash,
             "change_origin": v.change_origin, "created_at": v.created_at.isoformat(),
             "lineage": lineages[v.id], "metadata": v.metadata}
            for v in versions
        ]})
        return EXIT_OK
    if not versions:
        _write(f"{art.name}: no versions yet; run `sync {art.name}`.\n")
        return EXIT_OK
    lines = [f"{'ID':>5}  {'CREATED (UTC)':<19}  {'ORIGIN':<18}  {'CONTENT':<12}  {'PARENT':<12}  NOTE"]
    for v in versions:
        meta = v.metadata
        notes = []
        if meta.get("resolved_commit"):
            notes.append(f"commit {str(meta['resolved_commit'])[:10]}")
        if "matches_version" in meta:
            notes.append(f"same content as #{meta['matches_version']}")
        if v.parent_hash and v.parent_id is None:
            notes.append("legacy parent")
        lines.append(f"{v.id:>5}  {v.created_at.strftime('%Y-%m-%d %H:%M:%S'):<19}  {v.change_origin:<18}  "
                     f"{_short(v.content_hash):<12}  {_short(v.parent_hash):<12}  {', '.join(notes)}")
    _write("\n".join(lines) + "\n")
    return EXIT_OK


def resolve_version(history: "History", artifact: "ArtifactInfo", token: str) -> str:
    """A content hash from `#12`, `12` (a version id of this artifact) or a hash prefix (4+ hex digits)."""
    from core.errors import VersionNotFoundError

    text = token.strip()
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
    from core.errors import VersionNotFoundError

    with _open(args) as ws:
        art = ws.history.get_artifact(args.name)
        head = ws.history.head(art.id)
        if head is None:
            raise VersionNotFoundError(f"{art.name!r} has no versions yet; run `sync {art.name}` first.")
        if args.old is None:
            old, new = head.parent_hash, head.content_hash
        else:
            old = resolve_version(ws.history, art, args.old)
            new = resolve_version(ws.history, art, args.new) if args.new else head.content_hash
        changes = diff.compare(ws.objects, old, new)
        if args.json:
            _json({"old": old, "new": new, "files": [
                {"path": c.display_path, "status": c.status, "old_digest": c.old_digest,
                 "new_digest": c.new_digest, "size": c.new_size if c.new_size is not None else c.old_size}
                for c in changes
            ]})
            return EXIT_OK
        out = [f"{art.name}: {_short(old) if old else '(nothing)'} -> {_short(new)}", ""]
        if not changes:
            out.append("No differences.")
        else:
            width = max(len(c.status) for c in changes)
            for c in changes:
                sizes = diff.human_size(c.old_size) + " -> " + diff.human_size(c.new_size)
                out.append(f"  {c.status:<{width}}  {c.display_path}  ({sizes})")
            for c in changes:
                fd = diff.file_diff(ws.objects, c)
                out += ["", f"--- a/{c.display_path}" if c.old_digest else "--- /dev/null",
                        f"+++ b/{c.display_path}" if c.new_digest else "+++ /dev/null"]
                if fd.note:
                    out.append(f"# {fd.note}")
                out += [ln.text if ln.kind == "@" else ln.kind + ln.text for ln in fd.lines]
    _write("\n".join(out) + "\n")
    return EXIT_OK


def cmd_install_desktop_entry(args: argparse.Namespace) -> int:
    from core.desktop import install_desktop_entry

    path = install_desktop_entry()
    _write(f"Installed the desktop launcher at {path}.\n")
    return EXIT_OK


COMMANDS = {"add": cmd_add, "sync": cmd_sync, "status": cmd_status, "log": cmd_log,
            "diff": cmd_diff, "hash": cmd_hash}


def _exit_code_for(exc: BaseException) -> int:
    """Bad input (names, paths, versions, sources) → 2; trouble with the data or the disk → 1."""
    from core import errors

    input_errors: tuple[type[BaseException], ...] = (
        errors.ArtifactNotFoundError, errors.ArtifactExistsError, errors.VersionNotFoundError,
        errors.UpstreamError, errors.HashingError, errors.UnsafeEntryError, UsageError,
    )
    try:
        from core.collection import InvalidNameError

        input_errors += (InvalidNameError,)
    except ImportError:  # pragma: no cover
        pass
    return EXIT_USAGE if isinstance(exc, input_errors) else EXIT_FAILED


def main(argv: list[str] | None = None, *, open_window: OpenWindow | None = None) -> int:
    """Run one command; returns the exit code. No sub-command → `open_window(args)` (the GUI)."""
    from core.errors import LineageError

    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    debug = getattr(args, "debug", False)
    try:
        if args.install_desktop_entry:
            return cmd_install_desktop_entry(args)
        if args.command is None:
            if open_window is None:
                parser.error("no command given")
            return open_window(args)
        return COMMANDS[args.command](args)
    except (LineageError, UsageError) as exc:
        if debug:
            traceback.print_exc()
        _err(f"error: {exc}")
        return _exit_code_for(exc)
    except KeyboardInterrupt:
        _err("Interrupted; nothing half-done was kept (an interrupted copy is undone on the next start).")
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
            traceback.print_exc()
        _err(f"error: unexpected {type(exc).__name__}: {exc}; run with --debug for details.")
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Git upstreams: the git program, the repository cache, refs and checked-out trees.

Git is driven through its command-line program, never a shell, with dangerous
transports (`ext::`) disabled and every prompt turned off, so a sync run from cron
or the window's worker thread can fail but never hang waiting for a password.
Each repository is mirrored once into `<git cache>/<cache_key(url)>/repo.git`, and
commits are written into `trees/<commit>/` (the newest KEEP_TREES kept) from the
committed blobs, never through attributes or filters (core.upstreams.git_tree).
core.upstreams.sources.fetch calls fetch_git; see docs/upstreams.md.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

from core.cancel import Cancelled, cancelled
from core.errors import UpstreamError
from core.upstreams.spec import (
    ALLOWED_PROTOCOLS,
    SCP_LIKE,
    FetchedUpstream,
    UpstreamSpec,
    clean_subdir,
    looks_like_url,
    refuse_dangerous_transport,
)
from core.atomic import sync_tree
from core.fsio import remove_quietly
from core.upstreams import git_tree

__all__ = ["fetch_git", "fetch_checkout", "GitCheckout", "checkout_git", "within", "run_git", "GitResult", "cache_key", "repository_identity", "sweep_leftovers", "GIT_TIMEOUT", "KEEP_TREES"]

GIT_TIMEOUT = 120.0  # seconds for any one git command (a stuck network must not hang a sync)
_POLL_SECONDS = 0.1  # how often a running git command checks for a Cancel
KEEP_TREES = 4  # checked-out commits kept per repository (the newest by use)
_HEX = re.compile(r"^[0-9a-fA-F]{4,64}$")
# Every invocation: only the listed protocols, never `ext` (it runs arbitrary commands),
# no CRLF rewriting by user config (files are written from blobs anyway: git_tree).
_GIT_CONFIG = (
    "-c", "protocol.allow=never",
    *[arg for p in ALLOWED_PROTOCOLS for arg in ("-c", f"protocol.{p}.allow=always")],
    "-c", "protocol.ext.allow=never",
    "-c", "core.symlinks=true",
    "-c", "core.autocrlf=false",
    "-c", "advice.detachedHead=false",
)


# --------------------------------------------------------------------------- git plumbing


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_ALLOW_PROTOCOL"] = ":".join(ALLOWED_PROTOCOLS)
    env["GCM_INTERACTIVE"] = "never"  # Git Credential Manager: fail instead of opening a window
    env["LC_ALL"] = "C"  # stderr in English so the last line we quote is predictable
    env["GIT_NO_REPLACE_OBJECTS"] = "1"  # refs/replace must not swap the content we hash
    for name in ("GIT_ASKPASS", "SSH_ASKPASS", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    return env


@dataclass
class GitResult:
    returncode: int
    stdout: bytes
    stderr: bytes

    def last_line(self) -> str:
        """git's reason: its first `fatal:`/`error:` line (the later ones are generic advice), else the last line."""
        lines = [ln.strip() for ln in self.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        for ln in lines:
            for prefix in ("fatal:", "error:"):
                if ln.startswith(prefix):
                    return ln[len(prefix):].strip().rstrip(".")
        return lines[-1].rstrip(".") if lines else f"git exited with status {self.returncode}"


def _git_binary() -> str:
    git = shutil.which("git")
    if git is None:
        raise UpstreamError("git is not installed; install git or use a folder upstream.")
    return git


def _start_git(args: list[str], *, what: str, stdin: Any, stdout: Any, stderr: Any, cwd: Path | None = None,
               env_extra: dict[str, str] | None = None) -> "subprocess.Popen[bytes]":
    """git without a shell, in its own session (so no terminal: ssh cannot prompt)."""
    env = _git_env()
    if env_extra:
        env.update(env_extra)
    cmd = [_git_binary(), *_GIT_CONFIG, *args]
    try:
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr,
                                start_new_session=os.name == "posix")
    except OSError as e:
        raise UpstreamError(f"Could not start git for {what}: {e.strerror}; check the git installation.") from e


def run_git(args: list[str], *, what: str, cwd: Path | None = None,
             env_extra: dict[str, str] | None = None, timeout: float | None = None) -> GitResult:
    """Run git to the end within a timeout, honouring a Cancel; its output in memory."""
    proc = _start_git(args, what=what, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                      cwd=cwd, env_extra=env_extra)
    limit = GIT_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + limit
    while True:
        try:
            # Short waits so a Cancel is honoured within a fraction of a second;
            # communicate() may be retried after a timeout without losing output.
            out, err = proc.communicate(timeout=max(0.0, min(_POLL_SECONDS, deadline - time.monotonic())))
            return GitResult(proc.returncode, out, err)
        except subprocess.TimeoutExpired:
            _check_running(proc, what, deadline, limit)


def _check_running(proc: "subprocess.Popen[bytes]", what: str, deadline: float, limit: float) -> None:
    """Kill git and raise on a Cancel or past the deadline."""
    if cancelled():
        _kill(proc)
        raise Cancelled(f"Cancelled while git was working on {what}; nothing was changed.") from None
    if time.monotonic() >= deadline:
        _kill(proc)
        raise UpstreamError(
            f"git took longer than {limit:g} s for {what}; check the network or the URL and try again."
        ) from None


def _kill(proc: "subprocess.Popen[bytes]") -> None:
    # Kill the whole group: git's helpers (ssh, git-remote-https) would outlive git alone.
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    proc.kill()
    proc.communicate()


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """One fetch per repository at a time (the window's worker and the Add dialog may race)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as fh:
        try:
            import fcntl
        except ImportError:  # not POSIX: no cross-process lock; a clash fails cleanly at rename
            yield
            return
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def sweep_leftovers(cache_dir: Path) -> list[str]:
    """Remove what killed fetches left in the git cache: half-built checkouts
    (`trees/.tmp-*`), the index files earlier versions used for them (`index.tmp-*`) and half-done first clones
    (`repo.tmp-*`). Only in a repository whose lock no process holds: a fetch holds it
    from the clone to the checkout, so anything of that kind found then is a leftover.
    Returns one message per leftover that could not be removed."""
    from core.fsio import remove_path, try_lock

    messages: list[str] = []
    try:
        roots = sorted(p for p in Path(cache_dir).iterdir() if (p / "lock").is_file())
    except OSError:
        return messages  # no cache yet
    for root in roots:
        leftovers = [*root.glob("index.tmp-*"), *root.glob("repo.tmp-*"), *root.glob("trees/.tmp-*")]
        if not leftovers:
            continue
        try:
            fd = os.open(root / "lock", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if not try_lock(fd):
                continue  # a fetch is running: its files are not leftovers
            for leftover in leftovers:
                try:
                    remove_path(leftover)
                except OSError as e:
                    messages.append(f"Could not remove {leftover}, left in the git cache by an interrupted sync: "
                                    f"{e.strerror or e}.")
        finally:
            os.close(fd)
    return messages


def _normalise_url(location: str) -> str:
    if looks_like_url(location):
        return location.strip()
    return str(Path(location).expanduser().absolute())


def repository_identity(location: str) -> str:
    """One spelling per repository, whatever the user typed: the git cache's key.

    A local repository as a path, `~/path`, `path/` or a `file://` URL is its real
    path; a network one is `host/path` without scheme, user, port, trailing `/` or
    `.git` (https and ssh reach the same repository). Sharing a cache between two
    spellings is always safe: every fetch re-reads the refs from the URL given,
    with --prune, before resolving a ref, under the repository's lock.
    """
    text = location.strip()
    if text.lower().startswith("file://"):
        parts = urlsplit(text)
        if parts.netloc in ("", "localhost"):
            text = unquote(parts.path)
    if not looks_like_url(text):
        path = Path(text).expanduser()
        try:
            path = path.resolve()
        except (OSError, RuntimeError):
            path = path.absolute()
        return "file:" + (str(path).rstrip("/") or "/")
    scp = SCP_LIKE.match(text)
    if scp and "://" not in text:
        host, _, path = text.partition("@")[2].partition(":")
    else:
        parts = urlsplit(text)
        host, path = parts.hostname or parts.netloc, unquote(parts.path)
    path = path.strip("/")
    if path.lower().endswith(".git"):
        path = path[:-4].rstrip("/")
    return f"{host.lower()}/{path}"


def cache_key(url: str) -> str:
    """The cache folder name of a repository (the same for every spelling of it)."""
    return hashlib.sha256(repository_identity(url).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _legacy_cache_key(url: str) -> str:
    # Before one cache per repository: the hash of the URL as given (absolute for paths).
    return hashlib.sha256(_normalise_url(url).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _cache_root(cache_dir: Path, url: str) -> Path:
    """`<cache>/<cache_key>`, taking over a cache made under the old per-spelling key."""
    root = cache_dir / cache_key(url)
    legacy = cache_dir / _legacy_cache_key(url)
    if legacy != root and not root.exists() and (legacy / "repo.git" / "HEAD").is_file():
        try:
            os.rename(legacy, root)
        except OSError:
            pass  # another process took it over first, or it is busy: a fresh clone works too
    return root


# --------------------------------------------------------------------------- git fetch


@dataclass(frozen=True)
class GitCheckout:
    """A repository fetched at a ref: the commit's files on disk, once per run for every artifact in it."""

    url: str  # as fetched (a path made absolute)
    repo: Path  # the bare cache
    tree: Path  # the commit's files (`trees/<commit>/`)
    ref: str  # the ref given, or the default branch's name
    commit: str


def checkout_git(location: str, ref: str | None, cache_dir: Path) -> GitCheckout:
    """Fetch the repository once, resolve `ref` (default branch when None) and write that commit's files."""
    refuse_dangerous_transport(location)
    _git_binary()
    url = _normalise_url(location)
    _check_ref(url, ref)
    root = _cache_root(cache_dir, url)
    with _locked(root / "lock"):
        repo = _update_mirror(root, url)
        ref_name, commit = _resolve(repo, url, ref)
        tree = _checkout(root, repo, commit, url)
    return GitCheckout(url=url, repo=repo, tree=tree, ref=ref if ref is not None else ref_name, commit=commit)


def _check_ref(url: str, ref: str | None) -> None:
    if ref is not None and ref.startswith("-"):
        raise UpstreamError(f"The ref {ref!r} for {url} is not a branch, tag or commit name; give another (`edit NAME --ref REF` changes a tracked artifact's).")


def within(checkout: GitCheckout, subdir: str | None) -> FetchedUpstream:
    """One artifact's part of a checkout (its sub-folder), without its commit note (core.upstreams.git_notes)."""
    sub = clean_subdir(subdir, f"the git repository {checkout.url}")
    path = _subpath(checkout.tree, sub, checkout.url, checkout.ref, checkout.commit)
    meta = {
        "upstream_kind": "git",
        "url": checkout.url,
        "ref": checkout.ref,
        "resolved_commit": checkout.commit,
        "subdir": str(sub) if sub else None,
    }
    return FetchedUpstream(path=path, commit=checkout.commit, metadata=meta)


def fetch_git(spec: UpstreamSpec, cache_dir: Path) -> FetchedUpstream:
    """The commit `spec.ref` resolves to (default branch when None), checked out from the cache; UpstreamError.
    Without a commit note: core.upstreams.git_notes.fetch_noted adds it."""
    return fetch_checkout(spec, cache_dir)[1]


def fetch_checkout(spec: UpstreamSpec, cache_dir: Path) -> tuple[GitCheckout, FetchedUpstream]:
    """fetch_git, and the checkout it came from (every check made before any git work)."""
    refuse_dangerous_transport(spec.location)
    _git_binary()
    _check_ref(_normalise_url(spec.location), spec.ref)
    clean_subdir(spec.subdir, f"the git repository {_normalise_url(spec.location)}")
    checkout = checkout_git(spec.location, spec.ref, cache_dir)
    return checkout, within(checkout, spec.subdir)


def _update_mirror(root: Path, url: str) -> Path:
    """Clone once into `<root>/repo.git`, later `git fetch --prune` into it."""
    repo = root / "repo.git"
    if (repo / "HEAD").is_file():
        _git_fetch(repo, url)
        return repo
    tmp = root / f"repo.tmp-{secrets.token_hex(4)}"
    try:
        r = run_git(["init", "--bare", "--quiet", str(tmp)], what=f"creating the cache for {url}")
        if r.returncode != 0:
            raise UpstreamError(f"Could not create the git cache for {url}: {r.last_line()}; check that {root} is writable.")
        # Recorded for people inspecting the cache; fetches always pass the URL explicitly.
        run_git(["--git-dir", str(tmp), "config", "remote.origin.url", url], what=f"configuring the cache for {url}")
        _git_fetch(tmp, url)
        os.rename(tmp, repo)  # a half-done first clone never looks like a cache
    finally:
        remove_quietly(tmp)
    return repo


def _git_fetch(repo: Path, url: str) -> None:
    # Pass the URL explicitly (not the stored remote) so a cached config cannot redirect us.
    r = run_git(
        ["--git-dir", str(repo), "fetch", "--quiet", "--prune", "--prune-tags", "--force", "--no-write-fetch-head",
         "--", url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
        what=f"fetching {url}",
    )
    if r.returncode != 0:
        raise UpstreamError(
            f"Could not fetch the git repository {url}: {r.last_line()}; check the URL, the network and your access."
        )


def _rev(repo: Path, expr: str) -> str | None:
    r = run_git(["--git-dir", str(repo), "rev-parse", "--verify", "--quiet", "--end-of-options", expr],
                 what="resolving a ref")
    if r.returncode != 0:
        return None
    return r.stdout.decode().strip() or None


def _default_branch(repo: Path, url: str) -> str:
    r = run_git(["--git-dir", str(repo), "ls-remote", "--symref", "--", url, "HEAD"],
                 what=f"finding the default branch of {url}")
    if r.returncode != 0:
        raise UpstreamError(
            f"Could not read the default branch of the git repository {url}: {r.last_line()}; "
            "check the URL or give a ref."
        )
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            return line[len("ref: refs/heads/"):-len("\tHEAD")]
    # Servers that do not advertise the symref (old dumb http): fall back on common names.
    for name in ("main", "master"):
        if _rev(repo, f"refs/heads/{name}^{{commit}}"):
            return name
    raise UpstreamError(
        f"The git repository {url} has no default branch (it may be empty); give a branch, tag or commit as the ref."
    )


def _resolve(repo: Path, url: str, ref: str | None) -> tuple[str, str]:
    """(ref name, full commit id): default branch, branch, tag, or a commit id."""
    if ref is None:
        name = _default_branch(repo, url)
        commit = _rev(repo, f"refs/heads/{name}^{{commit}}")
        if commit is None:
            raise UpstreamError(f"The default branch {name!r} of {url} has no commits; give another ref.")
        return name, commit
    candidates = [f"refs/heads/{ref}", f"refs/tags/{ref}"]
    if ref.startswith("refs/"):
        candidates.insert(0, ref)
    for cand in candidates:
        commit = _rev(repo, f"{cand}^{{commit}}")
        if commit:
            return ref, commit
    if _HEX.match(ref):
        commit = _commit_by_id(repo, url, ref)
        if commit:
            return ref, commit
    raise UpstreamError(
        f"The ref {ref!r} does not exist in the git repository {url}; check the branch, tag or commit name "
        "(`edit NAME --ref REF` changes a tracked artifact's)."
    )


def _commit_by_id(repo: Path, url: str, ref: str) -> str | None:
    r = run_git(["--git-dir", str(repo), "rev-parse", "--verify", "--quiet", "--end-of-options",
                  f"{ref}^{{commit}}"], what="resolving a commit id")
    if r.returncode == 0 and r.stdout.strip():
        full = r.stdout.decode().strip()
        if full.lower().startswith(ref.lower()):  # an id, not a name that happens to look hex
            return full
    if len(ref) in (40, 64):
        # A commit not on any branch or tag: servers may still hand it out by id.
        f = run_git(["--git-dir", str(repo), "fetch", "--quiet", "--no-write-fetch-head", "--", url, ref],
                     what=f"fetching commit {ref} from {url}")
        if f.returncode == 0:
            return _rev(repo, f"{ref}^{{commit}}")
    return None


def _checkout(root: Path, repo: Path, commit: str, url: str) -> Path:
    """The commit's files in `<root>/trees/<commit>/`, built once, renamed into place.

    Written from the object database (core.upstreams.git_tree), not by a work-tree
    checkout: no attribute or config (eol, filter, ident, encoding) changes a byte.
    """
    trees = root / "trees"
    tree = trees / commit
    if tree.is_dir():
        os.utime(tree)  # mark as recently used for pruning
        return tree
    trees.mkdir(parents=True, exist_ok=True)
    tmp = trees / f".tmp-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        _write_commit(repo, commit, url, tmp)
        sync_tree(tmp)
        try:
            os.rename(tmp, tree)
        except OSError as e:
            if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    finally:
        remove_quietly(tmp)
    _prune_trees(trees, keep=tree)
    return tree


def _write_commit(repo: Path, commit: str, url: str, dest: Path) -> None:
    where = f"commit {commit[:12]} of {url}"
    listed = run_git(["--git-dir", str(repo), "ls-tree", "-r", "-z", "--end-of-options", commit],
                      what=f"listing the files of {where}")
    if listed.returncode != 0:
        raise UpstreamError(f"Could not list the files of {where} in the git cache: {listed.last_line()}; "
                            f"delete {repo.parent} and sync again.")
    entries = git_tree.parse_ls_tree(listed.stdout, where)
    what = f"reading the files of {where}"
    with tempfile.TemporaryFile() as wanted, tempfile.TemporaryFile() as errors:
        wanted.write(b"".join(e.oid.encode("ascii") + b"\n" for e in git_tree.wanted_blobs(entries)))
        wanted.seek(0)
        proc = _start_git(["--git-dir", str(repo), "cat-file", "--batch"], what=what,
                          stdin=wanted, stdout=subprocess.PIPE, stderr=errors)
        deadline = time.monotonic() + GIT_TIMEOUT
        try:
            assert proc.stdout is not None
            git_tree.write_tree(entries, proc.stdout, dest, where,
                                lambda: _check_running(proc, what, deadline, GIT_TIMEOUT))
            proc.stdout.close()
            returncode = proc.wait()
        finally:
            if proc.poll() is None:
                _kill(proc)
        if returncode != 0:
            errors.seek(0)
            reason = GitResult(returncode, b"", errors.read()).last_line()
            raise UpstreamError(f"Could not read the files of {where} from the git cache: {reason}; "
                                f"delete {repo.parent} and sync again.")


def _prune_trees(trees: Path, keep: Path) -> None:
    """Keep the KEEP_TREES most recently used checkouts of a repository."""
    entries = [p for p in trees.iterdir() if not p.name.startswith(".") and p != keep]
    entries.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP_TREES - 1:]:
        remove_quietly(old)


def _subpath(tree: Path, sub: PurePosixPath | None, url: str, ref: str, commit: str) -> Path:
    """`tree/sub`, refusing a missing path or one reached through a link in the repository."""
    if sub is None:
        return tree
    path = tree
    for i, part in enumerate(sub.parts):
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            raise UpstreamError(
                f"The sub-folder {str(sub)!r} does not exist in the git repository {url} at {ref!r} "
                f"(commit {commit[:12]}); check the sub-folder (`edit NAME --subdir DIR` changes a tracked artifact's)."
            ) from None
        if stat.S_ISLNK(st.st_mode):
            raise UpstreamError(
                f"The sub-folder {str(sub)!r} in the git repository {url} goes through the symbolic link "
                f"{'/'.join(sub.parts[:i + 1])!r}; links are not followed, so point the sub-folder at the real path."
            )
        if i < len(sub.parts) - 1 and not stat.S_ISDIR(st.st_mode):
            raise UpstreamError(
                f"The sub-folder {str(sub)!r} does not exist in the git repository {url} at {ref!r} "
                f"(commit {commit[:12]}); check the sub-folder (`edit NAME --subdir DIR` changes a tracked artifact's)."
            )
    if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
        raise UpstreamError(f"The sub-folder {str(sub)!r} in {url} is neither a folder nor a file; give another (`edit NAME --subdir DIR`).")
    return path

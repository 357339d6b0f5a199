"""Upstreams: what an artifact comes from, and making its current content readable on disk.

An upstream is a local folder (or file), or a git repository at a ref and an
optional sub-folder. This module holds the spec (UpstreamSpec), the result
(FetchedUpstream), the folder-vs-git rule (infer_spec), the fetch/validate entry
points and folder upstreams; git upstreams (the git program, the cache, refs,
checkouts) are core.upstreams.git, imported only when a git upstream is fetched.
See docs/upstreams.md for the rules (folder vs git, caching, refs, security).
"""
from __future__ import annotations

from pathlib import Path

from core.errors import UpstreamError
from core.upstreams.spec import (
    FetchedUpstream,
    UpstreamKind,
    UpstreamSpec,
    clean_subdir,
    looks_like_url,
    refuse_dangerous_transport,
)


__all__ = [
    "sweep_git_cache",
    "UpstreamSpec",
    "FetchedUpstream",
    "UpstreamKind",
    "fetch",
    "validate",
    "infer_spec",
    "work_tree_branch",
]






# --------------------------------------------------------------------------- inference


def _is_git_repo(path: Path) -> bool:
    """A working tree (has `.git`) or a bare repository (HEAD + objects + refs)."""
    if (path / ".git").exists():
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _is_bare_repo(path: Path) -> bool:
    return not (path / ".git").exists() and _is_git_repo(path)


def work_tree_branch(path: Path) -> str | None:
    """The branch checked out in the git work tree `path` (the commit id when detached), read from
    `.git/HEAD` (or the `gitdir:` a `.git` file names); None when `path` is no work tree or HEAD is unreadable."""
    dot_git = path / ".git"
    try:
        if dot_git.is_file():
            line = dot_git.read_text(encoding="utf-8").strip()
            if not line.startswith("gitdir:"):
                return None
            git_dir = Path(line[len("gitdir:"):].strip())
            dot_git = git_dir if git_dir.is_absolute() else path / git_dir
        head = (dot_git / "HEAD").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if head.startswith("ref: refs/heads/"):
        return head[len("ref: refs/heads/"):] or None
    if len(head) in (40, 64) and all(c in "0123456789abcdef" for c in head):
        return head
    return None


def infer_spec(source: str, ref: str | None = None, subdir: str | None = None, *, folder: bool = False) -> UpstreamSpec:
    """Decide whether `source` is a folder or a git upstream (rule: docs/upstreams.md).

    git: a URL (https, http, ssh, git, file, `user@host:path`), a local path ending
    in `.git`, a bare repository, or a local git work tree — at the ref given, else
    the branch checked out there now (its committed content).
    folder: any other local path; a work tree too with `folder=True` (`--folder`: its
    files as they are on disk now, uncommitted edits included).
    """
    source = source.strip()
    if not source:
        raise UpstreamError("The upstream source is empty; give a folder path or a git URL.")
    refuse_dangerous_transport(source)
    ref = ref or None
    subdir = subdir or None
    if folder:
        if looks_like_url(source) or ref is not None:
            raise UpstreamError(f"--folder takes a local folder's files as they are, so {source!r}"
                                f"{f' at {ref!r}' if ref else ''} cannot be one; leave out --folder "
                                "(or the ref) to track it as git.")
        return UpstreamSpec("folder", str(Path(source).expanduser().absolute()), None, subdir)
    if looks_like_url(source):
        return UpstreamSpec("git", source, ref, subdir)
    path = Path(source).expanduser()
    if source.rstrip("/").endswith(".git") or (path.is_dir() and _is_bare_repo(path)):
        return UpstreamSpec("git", str(path.absolute()), ref, subdir)
    if ref is not None:
        if path.exists() and not (path / ".git").exists():
            # Neither bare (above) nor a working tree: git would only say "not a repository".
            raise UpstreamError(
                f"A ref ({ref!r}) only applies to git upstreams, and {path} is a plain "
                f"{'folder' if path.is_dir() else 'file'}; leave the ref out, or point at a git repository."
            )
        return UpstreamSpec("git", str(path.absolute()), ref, subdir)
    if path.is_dir() and (path / ".git").exists():
        branch = work_tree_branch(path)
        if branch is not None:  # its committed content; an unborn branch has none, so the files are taken
            return UpstreamSpec("git", str(path.absolute()), branch, subdir)
    return UpstreamSpec("folder", str(path.absolute()), None, subdir)




# --------------------------------------------------------------------------- entry points


def fetch(spec: UpstreamSpec, git_cache_dir: Path) -> FetchedUpstream:
    """Make the upstream's current content readable on disk. Raises UpstreamError."""
    if spec.kind == "folder":
        return _fetch_folder(spec)
    if spec.kind == "git":
        from core.upstreams.git_notes import fetch_noted  # git machinery only when a git upstream is used

        return fetch_noted(spec, Path(git_cache_dir))
    raise UpstreamError(f"Unknown upstream kind {spec.kind!r} for {spec.location}; use 'folder' or 'git'.")


def validate(spec: UpstreamSpec, git_cache_dir: Path) -> FetchedUpstream:
    """Check that the upstream exists and its ref resolves (the Add dialog, `add`).

    The same work as `fetch`: the cache it fills makes the first sync cheap.
    """
    return fetch(spec, git_cache_dir)


# --------------------------------------------------------------------------- folder


def _fetch_folder(spec: UpstreamSpec) -> FetchedUpstream:
    base = Path(spec.location).expanduser()
    sub = clean_subdir(spec.subdir, f"the upstream {'file' if base.is_file() else 'folder'} {base}")
    path = base / sub if sub else base
    if not path.exists():
        # Gone: whether it was a folder or a file cannot be told any more, so neither is named.
        raise UpstreamError(
            f"Upstream path {path} does not exist; check the path, or put it back if it was moved "
            "(`edit NAME --source SRC` points a tracked artifact elsewhere)."
        )
    # The person chose this path, so links on the way to it are theirs to follow;
    # resolving makes the artifact root a real file or folder (never itself a link).
    real = path.resolve()
    if not (real.is_dir() or real.is_file()):
        raise UpstreamError(
            f"Upstream path {path} is neither a folder nor a regular file; point the upstream at a folder or a file."
        )
    meta = {"upstream_kind": "folder", "location": str(base), "subdir": str(sub) if sub else None}
    return FetchedUpstream(path=real, commit=None, metadata=meta)


def sweep_git_cache(git_cache_dir: Path) -> list[str]:
    """Remove checkouts and clones that killed fetches left in the git cache (see
    core.upstreams.git.sweep_leftovers); without a cache, git's module is not even imported."""
    if not Path(git_cache_dir).is_dir():
        return []
    from core.upstreams.git import sweep_leftovers

    return sweep_leftovers(Path(git_cache_dir))

"""Folder and git upstreams: inference, refs, sub-folders, the cache, and every error named."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from core.upstreams import fetch, git as git_upstream, infer_spec, sources, sweep_git_cache, validate, FetchedUpstream, UpstreamSpec
from core.errors import UpstreamError
from core.upstreams.git import cache_key


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=trunk",
         "-c", "core.symlinks=true", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def upstream(tmp_path) -> dict:
    """A repository whose default branch is 'trunk' (neither main nor master), with history,
    a 'dev' branch, a lightweight and an annotated tag, a sub-folder, a single-file artifact,
    an executable script and a symlink."""
    repo = tmp_path / "upstream"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, {"skills/pdf/SKILL.md": "v1\n", "commands/review.md": "review v1\n", "README": "r"})
    first = commit_all(repo, "first")
    git(repo, "tag", "v1")
    write(repo, {"skills/pdf/SKILL.md": "v2\n", "skills/pdf/scripts/run.sh": "#!/bin/sh\necho hi\n"})
    os.chmod(repo / "skills/pdf/scripts/run.sh", 0o755)
    os.symlink("SKILL.md", repo / "skills/pdf/readme-link")
    second = commit_all(repo, "second")
    git(repo, "tag", "-a", "v2", "-m", "annotated")
    git(repo, "checkout", "-q", "-b", "dev")
    write(repo, {"skills/pdf/SKILL.md": "dev\n"})
    dev = commit_all(repo, "dev work")
    git(repo, "checkout", "-q", "trunk")
    return {"repo": repo, "first": first, "second": second, "dev": dev, "cache": tmp_path / "cache"}


def read(path: Path, rel: str = "") -> str:
    return (path / rel).read_text() if rel else path.read_text()


# --------------------------------------------------------------------------- refs


def test_default_branch_is_the_remotes_head(upstream):
    got = fetch(UpstreamSpec("git", str(upstream["repo"])), upstream["cache"])
    assert got.commit == upstream["second"]
    assert read(got.path, "skills/pdf/SKILL.md") == "v2\n"
    date = got.metadata.pop("commit_date")
    assert got.metadata == {
        "upstream_kind": "git", "url": str(upstream["repo"]), "ref": "trunk",
        "resolved_commit": upstream["second"], "commit_subject": "second", "subdir": None,
        "path_commit": upstream["second"],
    }
    assert date[:4].isdigit() and "T" in date


def test_branch(upstream):
    got = fetch(UpstreamSpec("git", str(upstream["repo"]), ref="dev"), upstream["cache"])
    assert got.commit == upstream["dev"]
    assert read(got.path, "skills/pdf/SKILL.md") == "dev\n"
    assert got.metadata["ref"] == "dev"


@pytest.mark.parametrize("tag, expected", [("v1", "first"), ("v2", "second")])
def test_lightweight_and_annotated_tags_resolve_to_commits(upstream, tag, expected):
    got = fetch(UpstreamSpec("git", str(upstream["repo"]), ref=tag), upstream["cache"])
    assert got.commit == upstream[expected]
    assert got.metadata["resolved_commit"] == upstream[expected]


@pytest.mark.parametrize("length", [40, 7])
def test_commit_id_full_and_short(upstream, length):
    got = fetch(UpstreamSpec("git", str(upstream["repo"]), ref=upstream["first"][:length]), upstream["cache"])
    assert got.commit == upstream["first"]
    assert read(got.path, "skills/pdf/SKILL.md") == "v1\n"
    assert not (got.path / "skills/pdf/scripts").exists()


def test_subdir_folder_and_single_file(upstream):
    folder = fetch(UpstreamSpec("git", str(upstream["repo"]), subdir="skills/pdf"), upstream["cache"])
    assert sorted(os.listdir(folder.path)) == ["SKILL.md", "readme-link", "scripts"]
    assert folder.metadata["subdir"] == "skills/pdf"
    single = fetch(UpstreamSpec("git", str(upstream["repo"]), ref="v1", subdir="commands/review.md"),
                   upstream["cache"])
    assert single.path.is_file() and read(single.path) == "review v1\n"


def test_checkout_keeps_symlinks_and_exec_bits(upstream):
    got = fetch(UpstreamSpec("git", str(upstream["repo"]), subdir="skills/pdf"), upstream["cache"])
    link = got.path / "readme-link"
    assert link.is_symlink() and os.readlink(link) == "SKILL.md"
    assert os.stat(got.path / "scripts/run.sh").st_mode & stat.S_IXUSR
    assert not os.stat(got.path / "SKILL.md").st_mode & stat.S_IXUSR


def test_validate_is_fetch(upstream):
    spec = UpstreamSpec("git", str(upstream["repo"]), ref="v2")
    assert validate(spec, upstream["cache"]) == fetch(spec, upstream["cache"])


# --------------------------------------------------------------------------- cache


def test_second_fetch_reuses_the_cache_and_sees_new_commits(upstream):
    spec = UpstreamSpec("git", str(upstream["repo"]))
    first = fetch(spec, upstream["cache"])
    bare = upstream["cache"] / cache_key(str(upstream["repo"])) / "repo.git"
    assert (bare / "HEAD").is_file()
    marker = bare / "kept-by-fetch"
    marker.write_text("a re-clone would lose this")
    inode = os.stat(bare).st_ino

    write(upstream["repo"], {"skills/pdf/SKILL.md": "v3\n"})
    third = commit_all(upstream["repo"], "third")
    second = fetch(spec, upstream["cache"])

    assert second.commit == third != first.commit
    assert read(second.path, "skills/pdf/SKILL.md") == "v3\n"
    assert marker.exists() and os.stat(bare).st_ino == inode
    assert read(first.path, "skills/pdf/SKILL.md") == "v2\n"  # the older checkout is still whole


def test_a_deleted_branch_is_pruned_from_the_cache(upstream):
    fetch(UpstreamSpec("git", str(upstream["repo"]), ref="dev"), upstream["cache"])
    git(upstream["repo"], "branch", "-q", "-D", "dev")
    with pytest.raises(UpstreamError, match="'dev'"):
        fetch(UpstreamSpec("git", str(upstream["repo"]), ref="dev"), upstream["cache"])


def test_checkouts_are_pruned_to_the_newest_few(upstream, monkeypatch):
    monkeypatch.setattr(git_upstream, "KEEP_TREES", 2)
    repo, cache = upstream["repo"], upstream["cache"]
    paths = [fetch(UpstreamSpec("git", str(repo), ref=r), cache).path for r in ("v1", "v2", "dev")]
    trees = cache / cache_key(str(repo)) / "trees"
    kept = sorted(p.name for p in trees.iterdir())
    assert kept == sorted([upstream["second"], upstream["dev"]])
    assert not paths[0].exists() and paths[2].exists()


def test_leftovers_of_killed_fetches_are_swept_when_no_fetch_holds_the_repository(upstream):
    """Issue 7: trees/.tmp-* and index.tmp-* survive a kill (pruning skips dot-names)."""
    repo, cache = upstream["repo"], upstream["cache"]
    tree = fetch(UpstreamSpec("git", str(repo)), cache).path
    root = cache / cache_key(str(repo))
    leftovers = [root / "trees" / ".tmp-dead", root / "index.tmp-dead", root / "repo.tmp-dead"]
    write(leftovers[0], {"skills/pdf/SKILL.md": "half a checkout"})
    leftovers[1].write_bytes(b"DIRC")
    leftovers[2].mkdir()
    fd = os.open(root / "lock", os.O_RDONLY)
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)  # a fetch running now: its files are not leftovers
        assert sweep_git_cache(cache) == [] and all(p.exists() for p in leftovers)
    finally:
        os.close(fd)
    assert sweep_git_cache(cache) == []
    assert not any(p.exists() for p in leftovers)
    assert read(tree, "skills/pdf/SKILL.md") == "v2\n"  # the real checkout stays
    assert sweep_git_cache(cache / "none-yet") == []


def test_one_cache_per_url(upstream, tmp_path):
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(upstream["repo"]), str(other)], check=True)
    fetch(UpstreamSpec("git", str(upstream["repo"])), upstream["cache"])
    fetch(UpstreamSpec("git", str(other)), upstream["cache"])
    assert len([p for p in upstream["cache"].iterdir()]) == 2
    assert cache_key(str(other)) != cache_key(str(upstream["repo"]))


# --------------------------------------------------------------------------- errors


def test_ext_transport_is_refused_before_git_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(git_upstream, "run_git", lambda *a, **k: pytest.fail("git was run"))
    url = f"ext::sh -c touch% {tmp_path}/pwned"
    for call in (lambda: infer_spec(url), lambda: fetch(UpstreamSpec("git", url), tmp_path / "cache")):
        with pytest.raises(UpstreamError, match="'ext::' transport"):
            call()
    assert not (tmp_path / "pwned").exists()


def test_git_itself_refuses_ext_if_our_check_were_bypassed(tmp_path, monkeypatch):
    monkeypatch.setattr(git_upstream, "refuse_dangerous_transport", lambda location: None)
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "ext")  # must not survive into git's environment
    url = f"ext::sh -c touch% {tmp_path}/pwned"
    with pytest.raises(UpstreamError, match="transport 'ext' not allowed"):
        fetch(UpstreamSpec("git", url), tmp_path / "cache")
    assert not (tmp_path / "pwned").exists()


def test_git_runs_without_prompts(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_ASKPASS", "/bin/false")
    monkeypatch.setenv("SSH_ASKPASS", "/bin/false")
    seen = {}
    real = subprocess.Popen

    def spy(cmd, **kw):
        seen.setdefault("cmd", cmd)
        seen.setdefault("env", kw["env"])
        seen.setdefault("stdin", kw["stdin"])
        return real(cmd, **kw)

    monkeypatch.setattr(git_upstream.subprocess, "Popen", spy)
    with pytest.raises(UpstreamError):
        fetch(UpstreamSpec("git", str(tmp_path / "nothing")), tmp_path / "cache")
    assert "protocol.ext.allow=never" in seen["cmd"]
    assert seen["env"]["GIT_TERMINAL_PROMPT"] == "0"
    assert "GIT_ASKPASS" not in seen["env"] and "SSH_ASKPASS" not in seen["env"]
    assert seen["stdin"] == subprocess.DEVNULL


def test_missing_git_binary(upstream, tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(UpstreamError, match="git is not installed; install git or use a folder upstream"):
        fetch(UpstreamSpec("git", str(upstream["repo"])), upstream["cache"])


def test_bad_url_names_it_and_gives_gits_reason(tmp_path):
    missing = tmp_path / "no-such-repo"
    with pytest.raises(UpstreamError) as info:
        fetch(UpstreamSpec("git", str(missing)), tmp_path / "cache")
    msg = str(info.value)
    assert str(missing) in msg and "does not appear to be a git repository" in msg
    assert not any(p.name.startswith("repo") for p in (tmp_path / "cache").rglob("*"))  # no half cache


def test_missing_ref_names_ref_and_url(upstream):
    with pytest.raises(UpstreamError) as info:
        fetch(UpstreamSpec("git", str(upstream["repo"]), ref="release-9"), upstream["cache"])
    assert "'release-9'" in str(info.value) and str(upstream["repo"]) in str(info.value)
    with pytest.raises(UpstreamError, match="'deadbeef'"):
        fetch(UpstreamSpec("git", str(upstream["repo"]), ref="deadbeef"), upstream["cache"])
    with pytest.raises(UpstreamError, match="'--upload-pack=x'"):
        fetch(UpstreamSpec("git", str(upstream["repo"]), ref="--upload-pack=x"), upstream["cache"])


def test_missing_subdir_names_subdir_url_and_commit(upstream):
    with pytest.raises(UpstreamError) as info:
        fetch(UpstreamSpec("git", str(upstream["repo"]), ref="v1", subdir="skills/pdf/scripts"), upstream["cache"])
    msg = str(info.value)
    assert "'skills/pdf/scripts'" in msg and str(upstream["repo"]) in msg and upstream["first"][:12] in msg


def test_subdir_through_a_link_is_refused(upstream):
    os.symlink("/etc", upstream["repo"] / "etc-link")
    commit_all(upstream["repo"], "link out")
    with pytest.raises(UpstreamError, match="symbolic link 'etc-link'"):
        fetch(UpstreamSpec("git", str(upstream["repo"]), subdir="etc-link/passwd"), upstream["cache"])


@pytest.mark.parametrize("subdir", ["../x", "a/../../b", "..\\x"])
def test_subdir_may_not_climb_out(upstream, subdir):
    with pytest.raises(UpstreamError, match="without '..'"):
        fetch(UpstreamSpec("git", str(upstream["repo"]), subdir=subdir), upstream["cache"])


def test_a_leading_slash_in_subdir_means_the_repository_root(upstream):
    with pytest.raises(UpstreamError, match="'etc' does not exist in the git repository"):
        fetch(UpstreamSpec("git", str(upstream["repo"]), subdir="/etc"), upstream["cache"])
    got = fetch(UpstreamSpec("git", str(upstream["repo"]), subdir="/skills/pdf/"), upstream["cache"])
    assert got.path.name == "pdf" and got.metadata["subdir"] == "skills/pdf"


def test_a_git_command_that_hangs_times_out(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(git_upstream, "GIT_TIMEOUT", 0.3)
    with pytest.raises(UpstreamError, match="took longer than 0.3 s"):
        fetch(UpstreamSpec("git", "https://example.invalid/repo.git"), tmp_path / "cache")


# --------------------------------------------------------------------------- folder upstreams


def test_folder_upstream_and_subdir(tmp_path):
    write(tmp_path / "up", {"skills/pdf/SKILL.md": "s", "commands/review.md": "r"})
    got = fetch(UpstreamSpec("folder", str(tmp_path / "up"), subdir="skills/pdf"), tmp_path / "cache")
    assert isinstance(got, FetchedUpstream) and got.commit is None
    assert got.path == (tmp_path / "up/skills/pdf").resolve()
    assert got.metadata["upstream_kind"] == "folder"
    single = fetch(UpstreamSpec("folder", str(tmp_path / "up/commands/review.md")), tmp_path / "cache")
    assert single.path.is_file()
    assert not (tmp_path / "cache").exists()  # a folder upstream needs no cache


def test_missing_folder_names_the_path(tmp_path):
    with pytest.raises(UpstreamError) as info:
        fetch(UpstreamSpec("folder", str(tmp_path / "x" / "y")), tmp_path / "cache")
    assert f"Upstream path {tmp_path / 'x' / 'y'} does not exist" in str(info.value)
    assert "check the path, or put it back if it was moved" in str(info.value)
    (tmp_path / "up").mkdir()
    with pytest.raises(UpstreamError, match="skills/none does not exist"):
        fetch(UpstreamSpec("folder", str(tmp_path / "up"), subdir="skills/none"), tmp_path / "cache")


# --------------------------------------------------------------------------- inference


@pytest.mark.parametrize("url", [
    "https://github.com/org/skills.git", "http://host/x", "ssh://git@host/x.git", "git://host/x",
    "file:///srv/repo", "git@github.com:org/skills.git", "HTTPS://HOST/X",
])
def test_urls_are_git(url):
    spec = infer_spec(url, ref="main", subdir="skills/pdf")
    assert spec == UpstreamSpec("git", url, "main", "skills/pdf")


def test_local_paths(tmp_path, upstream):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert infer_spec(str(plain)) == UpstreamSpec("folder", str(plain))
    # A working tree: its checked-out branch's commits (issue 18), another ref's with one, its files with folder=True.
    assert infer_spec(str(upstream["repo"])) == UpstreamSpec("git", str(upstream["repo"]), "trunk")
    assert infer_spec(str(upstream["repo"]), folder=True) == UpstreamSpec("folder", str(upstream["repo"]))
    assert infer_spec(str(upstream["repo"]), ref="dev") == UpstreamSpec("git", str(upstream["repo"]), "dev")
    bare = tmp_path / "bare"
    subprocess.run(["git", "clone", "-q", "--bare", str(upstream["repo"]), str(bare)], check=True)
    assert infer_spec(str(bare)).kind == "git"
    assert infer_spec(str(tmp_path / "not-yet.git")).kind == "git"
    assert infer_spec(str(tmp_path / "missing")).kind == "folder"  # fetch then says it does not exist


def test_relative_and_home_paths_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "up").mkdir()
    assert infer_spec("up").location == str(tmp_path / "up")
    assert infer_spec("~/up").location == str(tmp_path / "up")


def test_empty_source_and_empty_ref():
    with pytest.raises(UpstreamError, match="empty"):
        infer_spec("  ")
    assert infer_spec("https://h/x", ref="", subdir="").ref is None


def test_a_ref_on_a_plain_folder_says_refs_are_for_git(tmp_path):
    from core.upstreams import infer_spec

    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(UpstreamError, match="only applies to git upstreams") as info:
        infer_spec(str(plain), ref="main")
    assert str(plain) in str(info.value) and "'main'" in str(info.value)
    assert infer_spec(str(plain)).kind == "folder"  # without the ref it is a fine folder upstream


# --------------------------------------------------------------------------- exact, safe trees


def _crafted_commit(repo: Path, name: str) -> None:
    """A commit whose tree holds `name` as a folder with one file: git's plumbing writes it as given."""
    git(repo, "init", "-q")

    def run(args: list[str], data: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, input=data, check=True, capture_output=True,
                              text=True).stdout.strip()

    blob = run(["hash-object", "-w", "--stdin"], "x\n")
    inner = run(["mktree"], f"100644 blob {blob}\tevil\n")
    top = run(["mktree"], f"040000 tree {inner}\t{name}\n100644 blob {blob}\tok\n")
    commit = run(["-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit-tree", "-m", "x", top], "")
    git(repo, "update-ref", "refs/heads/trunk", commit)


@pytest.mark.parametrize("name", ["..", ".git", ".GIT"])
def test_a_tree_with_a_path_git_refuses_is_refused_by_name(tmp_path, name):
    repo = tmp_path / "crafted"
    repo.mkdir()
    _crafted_commit(repo, name)
    with pytest.raises(UpstreamError, match=f"'{name}/evil'"):
        fetch(UpstreamSpec("git", str(repo), ref="trunk"), tmp_path / "cache")
    assert not (tmp_path / "evil").exists() and not (tmp_path / "cache" / "evil").exists()


def test_the_tree_is_written_from_blobs_not_by_a_checkout(upstream, monkeypatch, tmp_path):
    """A filter in the user's git config and eol attributes change nothing (e2e covers more)."""
    repo = upstream["repo"]
    (repo / ".gitattributes").write_text("* text eol=crlf filter=evil\n")
    commit_all(repo, "attributes")
    config = tmp_path / "gitconfig"
    config.write_text("[filter \"evil\"]\n\tsmudge = tr a-z A-Z\n\trequired = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    got = fetch(UpstreamSpec("git", str(repo), subdir="skills/pdf"), upstream["cache"])
    assert (got.path / "SKILL.md").read_bytes() == b"v2\n"
    assert (got.path / "scripts/run.sh").read_bytes() == b"#!/bin/sh\necho hi\n"

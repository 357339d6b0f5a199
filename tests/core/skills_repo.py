"""A local git repository shaped like anthropics/skills, for the marketplace and plugin tests.

`.claude-plugin/marketplace.json` lists three plugins from the repository's own root:
document-skills (xlsx, docx, pptx, pdf), example-skills (12 skills) and claude-api;
`template/SKILL.md` is a template, not a skill. Two commits: the skills, then a change
to claude-api only (so the head's subject is not about pdf).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

DOCUMENT_SKILLS = ["xlsx", "docx", "pptx", "pdf"]
EXAMPLE_SKILLS = ["algorithmic-art", "artifacts-builder", "brand-guidelines", "canvas-design", "frontend-design",
                  "internal-comms", "mcp-builder", "skill-creator", "slack-gif-creator", "theme-factory",
                  "webapp-testing", "web-artifacts-builder"]
ALL_SKILLS = [*DOCUMENT_SKILLS, *EXAMPLE_SKILLS, "claude-api"]

_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, **_ENV}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def marketplace(plugins: list[dict]) -> str:
    return json.dumps({"name": "anthropic-agent-skills", "owner": {"name": "t"}, "plugins": plugins}, indent=2)


def skills_plugins() -> list[dict]:
    return [
        {"name": "document-skills", "source": "./", "strict": False,
         "skills": [f"./skills/{n}" for n in DOCUMENT_SKILLS]},
        {"name": "example-skills", "source": "./", "strict": False,
         "skills": [f"./skills/{n}" for n in EXAMPLE_SKILLS]},
        {"name": "claude-api", "source": "./", "strict": False, "skills": ["./skills/claude-api"]},
    ]


def make_skills_repo(repo: Path) -> dict[str, str]:
    """Build it at `repo` (a work tree); returns the two commits' ids."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    files = {f"skills/{n}/SKILL.md": f"---\nname: {n}\n---\n# {n}\n" for n in ALL_SKILLS}
    files["skills/pdf/scripts/fill.py"] = "print('fill')\n"
    files["template/SKILL.md"] = "---\nname: template-skill\n---\n"
    files["README.md"] = "skills\n"
    files[".claude-plugin/marketplace.json"] = marketplace(skills_plugins())
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Add the skills", date="2025-01-02T03:04:05+00:00")
    first = git(repo, "rev-parse", "HEAD")
    write(repo, {"skills/claude-api/SKILL.md": "---\nname: claude-api\n---\n# claude-api v2\n"})
    git(repo, "commit", "-qam", "Update claude-api skill", date="2025-02-03T04:05:06+00:00")
    return {"first": first, "second": git(repo, "rev-parse", "HEAD")}


def git_shim(folder: Path) -> Path:
    """A `git` on PATH that logs each invocation's arguments (one line) to `folder/git.log`, then runs git."""
    import shutil

    real = shutil.which("git")
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / "git"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{folder}/git.log"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    return folder / "git.log"


def fetches(log: Path) -> int:
    """How many `git fetch` ran (the shim's log)."""
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if " fetch " in f" {line} ")

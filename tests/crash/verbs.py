"""Crash sweep of the verbs that replace or delete a copy (issue 14 §3): deploy (first and
redeploy, skill and command), push (take-project and merge), restore (collection and
project), `sync --strategy merge`, `merge --continue` (collection and project), remove and
`sync --deploy`, each killed (strace, SIGKILL on entering the call) before a call it makes
on the data folder or a project.

Set-up S of the issue: upstream U with skill `pdf` (SKILL.md, scripts/a.py, scripts/b.py)
and command `U/cmds/review.md`, both added and synced, project `web` (P) with both
deployed, and project `web2` (P2) registered with nothing deployed. Each verb has its
own preparation from S (a template), a reference run (the command run cleanly, then a
`sync`), and then one case per kill point: the command killed; the copies it replaces
hold the template's content or the reference's; the same command run again finishes;
the next `sync` exits as the reference's did; the versions recorded since the template
(line, origin, content, parents' content and line) are exactly the reference's, the
deployments are the reference's, and nothing is left behind (staging, materialize,
backup, removed folders, recovery records, pending records, merges).

`python -m tests.crash.verbs worker BASE CASES.json` runs cases in a fresh BASE and
prints a JSON list (tests/crash/test_crash_verbs.py runs two workers side by side).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.crash.harness import KILL_CALLS, TRACE_LINE, age, describe, run_cli, strace_options
from tests.main_server import run_main


@dataclass(frozen=True)
class Verb:
    name: str
    prep: tuple = ()  # ("cli", args...) | ("write", relpath, text) | ("resolve", artifact, line, file, text)
    cmd: tuple = ()
    targets: tuple = ()  # paths (relative to the live folder) the command replaces or deletes
    rerun_done: str = ""  # what a re-run says once the first run had finished (accepted, exit != 0)


_SKILL_EDIT = ("write", "U/pdf/SKILL.md", "# pdf v2\n")
VERBS = {v.name: v for v in (
    Verb("deploy-first-skill", (), ("deploy", "pdf", "--project", "web2"), ("P2/.claude/skills/pdf",)),
    Verb("deploy-first-command", (), ("deploy", "review", "--project", "web2"), ("P2/.claude/commands/review.md",)),
    Verb("redeploy-skill", (_SKILL_EDIT, ("cli", "sync")), ("deploy", "pdf", "--project", "web"),
         ("P/.claude/skills/pdf",)),
    Verb("redeploy-command", (("write", "U/cmds/review.md", "review v2\n"), ("cli", "sync")),
         ("deploy", "review", "--project", "web"), ("P/.claude/commands/review.md",)),
    Verb("push-take-project", (("write", "P/.claude/skills/pdf/SKILL.md", "# pdf project\n"),
                               ("write", "U/pdf/scripts/b.py", "b2\n"), ("cli", "sync")),
         ("push", "pdf", "--project", "web", "--strategy", "take-project"), ("home/collection/skills/pdf",)),
    Verb("push-merge", (("write", "P/.claude/skills/pdf/scripts/a.py", "a project\n"),
                        ("write", "U/pdf/scripts/b.py", "b2\n"), ("cli", "sync")),
         ("push", "pdf", "--project", "web", "--strategy", "merge"), ("home/collection/skills/pdf",)),
    Verb("restore-collection", (_SKILL_EDIT, ("cli", "sync")), ("restore", "pdf", "v1"),
         ("home/collection/skills/pdf",)),
    Verb("restore-project", (_SKILL_EDIT, ("cli", "sync"), ("cli", "deploy", "pdf", "--project", "web")),
         ("restore", "pdf", "v1", "--project", "web"), ("P/.claude/skills/pdf",)),
    Verb("sync-merge", (("write", "home/collection/skills/pdf/scripts/a.py", "a local\n"),
                        ("write", "U/pdf/scripts/b.py", "b2\n")),
         ("sync", "pdf", "--strategy", "merge"), ("home/collection/skills/pdf",)),
    Verb("continue-collection", (("write", "home/collection/skills/pdf/SKILL.md", "# local\n"),
                                 ("write", "U/pdf/SKILL.md", "# upstream\n"),
                                 ("cli", "sync", "pdf", "--strategy", "merge"), ("cli", "merge", "pdf"),
                                 ("resolve", "collection", "SKILL.md", "# resolved\n")),
         ("merge", "pdf", "--continue"), ("home/collection/skills/pdf",), rerun_done="No merge is waiting"),
    Verb("continue-project", (("write", "P/.claude/skills/pdf/SKILL.md", "# project\n"),
                              ("write", "U/pdf/SKILL.md", "# upstream\n"), ("cli", "sync"),
                              ("cli", "push", "pdf", "--project", "web", "--strategy", "merge"),
                              ("cli", "merge", "pdf", "--project", "web"),
                              ("resolve", "web", "SKILL.md", "# resolved\n")),
         ("merge", "pdf", "--project", "web", "--continue"), ("home/collection/skills/pdf",),
         rerun_done="No merge is waiting"),
    Verb("remove", (), ("remove", "pdf", "--yes"), ("home/collection/skills/pdf",), rerun_done="was removed from the collection"),
    Verb("remove-purge", (("cli", "blame", "pdf"),), ("remove", "pdf", "--purge", "--yes"), ("home/collection/skills/pdf",),
         rerun_done="No artifact named 'pdf'"),
    Verb("sync-deploy", (_SKILL_EDIT,), ("sync", "--deploy"), ("home/collection/skills/pdf", "P/.claude/skills/pdf")),
)}
LEFTOVER_MARKS = (".staging-", ".materialize-", ".backup-", ".removed-", ".lineage-recovery")


@dataclass(frozen=True)
class KillPoint:
    verb: str
    index: int
    syscall: str
    nth: int
    where: str
    after_swap: bool


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _content(path: Path) -> str:
    from core.content import hash_tree

    if not os.path.lexists(path):
        return "missing"
    try:
        return hash_tree(path).content_hash
    except Exception as e:  # noqa: BLE001 - a broken copy is an answer here
        return f"unreadable: {e}"


class World:
    """One live folder (data folder, projects, upstream), rebuilt from a template per case."""

    def __init__(self, base: Path) -> None:
        self.base = Path(base)
        self.live = self.base / "live"
        self.home = self.live / "home"
        self.refs: dict[str, dict] = {}

    def cli(self, *args: str) -> tuple[int, str, str]:
        return run_cli(["--home", str(self.home), *args])

    def build_s(self) -> None:
        u = self.live / "U"
        _write(u / "pdf" / "SKILL.md", "# pdf v1\n")
        _write(u / "pdf" / "scripts" / "a.py", "a\n")
        _write(u / "pdf" / "scripts" / "b.py", "b\n")
        _write(u / "cmds" / "review.md", "review v1\n")
        (self.live / "P").mkdir()
        (self.live / "P2").mkdir()
        for args in (("add", "pdf", "--source", str(u / "pdf")),
                     ("add", "review", "--source", str(u / "cmds" / "review.md"), "--type", "command"),
                     ("sync",), ("project", "add", "web", str(self.live / "P")),
                     ("project", "add", "web2", str(self.live / "P2")),
                     ("deploy", "pdf", "--project", "web"), ("deploy", "review", "--project", "web")):
            code, out, err = self.cli(*args)
            if code != 0:
                raise RuntimeError(f"set-up S failed at {args}: {out} {err}")
        shutil.copytree(self.live, self.base / "tpl-S", symlinks=True)

    def restore_template(self, name: str) -> None:
        if self.live.exists():
            shutil.rmtree(self.live)
        shutil.copytree(self.base / f"tpl-{name}", self.live, symlinks=True)
        age(self.live)

    def prepare(self, verb: Verb) -> None:
        self.restore_template("S")
        for step in verb.prep:
            if step[0] == "write":
                _write(self.live / step[1], step[2])
            elif step[0] == "cli":
                self.cli(*step[1:])  # conflicts exit 1 on purpose
            elif step[0] == "resolve":
                works = sorted((self.home / "merges").glob(f"*-{step[1]}/work"))
                assert works, f"no work folder for {step[1]}"
                _write(works[0] / step[2], step[3])
        shutil.copytree(self.live, self.base / f"tpl-{verb.name}", symlinks=True)

    def command(self, verb: Verb, strace_args: list[str] | None = None, kills: bool = False) -> subprocess.CompletedProcess:
        strace = [*strace_options(kills), *strace_args] if strace_args is not None else None
        return run_main(["--home", str(self.home), *verb.cmd], strace=strace)

    def reference(self, verb: Verb) -> dict:
        """The verb run cleanly from its template, then a sync: what every case must end as."""
        self.restore_template(verb.name)
        before = self.copies(verb)
        versions0 = self.version_ids()
        proc = self.command(verb)
        if proc.returncode != 0:
            raise RuntimeError(f"the reference {verb.name} failed: {proc.stderr.decode()[-600:]}")
        after = self.copies(verb)
        code, _, _ = self.cli("sync")
        ref = {"old": before, "new": after, "base_ids": versions0, "sync_exit": code,
               "versions": self.new_versions(versions0), "deployments": self.deployments(),
               "merges": self.merges()}
        self.refs[verb.name] = ref
        return ref

    def enumerate(self, verb: Verb) -> list[KillPoint]:
        self.restore_template(verb.name)
        trace = self.base / "trace.txt"
        self.command(verb, ["-o", str(trace), "-e", f"trace={','.join(KILL_CALLS)}"])
        return parse(trace.read_text(errors="replace"), verb, self.live)

    def copies(self, verb: Verb) -> dict[str, str]:
        return {t: _content(self.live / t) for t in verb.targets}

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.home / 'lineage.sqlite3'}?mode=ro", uri=True)

    def version_ids(self) -> int:
        con = self._db()
        try:
            return con.execute("SELECT COALESCE(MAX(id), 0) FROM artifact_versions").fetchone()[0]
        finally:
            con.close()

    def new_versions(self, after_id: int) -> list[list]:
        """Versions newer than `after_id` as comparable rows (no ids, no times)."""
        con = self._db()
        try:
            rows = con.execute(
                "SELECT v.id, a.name, v.line, v.change_origin, v.content_hash, v.parent_id, v.second_parent_id "
                "FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id").fetchall()
        finally:
            con.close()
        by_id = {r[0]: r for r in rows}

        def ref(vid):
            r = by_id.get(vid)
            return None if r is None else f"{r[2]}:{r[4][:12]}"

        return sorted([r[1], r[2], r[3], r[4][:12], ref(r[5]), ref(r[6])] for r in rows if r[0] > after_id)

    def deployments(self) -> list[list]:
        con = self._db()
        try:
            rows = con.execute(
                "SELECT a.name, p.name, v.line, v.content_hash FROM deployments d JOIN artifacts a ON a.id = d.artifact_id "
                "JOIN projects p ON p.id = d.project_id JOIN artifact_versions v ON v.id = d.version_id").fetchall()
        finally:
            con.close()
        return sorted([a, p, line, h[:12]] for a, p, line, h in rows)

    def merges(self) -> list[str]:
        folder = self.home / "merges"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def leftovers(self) -> list[str]:
        found = []
        for root in (self.home / "collection", self.live / "P", self.live / "P2"):
            for dirpath, dirnames, filenames in os.walk(root):
                for n in dirnames + filenames:
                    if any(m in n for m in LEFTOVER_MARKS):
                        found.append(os.path.relpath(os.path.join(dirpath, n), self.live))
        pending = self.home / "pending"
        if pending.exists():
            found += [f"home/pending/{n}" for n in os.listdir(pending)]
        return sorted(found)

    def run_case(self, verb: Verb, point: KillPoint) -> dict:
        ref = self.refs[verb.name]
        self.restore_template(verb.name)
        proc = self.command(verb, ["-o", os.devnull, "-e", f"trace={point.syscall}",
                                   "-e", f"inject={point.syscall}:signal=SIGKILL:when={point.nth}"], kills=True)
        problems: list[str] = []
        if proc.returncode not in (-9, 137):
            problems.append(f"the command was not killed (exit {proc.returncode})")
        now = self.copies(verb)
        for t, h in now.items():
            if h not in (ref["old"][t], ref["new"][t]):
                problems.append(f"{t} holds neither the old nor the new content after the kill")
        code, out, err = self.cli(*verb.cmd)
        if code != 0 and not (verb.rerun_done and verb.rerun_done in out + err):
            problems.append(f"the same command again exited {code}: {(out + err).strip()[-300:]}")
        sync_code, out, err = self.cli("sync")
        if sync_code != ref["sync_exit"]:
            problems.append(f"the next sync exited {sync_code}, not {ref['sync_exit']}: {(out + err).strip()[-300:]}")
        got = self.new_versions(ref["base_ids"])
        if got != ref["versions"]:
            extra = [v for v in got if v not in ref["versions"]]
            lost = [v for v in ref["versions"] if v not in got]
            problems.append(f"history differs: extra {extra}, missing {lost}")
        if self.deployments() != ref["deployments"]:
            problems.append(f"deployments differ: {self.deployments()} vs {ref['deployments']}")
        if self.merges() != ref["merges"]:
            problems.append(f"merges differ: {self.merges()} vs {ref['merges']}")
        final = self.copies(verb)
        if final != ref["new"]:
            problems.append(f"the copies end as {final}, not as the reference's")
        left = self.leftovers()
        if left:
            problems.append(f"left behind: {left}")
        return {**asdict(point), "problems": problems}


def parse(text: str, verb: Verb, live: Path) -> list[KillPoint]:
    """The traced process's calls on the live folder (data folder and projects), numbered per name."""
    live_s = str(live)
    targets = [str(live / t) for t in verb.targets]
    counts: dict[str, int] = {}
    points: list[KillPoint] = []
    pid = None
    swapped = False
    for line in text.splitlines():
        m = TRACE_LINE.match(line)
        if m is None or "resumed>" in line:
            continue
        pid = pid or m.group(1)
        if m.group(1) != pid:
            continue
        name = m.group(2)
        counts[name] = counts.get(name, 0) + 1
        if live_s not in line and "/proc/self/fd/" not in line:  # paths through an open folder count too
            continue
        where = describe(line, live_s)
        if not swapped and name.startswith("rename") and _is_swap(line, targets):
            swapped = True
        points.append(KillPoint(verb.name, len(points), name, counts[name], where, swapped))
    return points


def _is_swap(line: str, targets: list[str]) -> bool:
    """The rename that puts a staged copy in place (or moves a removed one aside): by full path,
    or relative to the open folder (renameat2 on a descriptor names the copy by its name)."""
    if ".materialize-" in line or not (".staging-" in line or ".removed-" in line):
        return False
    return any(t in line or f'"{os.path.basename(t)}"' in line for t in targets)


def select(points: list[KillPoint], *, full: bool | int) -> list[KillPoint]:
    """Every call (`full` True), one in `full` calls plus the swap and the call after it (`full`
    an int above 1), else only those two: the swap (a kill there leaves a staging folder and a
    pending record), and the call after it (the copy swapped, its version not recorded)."""
    if full is True or full == 1:
        return points
    if full:
        swap = next((p.index for p in points if p.after_swap), len(points))
        return [p for p in points if p.index % int(full) == 0 or p.index in (swap, swap + 1)]
    first = next((p.index for p in points if p.after_swap), None)
    if first is None:
        return [points[len(points) // 2]] if points else []
    chosen = {first, min(first + 1, len(points) - 1)}
    return [points[i] for i in sorted(chosen)]


def _worker(base: str, cases_file: str) -> int:
    wanted = json.loads(Path(cases_file).read_text())
    world = World(Path(base))
    world.build_s()
    results = []
    stream = Path(cases_file).with_suffix(".jsonl")  # every outcome as it comes: a timeout keeps the rest

    def keep(outcome: dict) -> None:
        results.append(outcome)
        with open(stream, "a") as fh:
            fh.write(json.dumps(outcome) + "\n")

    for verb_name, full in wanted:
        verb = VERBS[verb_name]
        try:
            world.prepare(verb)
            world.reference(verb)
            points = select(world.enumerate(verb), full=full)
        except Exception as e:  # noqa: BLE001 - one broken verb must still report the others
            keep({"verb": verb_name, "index": -1, "where": "set-up", "problems": [f"harness error: {e!r}"]})
            continue
        for point in points:
            try:
                keep(world.run_case(verb, point))
            except Exception as e:  # noqa: BLE001
                keep({**asdict(point), "problems": [f"harness error: {e!r}"]})
    sys.stdout.write(json.dumps(results))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "worker":
        sys.exit(_worker(sys.argv[2], sys.argv[3]))
    sys.exit("usage: python -m tests.crash.verbs worker BASE CASES.json")

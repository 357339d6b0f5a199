"""Crash sweep in the spirit of ALICE (OSDI'14): one `main.py sync`, killed before each
file system call it makes on the data folder, then the invariants of docs/sync.md,
"Crashes and recovery".

The scenario: a skill (with a sub-folder and an executable script) and a command (a
single file) are added and synced at v1; the upstream moves to v2. That sync is traced
once with strace to list its calls on the data folder; each case then runs the same
sync with strace killing it (SIGKILL on entering the call: the call never runs) at the
chosen call — strace counts calls per system call name, so a call is named by its name
and its ordinal (`when=N`). A case may instead make the call fail (ENOSPC for writes,
EIO for the rest) and let the sync go on. After each case the upstream moves to v3 and
the next sync (the CLI's own `main()`) must exit 0 and leave a history with no local
modification, one whole line of `sync` versions per artifact, and no leftovers.

Run as `python -m tests.crash.harness worker BASE CASES.json` it builds its own
scenario in BASE and runs the cases given (tests/crash/test_crash_sweep.py runs two
such workers side by side); its answer is a JSON list on stdout.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.main_server import run_main

ROOT = Path(__file__).resolve().parents[2]
# The calls a kill is injected before: every one that creates, opens, renames, links,
# removes or makes durable something in the data folder.
KILL_CALLS = (
    "open", "openat", "creat", "mkdir", "mkdirat", "rmdir", "rename", "renameat", "renameat2",
    "link", "linkat", "unlink", "unlinkat", "symlink", "symlinkat", "fsync", "fdatasync", "syncfs",
    "ftruncate", "fchmod",
)
# Writes are only made to fail (a full disk), not killed before: a kill before a write
# is the same crash as a kill before the fsync that follows it.
WRITE_CALLS = ("write", "pwrite64")
ARTIFACTS = {"st": "skills/st", "rv": "commands/rv.md"}
# How every crash test runs strace: follow forks, quiet, paths decoded.
STRACE_OPTIONS = ("-f", "-qq", "-y")
MISSED = "the injection hit"
AIM_TRIES = 3


def strace_options(kills: bool) -> tuple[str, ...]:
    """strace's options for a run that kills the process at a call (`kills`) or only traces it
    or makes a call fail. The latter add --seccomp-bpf, which stops the process only at the
    calls traced: without it every call stops (an import makes thousands), and a sync under
    strace takes 3.3 s instead of 0.7 s. strace 6.1 ignores `signal=` injections under
    --seccomp-bpf (the process runs on), so a killing run does without it."""
    return STRACE_OPTIONS if kills else (*STRACE_OPTIONS, "--seccomp-bpf")


TRACE_LINE = re.compile(r"^(\d+)\s+([a-z0-9_]+)\((.*)$")
_TOKENS = [
    (re.compile(r"(\.staging-|\.tmp-|tmp-|\.backup-)[0-9A-Za-z_]+"), r"\1*"),
    (re.compile(r"pending/[0-9a-f]+"), "pending/*"),
    (re.compile(r"\.lineage-recovery/[0-9a-f]+"), ".lineage-recovery/*"),
]


@dataclass(frozen=True)
class Call:
    index: int  # position among the sync's calls on the data folder
    syscall: str
    nth: int  # the how-manieth call of this name in the process (strace's when=)
    where: str  # the paths it names, relative to the data folder, random names as *
    after_swap: bool


def strace_problem() -> str | None:
    """Why the sweep cannot run here (None when it can)."""
    strace = shutil.which("strace")
    if strace is None:
        return "strace is not installed (Debian: apt-get install strace; .ci/run installs it as root)"
    try:
        probe = subprocess.run([strace, "-f", "-qq", "-o", os.devnull, "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"strace cannot run: {e}"
    if probe.returncode != 0:
        reason = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"strace cannot trace here (ptrace not permitted?): {reason[-1] if reason else probe.returncode}"
    return None


def age(root: Path, seconds: int = 3600) -> None:
    """Date every file and link under `root` `seconds` back. A run then finds the same files
    racy or not (core.content.statcache trusts no digest of a file written within 2 s) however
    soon it starts: a case forked 10 ms after its reset and the traced run it is numbered by
    must make the same calls."""
    when = time.time() - seconds
    for folder, _dirs, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), (when, when), follow_symlinks=False)


def _tree(root: Path, files: dict[str, str]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    script = root / "scripts" / "run.sh"
    if script.exists():
        script.chmod(0o755)


class Scenario:
    """One data folder, its upstreams and a template of the data folder after the v1 sync."""

    def __init__(self, base: Path) -> None:
        self.base = Path(base)
        self.home = self.base / "home"
        self.template = self.base / "template"
        self.up = self.base / "up"

    def upstream(self, version: str) -> None:
        # Written afresh (new inodes) every time, so every run hashes the same way.
        _tree(self.up / "st", {
            "SKILL.md": f"# st {version}\n",
            "scripts/run.sh": "#!/bin/sh\necho run\n",
            **({"notes.md": f"notes {version}\n"} if version != "v1" else {}),
        })
        (self.up / "rv.md").write_text(f"review {version}\n")
        age(self.up)

    def main(self, *args: str, strace: list[str] | None = None) -> subprocess.CompletedProcess:
        return run_main(["--home", str(self.home), *args], strace=strace)

    def build(self) -> None:
        self.upstream("v1")
        for args in (("add", "st", "--source", str(self.up / "st")),
                     ("add", "rv", "--source", str(self.up / "rv.md"), "--type", "command"), ("sync",)):
            proc = self.main(*args)
            if proc.returncode != 0:
                raise RuntimeError(f"setting up the crash scenario failed: {args}: {proc.stderr.decode()}")
        shutil.copytree(self.home, self.template, symlinks=True)
        self.hashes = {}
        for version in ("v1", "v2", "v3"):
            self.upstream(version)
            self.hashes[version] = self.upstream_hashes()

    def upstream_hashes(self) -> dict[str, str]:
        from core.content import hash_tree

        return {"st": hash_tree(self.up / "st").content_hash, "rv": _single_file_hash(self.up / "rv.md", b"rv.md")}

    def reset(self) -> None:
        """The data folder as it was after the v1 sync (fresh inodes, so every run hashes alike), upstream at v2."""
        if self.home.exists():
            shutil.rmtree(self.home)
        shutil.copytree(self.template, self.home, symlinks=True)
        age(self.home / "collection")
        self.upstream("v2")

    def enumerate(self) -> list[Call]:
        """Trace one sync; its calls on the data folder, in order."""
        self.reset()
        trace = self.base / "trace.txt"
        proc = self.main("sync", strace=[*strace_options(kills=False), "-o", str(trace),
                                         "-e", f"trace={','.join(KILL_CALLS + WRITE_CALLS)}"])
        if proc.returncode != 0:
            raise RuntimeError(f"the traced sync failed: {proc.stderr.decode()}")
        return parse_trace(trace.read_text(errors="replace"), self.home)

    def run_case(self, call: Call, mode: str) -> dict:
        """Kill (mode "kill") or fail (mode "error") the sync at `call`; check what follows.

        A run can make a call more or fewer than the traced one did before `call` (the stat
        cache re-reads a file it cached within 2 s of its writing: a loaded machine moves
        that line), so the injection can land one call off. Every run's invariants are
        checked; a run that only missed its call is tried again, up to AIM_TRIES times."""
        for attempt in range(1, AIM_TRIES + 1):
            outcome = self._run_case_once(call, mode)
            if not (len(outcome["problems"]) == 1 and outcome["problems"][0].startswith(MISSED)):
                break
        outcome["attempts"] = attempt
        return outcome

    def _run_case_once(self, call: Call, mode: str) -> dict:
        self.reset()
        trace = self.base / "case.txt"
        if mode == "kill":
            action = "signal=SIGKILL"
        else:
            action = "error=ENOSPC" if call.syscall in WRITE_CALLS else "error=EIO"
        proc = self.main("sync", strace=[*strace_options(kills=mode == "kill"), "-o", str(trace),
                                         "-e", f"trace={call.syscall}",
                                         "-e", f"inject={call.syscall}:{action}:when={call.nth}"])
        outcome = {**asdict(call), "mode": mode, "problems": []}
        problems = outcome["problems"]
        hit = [c for c in parse_trace(trace.read_text(errors="replace"), self.home, only_home=False)
               if c.syscall == call.syscall and c.nth == call.nth]
        if not hit or hit[0].where != call.where:
            problems.append(f"{MISSED} {hit[0].where if hit else 'no call'}, not {call.where}")
        stderr = proc.stderr.decode("utf-8", "replace")
        if mode == "kill" and proc.returncode not in (-9, 137):
            problems.append(f"the sync was not killed (exit {proc.returncode})")
        if mode == "error" and ("unexpected" in stderr or "Traceback" in stderr):
            problems.append(f"the failing call gave an unexpected error: {stderr.strip()[-300:]}")
        outcome["run_exit"] = proc.returncode
        outcome["copy_after"] = self._copies(problems)
        self.upstream("v3")
        code, out, err = run_cli(["--home", str(self.home), "sync", "--json"])
        outcome["next_exit"] = code
        if code != 0:
            problems.append(f"the next sync exited {code}: {out.strip()[-400:]} {err.strip()[-400:]}")
        outcome["lines"] = self._check_history(problems)
        self._check_leftovers(problems)
        return outcome

    def _copies(self, problems: list[str]) -> dict[str, str]:
        """Which content each collection copy holds after the crash: v1 (old) or v2 (new)."""
        from core.content import hash_tree

        found = {}
        for name, place in ARTIFACTS.items():
            path = self.home / "collection" / place
            if not os.path.lexists(path):
                found[name] = "missing"
                problems.append(f"{place} is missing after the crash")
                continue
            h = hash_tree(path).content_hash
            found[name] = next((v for v in ("v1", "v2") if self.hashes[v][name] == h), "mixed")
            if found[name] == "mixed":
                problems.append(f"{place} holds neither the old nor the new content")
        return found

    def _check_history(self, problems: list[str]) -> dict[str, list[str]]:
        con = sqlite3.connect(f"file:{self.home / 'lineage.sqlite3'}?mode=ro", uri=True)
        try:
            arts = dict(con.execute("SELECT name, id FROM artifacts"))
            lines = {}
            for name in ARTIFACTS:
                rows = con.execute(
                    "SELECT id, content_hash, parent_hash, parent_id, change_origin FROM artifact_versions "
                    "WHERE artifact_id = ? ORDER BY id", (arts[name],)).fetchall()
                lines[name] = self._check_line(name, rows, problems)
        finally:
            con.close()
        from core.content import hash_tree

        for name, place in ARTIFACTS.items():
            if hash_tree(self.home / "collection" / place).content_hash != self.hashes["v3"][name]:
                problems.append(f"{place} is not at v3 after the next sync")
        return lines

    def _check_line(self, name: str, rows: list[tuple], problems: list[str]) -> list[str]:
        by_id = {r[0]: r for r in rows}
        label = {self.hashes[v][name]: v for v in ("v1", "v2", "v3")}
        shown = [f"{label.get(r[1], r[1][:12])}:{r[4]}" for r in rows]
        for vid, content, parent_hash, parent_id, origin in rows:
            if origin != "sync":
                problems.append(f"{name}: version #{vid} ({label.get(content, content[:12])}) has origin {origin}")
            if parent_hash is not None and (parent_id not in by_id or by_id[parent_id][1] != parent_hash):
                problems.append(f"{name}: version #{vid}'s parent {parent_hash[:12]} is not a version of its line")
        head = rows[-1] if rows else None
        if head is None or head[1] != self.hashes["v3"][name]:
            problems.append(f"{name}: the head is not v3 ({shown})")
        chain, cur = [], head
        while cur is not None:
            chain.append(cur[0])
            cur = by_id.get(cur[3]) if cur[3] is not None else None
        if len(chain) != len(rows) or by_id[chain[-1]][2] is not None:
            problems.append(f"{name}: the line from the head back to the root is not whole ({shown})")
        return shown

    def _check_leftovers(self, problems: list[str]) -> None:
        coll = self.home / "collection"
        left = [p for p in coll.rglob("*") if ".staging-" in p.name or ".backup-" in p.name or p.name == ".lineage-recovery"]
        pending = list((self.home / "pending").glob("*")) if (self.home / "pending").exists() else []
        if left or pending:
            problems.append(f"left behind after the next sync: {[str(p.relative_to(self.home)) for p in left + pending]}")


def _single_file_hash(path: Path, entry: bytes) -> str:
    import dataclasses

    from core.content import content_hash_of, hash_tree

    tree = hash_tree(path)
    return content_hash_of((dataclasses.replace(tree.entries[0], path=entry),))


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """core.cli.main in this process (what `main.py` runs), its output captured."""
    from core.cli.main import main

    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))
    return code, texts[0], texts[1]


def parse_trace(text: str, home: Path, *, only_home: bool = True) -> list[Call]:
    """The calls of the traced process (the first pid), numbered per name; those on `home` by default."""
    home_s = str(home)
    counts: dict[str, int] = {}
    calls: list[Call] = []
    pid = None
    swapped = False
    for line in text.splitlines():
        m = TRACE_LINE.match(line)
        if m is None or "resumed>" in line:
            continue
        if pid is None:
            pid = m.group(1)
        if m.group(1) != pid:
            continue
        name = m.group(2)
        counts[name] = counts.get(name, 0) + 1
        if only_home and home_s not in line:
            continue
        where = describe(line, home_s)
        if not swapped and name in ("rename", "renameat", "renameat2") and ".staging-" in where and "/collection/" in where:
            swapped = True
        calls.append(Call(len(calls), name, counts[name], where, swapped))
    return calls


def describe(line: str, home: str) -> str:
    """`syscall "path", "path"` with the data folder as ~ and random names as *."""
    name = TRACE_LINE.match(line).group(2)
    paths = re.findall(r'(?:"([^"]*)"|<([^>]*)>)', line.split(" = ")[0])
    shown = []
    for quoted, fd_path in paths:
        if quoted and name in WRITE_CALLS:
            continue  # the bytes written, not a path
        p = quoted or fd_path
        if p.startswith(home) or (quoted and not p.startswith("/")):
            shown.append(p.replace(home, "~"))
    text = f"{name} {' '.join(shown)}"
    for pattern, repl in _TOKENS:
        text = pattern.sub(repl, text)
    return text


def _worker(base: str, cases_file: str) -> int:
    cases = json.loads(Path(cases_file).read_text())
    scenario = Scenario(Path(base))
    scenario.build()
    results = []
    for case in cases:
        call = Call(**case["call"])
        try:
            results.append(scenario.run_case(call, case["mode"]))
        except Exception as e:  # one broken case must still report the others
            results.append({**asdict(call), "mode": case["mode"], "problems": [f"harness error: {e!r}"]})
    sys.stdout.write(json.dumps(results))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "worker":
        sys.exit(_worker(sys.argv[2], sys.argv[3]))
    sys.exit("usage: python -m tests.crash.harness worker BASE CASES.json")

"""`main.py` in a fresh process, without paying for the interpreter's start and imports each time.

The end-to-end tests run `main.py` hundreds of times; two thirds of their CPU was the same start
(the interpreter, then SQLAlchemy and core: ~0.6 s a run). A server, one per test process,
imports what `main.py` imports once and forks for each run. The child is a new process as
`python main.py ARGS` would be: its own working folder, environment, argv and standard streams
(files, read back as `subprocess.run(capture_output=True)` reads its pipes), and `main.py` runs
in it as `__main__` (runpy) and exits through the interpreter's own shutdown (atexit, flushes).

The crash tests run it under strace the same way: the child is held (in sigwait) until strace
has attached to it with `-p`, so strace counts main.py's calls from its first and sees none
of the imports (a traced sync took 3.3 s of a tracer's stops, most of them in imports).

What a fork does not exercise, interpreter start-up and `main.py`'s imports, stays covered
by the tests that start it for real (tests/e2e/test_cli_imports.py, the pty test in
test_manage.py, the window's). LINEAGE_TEST_EXEC=1 makes every run a real one.

The protocol is one pickled request per run on the server's stdin, after its length (argv,
cwd, env, the two output files, whether to hold), and two lines back on its stdout: the
child's pid (once a held child waits), then its exit status.
"""
from __future__ import annotations

import atexit
import gc
import os
import pickle
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN = ROOT / "main.py"


def run_main(args: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120,
             strace: list[str] | None = None) -> subprocess.CompletedProcess:
    """`python main.py ARGS` with its output captured, as subprocess.run would return it.

    `strace` (strace's options, without the command) runs it under strace: a forked run is
    held until strace has attached (`-p`), so strace sees main.py's calls from its first one
    on and none of the imports (which made a traced run 3.3 s instead of 0.7 s)."""
    global _attach_refused
    if os.environ.get("LINEAGE_TEST_EXEC") == "1" or (strace is not None and _attach_refused):
        return _exec(args, cwd, env, timeout, strace)
    try:
        return _server().run(args, cwd, dict(os.environ) if env is None else env, timeout, strace)
    except AttachRefused as refused:
        # A host that lets strace start a process but not attach to one (no CAP_SYS_PTRACE,
        # a stricter Yama): the held child never ran, so run the command the slow way.
        print(f"tests.main_server: {refused}; tracing by exec from now on", file=sys.stderr)
        _attach_refused = True
        return _exec(args, cwd, env, timeout, strace)


class AttachRefused(RuntimeError):
    """strace could not attach to a held child (which was killed before it ran anything)."""


_attach_refused = False


def _exec(args: list[str], cwd: Path, env: dict[str, str] | None, timeout: float,
          strace: list[str] | None) -> subprocess.CompletedProcess:
    prefix = [shutil.which("strace") or "strace", *strace] if strace is not None else []
    return subprocess.run([*prefix, sys.executable, str(MAIN), *args], cwd=cwd, env=env, capture_output=True,
                          timeout=timeout)


class _Server:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.main_server"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lock = threading.Lock()
        self.files = Path(tempfile.mkdtemp(prefix="main-server-"))
        atexit.register(self.close)

    def run(self, args: list[str], cwd: Path, env: dict[str, str], timeout: float,
            strace: list[str] | None = None) -> subprocess.CompletedProcess:
        with self.lock:
            out, err = self.files / "out", self.files / "err"
            # As exec would give them to the child: bytes arguments decoded as the file system's.
            argv = [str(MAIN), *(os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args)]
            request = pickle.dumps({"argv": argv, "cwd": str(cwd), "env": env, "out": str(out), "err": str(err),
                                    "hold": strace is not None})
            self.proc.stdin.write(struct.pack("!I", len(request)) + request)
            self.proc.stdin.flush()
            pid = int(self.proc.stdout.readline())
            try:
                tracer = _attach(pid, strace) if strace is not None else None
            except AttachRefused:
                _kill(pid, threading.Event())
                self.proc.stdout.readline()  # its status: the next run must read its own
                raise
            killed = threading.Event()
            timer = threading.Timer(timeout, _kill, (pid, killed))
            timer.start()
            try:
                status = self.proc.stdout.readline()
            finally:
                timer.cancel()
                if tracer is not None:
                    tracer.wait(timeout=60)  # it ends with its tracee
            command = [sys.executable, str(MAIN), *args]
            if not status:
                raise RuntimeError(f"the main.py server ended during {command}")
            if killed.is_set():
                raise subprocess.TimeoutExpired(command, timeout, out.read_bytes(), err.read_bytes())
            return subprocess.CompletedProcess(command, int(status), out.read_bytes(), err.read_bytes())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        shutil.rmtree(self.files, ignore_errors=True)


def _attach(pid: int, strace: list[str]) -> subprocess.Popen:
    """strace attached to the held child `pid`, which is then let go (SIGUSR1, see _hold)."""
    options = [o for o in strace if o != "--seccomp-bpf"]  # it needs to start the process (strace warns)
    tracer = subprocess.Popen([shutil.which("strace") or "strace", *options, "-p", str(pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + 30
    while not any(line.startswith("TracerPid:") and line.split()[1] != "0" for line in status.read_text().splitlines()):
        if tracer.poll() is not None or time.monotonic() > deadline:
            tracer.kill()
            raise AttachRefused(f"strace could not attach to {pid}: {tracer.stderr.read().decode(errors='replace').strip()}")
        time.sleep(0.002)
    os.kill(pid, signal.SIGUSR1)
    return tracer


def _kill(pid: int, killed: threading.Event) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        killed.set()
    except ProcessLookupError:
        pass


_the_server: _Server | None = None


def _server() -> _Server:
    global _the_server
    if _the_server is None or _the_server.proc.poll() is not None:
        _the_server = _Server()
    return _the_server


# ------------------------------------------------------------------ the server's side
def _serve() -> dict | None:
    """Answer requests until stdin ends (None); in a forked child, return its request."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)  # nothing of the server's reaches the replies by accident
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})  # for a held child's sigwait
    while (size := requests.read(4)):
        request = pickle.loads(requests.read(struct.unpack("!I", size)[0]))
        sys.stdout.flush()
        sys.stderr.flush()
        ready_r, ready_w = os.pipe()  # a held child says when it waits: strace must see none of _become
        pid = os.fork()
        if pid == 0:
            requests.close()
            os.close(replies)
            os.close(ready_r)
            request["ready"] = ready_w
            return request
        os.close(ready_w)
        os.read(ready_r, 1)  # a byte from a held child; end of file from any other
        os.close(ready_r)
        os.write(replies, f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        os.write(replies, f"{code}\n".encode())
    return None


def _become(request: dict) -> None:
    """Turn the forked child into `python main.py ARGV` (streams, folder, environment, argv)."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path in ((1, request["out"]), (2, request["err"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    sys.argv = list(request["argv"])
    sys.path[0] = str(Path(sys.argv[0]).parent)
    # The server's own allocations differ from request to request: collect them, so every
    # run's collections (and the files they close) fall where a fresh process's would, and
    # two traced runs of one command make the same calls.
    gc.collect()
    if request["hold"]:
        _hold(request["ready"])
    else:
        os.close(request["ready"])


def _hold(ready: int) -> None:
    """Wait (in rt_sigtimedwait, which no crash test counts) until a tracer has attached and
    sends SIGUSR1; a tracer that is not our parent is allowed where Yama restricts ptrace."""
    import ctypes

    pr_set_ptracer, any_process = 0x59616D61, -1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_ptracer, ctypes.c_ulong(any_process & 0xFFFFFFFFFFFFFFFF), 0, 0, 0)
    except (OSError, AttributeError):
        pass
    os.write(ready, b"!")
    os.close(ready)
    signal.sigwait({signal.SIGUSR1})


if __name__ == "__main__":
    import importlib
    import runpy

    # What runs of main.py import (a new data folder also alembic's, a diff pygments): paid once here.
    for name in ("core.cli", "core.cli.main", "core.history", "core.projects", "core.sync", "core.store",
                 "sqlalchemy.dialects.sqlite", "alembic.command", "alembic.config", "alembic.runtime.migration",
                 "alembic.script", "mako.template", "pygments.lexers", "pygments.formatters", "zoneinfo", "pkgutil"):
        importlib.import_module(name)

    request = _serve()
    if request is None:
        sys.exit(0)
    _become(request)
    try:
        runpy.run_path(str(MAIN), run_name="__main__")
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
        if not isinstance(end.code, (int, type(None))):
            print(end.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    # What the interpreter's exit does that a run can see: atexit handlers, then flushed
    # streams. Its teardown of every module (~0.15 s here) is skipped.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

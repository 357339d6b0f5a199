"""A throwaway PostgreSQL server for the tests (a helper module, not a test).

`start()` runs `initdb` into a private temporary folder, starts the server with
`pg_ctl start -w` listening only on a unix socket in that folder (no TCP, no
network) and returns a `PgServer`; `PgServer.stop()` stops it and removes the
folder. Anything missing — the binaries, the `postgres` system user when we run
as root (initdb refuses root), psycopg — or a server that will not start raises
`PgUnavailable` with one sentence saying why, so the caller can skip.

Speed: `initdb --no-sync` and a server with `fsync=off` take about a second;
each test then gets its own database (`create_database`), a few tens of ms.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

SUPERUSER = "postgres"
_TIMEOUT = 60  # seconds any one pg command may take before we call the server broken


# Runs beside the tests: when the test process is gone without calling stop()
# (a crash, a kill), it stops the server and removes its folder, so nothing leaks.
_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, root, data = int(sys.argv[1]), sys.argv[2], sys.argv[3]
command = sys.argv[4:]
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    except PermissionError:
        pass
    time.sleep(0.5)
subprocess.run([*command, "stop", "-w", "-m", "immediate", "-D", data], capture_output=True)
shutil.rmtree(root, ignore_errors=True)
"""


class PgUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def _find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    candidates += sorted(glob.glob(f"/usr/pgsql-*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    """A port number for the socket's name (the server opens no TCP port).

    The socket folder is private, so any number would do; one nobody is using
    also keeps PostgreSQL's port-derived shared-memory key clear of other servers.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    except OSError:
        return 20000 + uuid.uuid4().int % 40000


class PgServer:
    def __init__(self, root: Path, port: int, pg_ctl: str, run_as: list[str]) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.socket_dir = root  # short path: unix socket names are limited to ~107 bytes
        self.log_file = root / "server.log"
        self.port = port
        self._pg_ctl = pg_ctl
        self._run_as = run_as
        self._running = False
        self._watchdog: subprocess.Popen[bytes] | None = None

    # --- URLs and databases ----------------------------------------------------

    def url(self, dbname: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{SUPERUSER}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname="postgres",
            autocommit=True, connect_timeout=_TIMEOUT,
        )

    def create_database(self, name: str | None = None) -> str:
        """A new empty database (from template0); returns its name."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # --- lifecycle -------------------------------------------------------------

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._run_as, *args], capture_output=True, text=True, timeout=_TIMEOUT,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"}, cwd=str(self.root),
        )

    def _start(self, initdb: str) -> None:
        proc = self._run(
            initdb, "-D", str(self.data_dir), f"--username={SUPERUSER}", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )
        if proc.returncode != 0:
            raise PgUnavailable(f"initdb failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' -p {self.port} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=50 -c shared_buffers=16MB"
        )
        proc = self._run(
            self._pg_ctl, "start", "-w", "-t", str(_TIMEOUT), "-D", str(self.data_dir),
            "-l", str(self.log_file), "-o", options,
        )
        if proc.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-800:] if self.log_file.exists() else ""
            raise PgUnavailable(f"pg_ctl start failed: {(proc.stderr or proc.stdout).strip()[-300:]} {log}".strip())
        self._running = True
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.root), str(self.data_dir),
             *self._run_as, self._pg_ctl],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # survives a Ctrl-C sent to the test's process group
        )

    def stop(self) -> None:
        """Stop the server (immediate: it holds nothing worth keeping) and remove its folder."""
        try:
            if self._running:
                self._run(self._pg_ctl, "stop", "-w", "-m", "immediate", "-D", str(self.data_dir))
                self._running = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            if self._watchdog is not None:
                self._watchdog.kill()  # our own child, by its handle
                self._watchdog.wait()
                self._watchdog = None


def start() -> PgServer:
    """Start a throwaway server, or raise PgUnavailable saying why not."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise PgUnavailable("psycopg is not installed (pip install -e '.[postgres]')") from exc
    initdb, pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise PgUnavailable("the PostgreSQL server binaries (initdb, pg_ctl) are not installed")

    run_as: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres system user
        try:
            owner = pwd.getpwnam(SUPERUSER)
        except KeyError as exc:
            raise PgUnavailable("running as root and there is no 'postgres' system user to run the server") from exc
        # runuser lives in /usr/sbin, which a minimal PATH (cron, CI) may lack.
        search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
        runuser, su = shutil.which("runuser", path=search), shutil.which("su", path=search)
        if runuser:
            run_as = [runuser, "-u", owner.pw_name, "--"]
        elif su:  # su -c runs one shell command: "$0" "$@" are the program and its arguments
            # "--" ends su's own options: without it su reads initdb's "-D" as its own.
            run_as = [su, owner.pw_name, "-s", "/bin/sh", "-c", 'exec "$0" "$@"', "--"]
        else:
            raise PgUnavailable("running as root and neither runuser nor su is available to run the server as postgres")

    # A short path in the system temp folder (the socket lives there too).
    base = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
    root = Path(tempfile.mkdtemp(prefix="al-pg-", dir=base))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    os.chmod(root, 0o700)
    server = PgServer(root, _free_port(), pg_ctl, run_as)
    try:
        server._start(initdb)
    except PgUnavailable:
        server.stop()
        raise
    except (OSError, subprocess.SubprocessError) as exc:
        server.stop()
        raise PgUnavailable(f"the server could not be started ({exc})") from exc
    return server

"""The terminal: asking yes/no, a progress line, colour and the pager, as git does them.

Colour and paging happen only when stdout is a terminal (never in a pipe or a
file): the pager is `$PAGER`, else `less` with `LESS=FRX` (quit when the text fits
one screen, pass colours through, keep the screen afterwards). PAGER set to ''
or 'cat' means no pager.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Callable

from core.errors import ConfirmationError

__all__ = ["ask", "counter", "use_colour", "page", "RED", "GREEN", "CYAN", "BOLD", "RESET"]

RED, GREEN, CYAN, BOLD, RESET = "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[1m", "\x1b[m"


def ask(question: str, assume_yes: bool, action: str = "This") -> bool:
    """True when confirmed: `--yes`, or 'y' typed at a terminal. Without a terminal and
    without --yes: ConfirmationError naming `action` (a script must say what it means)."""
    if assume_yes:
        return True
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise ConfirmationError(f"{action} needs a confirmation and there is no terminal to ask on; "
                                "pass --yes to confirm.")
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline()
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in ("y", "yes")


def counter(describe: Callable[[int, int], str], *, every: int = 1,
            least: int = 0) -> Callable[[int, int], None] | None:
    """A progress(done, total) callback that keeps one line on a terminal's stderr up to date
    (`describe` words it; every `every`th step and the last; nothing when total < `least`),
    or None when stderr is not a terminal: pipes and logs get no carriage returns."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total >= least and (done == total or done % every == 0):
            sys.stderr.write("\r\x1b[K" + describe(done, total) + ("\n" if done == total else ""))
            sys.stderr.flush()

    return show


def use_colour(mode: str) -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _pager_command() -> str | None:
    pager = os.environ.get("PAGER")
    if pager is None:
        return "less" if shutil.which("less") else None
    pager = pager.strip()
    return None if pager in ("", "cat") else pager


def page(data: bytes, enabled: bool = True) -> None:
    """Write `data` to stdout, through the pager when stdout is a terminal."""
    command = _pager_command() if enabled and sys.stdout.isatty() else None
    if command is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    try:
        # Through the shell, as git does: PAGER may hold options ("less -S").
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        assert proc.stdin is not None
        proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager before the end: that is fine
    while True:
        try:
            proc.wait()
            break
        except KeyboardInterrupt:
            continue  # Ctrl+C belongs to the pager while it runs

"""Install the desktop launcher (`python main.py --install-desktop-entry`).

The template in resources/ names a generic `artifact-lineage` command; a source
checkout has no such command on PATH, so the installed copy points Exec at this
interpreter and this checkout's main.py, and Icon at the shipped PNG, all as
absolute paths (desktop environments do not expand relative paths or `~`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

from core.errors import LineageError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "resources" / "artifact-lineage.desktop"
ICON = ROOT / "resources" / "icons" / "artifact-lineage.png"
MAIN = ROOT / "main.py"
ENTRY_NAME = "artifact-lineage.desktop"

# Characters that force quoting of an Exec argument (Desktop Entry spec, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class DesktopEntryError(LineageError):
    """The launcher could not be written."""


def quote_exec_arg(arg: str) -> str:
    """Quote one Exec argument as the Desktop Entry spec asks."""
    if arg and not (set(arg) & _RESERVED) and "%" not in arg and "=" not in arg:
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    # A literal '%' is written '%%' in Exec, inside or outside quotes.
    escaped = escaped.replace("%", "%%")
    # The whole value is also a desktop-entry "string": backslashes are escaped once more.
    return '"' + escaped.replace("\\", "\\\\") + '"'


def applications_dir() -> Path:
    """$XDG_DATA_HOME/applications, or ~/.local/share/applications."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "applications"


def render_entry(python: str | None = None, main: Path | None = None, icon: Path | None = None) -> str:
    """The template with Exec, TryExec and Icon set to absolute paths."""
    python = os.path.abspath(python or sys.executable)
    main = Path(main or MAIN).resolve()
    icon = Path(icon or ICON).resolve()
    values = {
        "Exec": f"{quote_exec_arg(python)} {quote_exec_arg(str(main))}",
        "TryExec": python,
        "Icon": str(icon),
    }
    lines = []
    for line in TEMPLATE.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(f"{key}={values[key]}" if "=" in line and key in values else line)
    return "\n".join(lines) + "\n"


def install_desktop_entry(
    target_dir: Path | None = None, *, report: Callable[[str], None] | None = None
) -> Path:
    """Write the launcher for the current user and return its path.

    Runs `desktop-file-validate` on it when that tool is installed and passes its
    output to `report` (default: stderr); a failed validation raises DesktopEntryError.
    """
    report = report or (lambda text: print(text, file=sys.stderr))
    folder = Path(target_dir) if target_dir else applications_dir()
    path = folder / ENTRY_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".desktop.tmp")
        tmp.write_text(render_entry(), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise DesktopEntryError(
            f"Could not write the launcher {path} ({exc.strerror}); check that the folder is writable."
        ) from exc
    validator = shutil.which("desktop-file-validate")
    if validator:
        done = subprocess.run([validator, str(path)], capture_output=True, text=True)
        output = (done.stdout + done.stderr).strip()
        if done.returncode != 0:
            raise DesktopEntryError(
                f"desktop-file-validate rejected {path}: {output or 'no details'}; please report this."
            )
        report(f"desktop-file-validate: {output or 'OK'}")
    else:
        report("desktop-file-validate not found; the launcher was written without validation.")
    # Refresh the menu cache where the tool exists; harmless when it does not.
    updater = shutil.which("update-desktop-database")
    if updater:
        subprocess.run([updater, str(folder)], capture_output=True)
    return path

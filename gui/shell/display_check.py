"""Can the window open here? Checked before Qt starts, because Qt cannot say it well.

Without a display, or without a system library its X11 plugin needs, Qt aborts
the process with "Could not load the Qt platform plugin xcb … Reinstalling the
application may fix this problem" — which names the wrong library (it always
blames xcb-cursor) and the wrong fix. This module finds the real cause and says
it in one sentence with what to install. It imports no Qt: it must run before
the QApplication that would abort.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

CLI_HINT = "the command line still works (python main.py --help)"
_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)


def problem(
    env: Mapping[str, str] | None = None,
    *,
    platform: str | None = None,
    missing_libraries: Callable[[], list[str]] | None = None,
) -> str | None:
    """Why the window cannot open, as one sentence for people; None when it can (or Qt will say)."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen and not chosen.startswith("xcb"):
        return None  # offscreen, wayland, vnc…: the person picked it, Qt reports on it
    if not chosen and env.get("WAYLAND_DISPLAY"):
        return None  # Qt prefers its Wayland plugin there
    if not env.get("DISPLAY"):
        return (
            "There is no display to open the Artifact Lineage window on (DISPLAY and WAYLAND_DISPLAY "
            f"are not set); start it from a desktop session, or over ssh with -X; {CLI_HINT}."
        )
    missing = (missing_libraries or xcb_missing_libraries)()
    if missing:
        packages = " ".join(debian_package(lib) for lib in missing)
        return (
            f"The Artifact Lineage window needs system libraries that are not installed: {', '.join(missing)}; "
            f"install them (Debian/Ubuntu: sudo apt install {packages}) and start it again; {CLI_HINT}."
        )
    return None


def xcb_missing_libraries() -> list[str]:
    """Shared libraries Qt's X11 plugin needs and the system lacks (empty if unknown)."""
    try:
        import PySide6  # noqa: PLC0415 - the package only, not a Qt module: nothing starts
    except ImportError:
        return []
    qt = Path(PySide6.__file__).resolve().parent / "Qt"
    candidates = [qt / "plugins" / "platforms" / "libqxcb.so", *sorted((qt / "lib").glob("libQt6XcbQpa.so*"))[:1]]
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    missing: list[str] = []
    for path in candidates:
        if not path.exists():
            continue
        try:
            out = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        for lib in _NOT_FOUND.findall(out):
            if lib not in missing:
                missing.append(lib)
    return missing


def debian_package(soname: str) -> str:
    """Debian's usual package for a library soname: libxcb-icccm.so.4 -> libxcb-icccm4,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0 (a hyphen when the name ends in a digit)."""
    match = re.fullmatch(r"(.+?)\.so\.(\d+).*", soname)
    if not match:
        return soname
    base, major = match.groups()
    return f"{base}-{major}" if base[-1].isdigit() else f"{base}{major}"

"""The window's pre-flight check: a missing display or X11 library is one clear sentence, not a Qt abort."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gui.shell.display_check import debian_package, problem, xcb_missing_libraries

ROOT = Path(__file__).resolve().parents[2]


def test_no_display_says_so_and_points_at_the_cli():
    message = problem({}, platform="linux", missing_libraries=lambda: [])
    assert "no display" in message and "DISPLAY" in message and "main.py --help" in message


def test_missing_x11_libraries_are_named_with_the_packages_to_install():
    message = problem(
        {"DISPLAY": ":0"}, platform="linux",
        missing_libraries=lambda: ["libxcb-icccm.so.4", "libxkbcommon-x11.so.0"],
    )
    assert "libxcb-icccm.so.4, libxkbcommon-x11.so.0" in message
    assert "sudo apt install libxcb-icccm4 libxkbcommon-x11-0" in message


def test_nothing_to_say_when_the_window_can_open():
    assert problem({"DISPLAY": ":0"}, platform="linux", missing_libraries=lambda: []) is None


def test_other_platforms_and_chosen_plugins_are_left_to_qt():
    never = lambda: ["libx.so.1"]  # noqa: E731 - would be reported if consulted
    assert problem({}, platform="darwin", missing_libraries=never) is None
    assert problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux", missing_libraries=never) is None
    assert problem({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux", missing_libraries=never) is None
    # xcb chosen by name is checked like the default
    assert "libx.so.1" in problem({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, platform="linux",
                                  missing_libraries=never)


def test_debian_package_names():
    assert debian_package("libxcb-keysyms.so.1") == "libxcb-keysyms1"
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("weird") == "weird"


def test_xcb_library_probe_returns_sonames():
    # On any machine: a list of 'lib….so.N' names (empty when everything is there).
    assert all(".so" in lib for lib in xcb_missing_libraries())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11 check is Linux only")
def test_main_without_a_display_exits_1_with_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ARTIFACT_LINEAGE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0]

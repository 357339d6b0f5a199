"""Every QWidget is made on the GUI thread: a check wrapped around the widget classes' constructors.

Qt's own check (`Widgets must be created in the GUI thread`) is an assert of debug builds only;
a release build goes on and crashes later, sometimes. `install()` wraps `__init__` of every
QWidget class of QtWidgets (a Python subclass's `super().__init__` reaches one of them) and the
static dialogs (QMessageBox.question…, QFileDialog.get…, QInputDialog.get…): called off the GUI
thread they record the offence and raise, so the widget is never made. tests/gui/conftest.py
fails the test that caused one.
"""
from __future__ import annotations

import functools
import inspect
import threading
import traceback

from PySide6 import QtWidgets

STATIC_DIALOGS = {
    QtWidgets.QMessageBox: ("question", "information", "warning", "critical", "about", "aboutQt"),
    QtWidgets.QFileDialog: ("getExistingDirectory", "getExistingDirectoryUrl", "getOpenFileName",
                            "getOpenFileNames", "getSaveFileName", "getOpenFileUrl", "getSaveFileUrl"),
    QtWidgets.QInputDialog: ("getText", "getMultiLineText", "getInt", "getDouble", "getItem"),
    QtWidgets.QColorDialog: ("getColor",),
    QtWidgets.QFontDialog: ("getFont",),
}

offences: list[str] = []  # one line per widget made off the GUI thread, with where
_gui_thread: list[int] = []


class OffGuiThreadWidget(RuntimeError):
    """A QWidget made on a thread other than the GUI thread."""


def _check(what: str) -> None:
    if _gui_thread and threading.get_ident() != _gui_thread[0]:
        where = "".join(traceback.format_stack(limit=8)[:-2])
        offences.append(f"{what} on thread {threading.current_thread().name}:\n{where}")
        raise OffGuiThreadWidget(f"{what} was made off the GUI thread")


def _wrap_init(cls: type) -> None:
    original = cls.__dict__["__init__"]

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):  # noqa: N807
        _check(f"{cls.__name__}()")
        original(self, *args, **kwargs)

    cls.__init__ = __init__


def _wrap_static(cls: type, name: str) -> None:
    original = getattr(cls, name, None)
    if original is None:
        return

    @functools.wraps(original)
    def static(*args, **kwargs):
        _check(f"{cls.__name__}.{name}()")
        return original(*args, **kwargs)

    setattr(cls, name, staticmethod(static))


def install() -> None:
    """Wrap once per process; the calling thread is the GUI thread."""
    if _gui_thread:
        return
    _gui_thread.append(threading.get_ident())
    for _name, cls in inspect.getmembers(QtWidgets, inspect.isclass):
        if issubclass(cls, QtWidgets.QWidget) and "__init__" in cls.__dict__:
            _wrap_init(cls)
    for cls, names in STATIC_DIALOGS.items():
        for name in names:
            _wrap_static(cls, name)


def take_offences() -> list[str]:
    found = list(offences)
    offences.clear()
    return found

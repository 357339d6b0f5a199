"""The window's menu bar: File, Artifact, View, (Projects), Help. The actions are the toolbar's and
the artifact actions' (one QAction each, so menus, toolbar and shortcuts agree); only Quit,
Wrap long diff lines and Keyboard shortcuts are made here. The project verbs (Deploy to ▸,
Push from ▸, Restore ▸, Merge…, the Projects menu, Help's docs and About) are added by
gui.shell.verb_menus once the window's projects exist."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar

from gui import hotkeys
from gui.artifacts.actions import ArtifactActions
from gui.shell.main_toolbar import MainToolBar


@dataclass
class MenuActions:
    quit_action: QAction
    wrap_action: QAction
    shortcuts_action: QAction
    artifact_menu: QMenu
    help_menu: QMenu


def build_menu_bar(window: QMainWindow, toolbar: MainToolBar, artifact: ArtifactActions) -> MenuActions:
    bar: QMenuBar = window.menuBar()
    quit_action = QAction("&Quit", window)
    hotkeys.QUIT.apply(quit_action)
    quit_action.triggered.connect(window.close)
    wrap_action = QAction("&Wrap long diff lines", window)
    wrap_action.setCheckable(True)
    hotkeys.WRAP_DIFF.apply(wrap_action)
    shortcuts_action = QAction("&Keyboard shortcuts", window)
    hotkeys.SHORTCUTS.apply(shortcuts_action)

    file_menu = bar.addMenu("&File")
    file_menu.addAction(toolbar.add_action)
    file_menu.addAction(toolbar.export_action)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)
    artifact_menu = bar.addMenu("&Artifact")
    artifact_menu.addAction(toolbar.sync_action)
    artifact_menu.addAction(artifact.sync_one_action)
    artifact_menu.addSeparator()  # Deploy to ▸, Push from ▸, Restore ▸, Merge… go here (verb_menus)
    artifact_menu.addAction(artifact.edit_action)
    artifact_menu.addAction(artifact.remove_action)
    view_menu = bar.addMenu("&View")
    view_menu.addAction(toolbar.fit_action)
    view_menu.addAction(toolbar.find_action)
    view_menu.addSeparator()
    view_menu.addAction(wrap_action)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(shortcuts_action)
    return MenuActions(quit_action, wrap_action, shortcuts_action, artifact_menu, help_menu)

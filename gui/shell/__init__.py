"""The window itself: the entry point (app; display_check runs before Qt starts), the main window that
wires every part together, toolbar, menu bar, welcome page, banner, status bar, settings, the shortcuts
dialog and the version browser that keeps the graph and the compare panel on one version.

This __init__ imports nothing: `gui.shell.app` must be importable before Qt is (display_check).
"""

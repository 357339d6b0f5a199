"""Artifact Lineage core: everything that is not Qt.

Nothing in this package may import PySide6; `tests/core/test_no_qt.py` checks it.
"""

"""Sync now and what it can lead to: the sync flow (controller), status on a worker (status_runner),
the diverged dialog (keep local / take upstream / merge) and the merge view that resolves a merge.
"""

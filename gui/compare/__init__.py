"""Comparing two versions: the compare panel (details, both hashes, the file table, the diff of one
file), the changed-files model, the text diff view and its pane, the version choices list.
"""

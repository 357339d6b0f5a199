"""Artifact Lineage desktop window (Qt). Holds no business rules: it asks core and shows."""

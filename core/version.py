"""The program's version, as installed (importlib.metadata), for `--version` and the window's About."""
from __future__ import annotations

FALLBACK = "0.1.0"  # pyproject's version, for a checkout that was never installed


def app_version() -> str:
    try:
        from importlib.metadata import version

        return version("artifact-lineage")
    except Exception:
        return FALLBACK

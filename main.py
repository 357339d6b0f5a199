#!/usr/bin/env python3
"""Artifact Lineage: no arguments opens the window; sub-commands run headless (see --help)."""
from __future__ import annotations

import sys


def _open_window(args) -> int:
    """No sub-command: the desktop window (gui/ is imported only here, so the CLI needs no Qt)."""
    try:
        from gui.shell.app import run
    except ImportError as exc:
        print(
            f"The window cannot start ({exc}); install the dependencies with `make install`, "
            "or use a sub-command (see --help).",
            file=sys.stderr,
        )
        return 1
    return run(sys.argv[:1], home=getattr(args, "home", None), db_url=getattr(args, "db", None))


def main(argv: list[str] | None = None) -> int:
    from core.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv, open_window=_open_window)


if __name__ == "__main__":
    sys.exit(main())

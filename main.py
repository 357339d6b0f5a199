#!/usr/bin/env python3
"""Artifact Lineage: no arguments opens the window; sub-commands run headless (see --help)."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from core.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())

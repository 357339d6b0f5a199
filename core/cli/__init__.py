"""The command line: `main.py SUBCOMMAND`, the same engine as the window, for scripts and cron.

Owns parsing (main: imports nothing heavy, so --help is instant), the sub-commands
(commands) and their text and JSON output (output). Sits on top of everything else.
"""
from core.cli.main import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, build_parser, main

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "UsageError"]

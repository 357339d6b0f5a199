"""This machine's id: a random name kept in the data folder, written once.

Projects (and their deployments) belong to the machine that registered them: a team
sharing one database sees every member's projects as lines in the history, but only
the machine whose id is on a project row writes to that project (core.projects).
The id lives in the data folder, not in the hostname, so two data folders on one
computer are two members, and a renamed computer stays the same member.
"""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from core.fsio import discard_temp, fill_temp_beside, fsync_dir

__all__ = ["machine_id"]

_ID = re.compile(r"[0-9a-f]{32}\Z")


def machine_id(path: Path, *, create: bool = True) -> str:
    """The id stored at `path`, created (atomically, never over another process's) when absent.

    A data folder that cannot be written, or an unreadable file, gives an id derived from
    the folder's path: stable for this run, owning nothing registered elsewhere."""
    try:
        found = path.read_text(encoding="ascii").strip()
        if _ID.match(found):
            return found
    except (OSError, UnicodeDecodeError):
        pass
    fallback = uuid.uuid5(uuid.NAMESPACE_URL, str(path.resolve())).hex
    if not create:
        return fallback
    new = uuid.uuid4().hex
    try:
        tmp = fill_temp_beside(path, lambda out: out.write(new.encode("ascii") + b"\n"))
        try:
            os.link(tmp, path)  # never over an id another process wrote first
        except FileExistsError:
            pass
        finally:
            discard_temp(tmp)
        fsync_dir(str(path.parent))
        found = path.read_text(encoding="ascii").strip()
        return found if _ID.match(found) else fallback
    except OSError:
        return fallback

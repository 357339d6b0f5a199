"""One lock per artifact, held by every verb that changes it for its whole read-decide-swap-record.

Sync, deploy, push, restore, merge (start and finish) and remove each read an artifact's
copies and heads, decide, swap a copy and record a version. Two of them at once on the
same artifact (a sync taking the upstream while a push takes the project's content) would
each decide from what the other is replacing: the collection line forks, or one's content
is overwritten unrecorded. So each holds `artifact_lock(home, artifact_id)` around all of
it: an flock on `<data folder>/locks/<id>.lock` (other processes) and a re-entrant lock
(other threads of this process; the same thread may take it again, as `sync --deploy`
does when it deploys). A process killed while holding it releases it with its descriptors.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from core.fsio import O_CLOEXEC, O_NOFOLLOW

if TYPE_CHECKING:
    from core.workspace.paths import DataHome

__all__ = ["artifact_lock"]

_guard = threading.Lock()
_held: dict[tuple[str, int], list] = {}  # (lock file, ) -> [RLock, depth, fd]


@contextmanager
def artifact_lock(home: "DataHome", artifact_id: int) -> Iterator[None]:
    """Hold artifact `artifact_id`'s lock (waiting for another process or thread to finish with it)."""
    folder = home.root / "locks"
    path = os.fspath(folder / f"{int(artifact_id)}.lock")
    with _guard:
        entry = _held.setdefault((path, artifact_id), [threading.RLock(), 0, -1])
    rlock = entry[0]
    with rlock:
        if entry[1] == 0:
            entry[2] = _take(folder, path)
        entry[1] += 1
        try:
            yield
        finally:
            entry[1] -= 1
            if entry[1] == 0 and entry[2] >= 0:
                os.close(entry[2])  # closing releases the flock
                entry[2] = -1


def _take(folder, path: str) -> int:
    try:
        import fcntl
    except ImportError:  # Windows: the thread lock only
        return -1
    os.makedirs(folder, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd

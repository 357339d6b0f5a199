"""Deploy, push, restore and "Update outdated projects" from the window, each on a worker.

Every action asks before it replaces a copy (QMessageBox.question), runs the core
function on a worker thread (gui/workers.py) while the panel shows it busy, and reports
core's own sentence when it fails. When core refuses because a copy holds edits (deploy)
or both sides moved (push), the window asks whether to go ahead with core's forcing
strategy (edits recorded first; nothing is lost) and runs it again; the rule itself is
core's (docs/projects.md).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import RefusedError
from core.textsafe import printable
from gui.projects.model import ProjectsSnapshot, load_snapshot
from gui.workers import Worker, WorkerPool

if TYPE_CHECKING:
    from core.history import ArtifactInfo, ProjectInfo, VersionInfo
    from core.workspace import Workspace


@dataclass(frozen=True)
class Refusal:
    """Core refused (RefusedError); the window may offer the forcing strategy."""

    message: str


class ProjectWorker(Worker[Any]):
    """One core.projects call; a RefusedError comes back as a Refusal, anything else fails."""

    def __init__(self, job: Callable[[], Any]) -> None:
        def guarded() -> Any:
            try:
                return job()
            except RefusedError as exc:
                return Refusal(str(exc))

        super().__init__(guarded)


class SnapshotWorker(Worker[ProjectsSnapshot]):
    """Projects and every deployment's state (hashes the project copies) → ProjectsSnapshot."""

    def __init__(self, ws: "Workspace") -> None:
        super().__init__(lambda: load_snapshot(ws))


class ProjectActions(QObject):
    """The window's project operations; `changed` after anything was recorded."""

    busyChanged = Signal(bool)
    message = Signal(str)  # progress and outcomes, for the status bar / panel
    failed = Signal(str)  # core's sentence
    changed = Signal()  # history or a copy changed: reload graph, states and panel
    snapshotLoaded = Signal(object)  # ProjectsSnapshot

    def __init__(self, ws: "Workspace", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._parent = parent
        self.pool = WorkerPool(self)
        self._busy = False

    # --- reading -------------------------------------------------------------
    def load(self) -> None:
        worker = SnapshotWorker(self.ws)
        worker.finished.connect(self.snapshotLoaded.emit)
        worker.failed.connect(self.failed.emit)
        self.pool.start(worker)

    def projects(self) -> list["ProjectInfo"]:
        from core.projects import list_projects

        return list_projects(self.ws)

    def is_busy(self) -> bool:
        return self._busy

    # --- actions -------------------------------------------------------------
    def deploy(self, artifact: "ArtifactInfo", project: "ProjectInfo", version: "VersionInfo | None" = None) -> bool:
        from core.projects import DeployStrategy, deploy

        what = f"v{self._number(artifact, version)} of " if version is not None else ""
        name, where = printable(artifact.name), printable(project.name)
        if not self._ask("Deploy", f"Deploy {what}{name} into {where}?\n\nThe project's copy is replaced; "
                                   "what it held stays in history."):
            return False
        self._run(
            f"Deploying {name} into {where}…",
            lambda strategy=DeployStrategy.REFUSE: deploy(self.ws, artifact, project, version, strategy),
            force=DeployStrategy.OVERWRITE, force_question="Overwrite the project's edits? They are recorded "
            "in history first.",
            done=lambda r: f"Deployed {name} into {where}." if r.recorded else f"{where} already held it.",
        )
        return True

    def deploy_many(self, artifacts: list["ArtifactInfo"], project: "ProjectInfo") -> bool:
        """Deploy each artifact's collection head; one refusal is reported and the rest go on."""
        from core.projects import deploy_each

        where = printable(project.name)
        if not self._ask("Deploy", f"Deploy {len(artifacts)} artifacts into {where}?\n\nA copy holding edits is "
                                   "left alone and named; what the others held stays in history."):
            return False
        self._run(f"Deploying {len(artifacts)} artifacts into {where}…",
                  lambda: deploy_each(self.ws, artifacts, project),
                  done=lambda outcomes: printable(outcomes.summary()))
        return True

    def undeploy(self, artifacts: list["ArtifactInfo"], project: "ProjectInfo", *, delete: bool = False) -> bool:
        """Stop following the artifacts' copies in `project` (their history stays); `delete` removes the copies."""
        from core.projects import undeploy_each

        where = printable(project.name)
        what = printable(artifacts[0].name) if len(artifacts) == 1 else f"{len(artifacts)} artifacts"
        text = (f"Undeploy {what} from {where} and delete the project's copy?\n\nEdits not recorded yet are "
                "recorded first; the history stays." if delete else
                f"Undeploy {what} from {where}?\n\nThe copy stays in the project and the history stays; "
                "it is no longer followed.")
        if not self._ask("Undeploy", text):
            return False
        self._run(f"Undeploying {what} from {where}…", lambda: undeploy_each(self.ws, artifacts, project, delete=delete),
                  done=lambda outcomes: printable(outcomes.summary()))
        return True

    def push(self, artifact: "ArtifactInfo", project: "ProjectInfo") -> bool:
        from core.projects import PushStrategy, push

        name, where = printable(artifact.name), printable(project.name)
        if not self._ask("Push to collection", f"Push {where}'s copy of {name} into the collection?\n\n"
                                               "The collection copy is replaced; what it held stays in history."):
            return False
        self._run(
            f"Pushing {where}'s {name} into the collection…",
            lambda strategy=PushStrategy.REFUSE: push(self.ws, artifact, project, strategy),
            force=PushStrategy.TAKE_PROJECT, force_question="Keep the project's content? The collection's "
            "stays in history.",
            done=lambda r: printable(r.message),
        )
        return True

    def restore(self, artifact: "ArtifactInfo", version: "VersionInfo", project: "ProjectInfo | None") -> bool:
        from core.projects import restore

        name = printable(artifact.name)
        where = "the collection" if project is None else printable(project.name)
        number = self._number(artifact, version)
        if not self._ask("Restore", f"Restore v{number} of {name} into {where}?\n\nThe copy is replaced and a "
                                    "rollback version is recorded; nothing is lost."):
            return False
        self._run(
            f"Restoring v{number} of {name} into {where}…",
            lambda: restore(self.ws, artifact, version, project),
            done=lambda r: f"Restored v{number} of {name} into {where}." if r.recorded
            else f"{where} already held v{number}.",
        )
        return True

    def add_project(self, name: str, folder: str) -> None:
        from core.projects import add_project

        self._run(f"Adding project {printable(name)}…", lambda: add_project(self.ws, name, folder),
                  done=lambda p: f"Added project {printable(p.name)} ({printable(p.path)}).")

    def update_outdated(self, count: int) -> bool:
        from core.projects import check_deployments

        if not self._ask("Update outdated projects", f"Deploy the collection's copy into {count} outdated "
                                                     "deployment(s)?\n\nModified copies are never touched."):
            return False

        def done(checks: list[Any]) -> str:
            updated = sum(1 for c in checks if c.action == "updated")
            failed = [f"{printable(c.status.artifact)} in {printable(c.status.project)}: {printable(c.error)}"
                      for c in checks if c.action == "failed"]
            return f"Updated {updated} deployment(s)." + (f" Failed: {'; '.join(failed)}." if failed else "")

        self._run("Updating outdated projects…", lambda: check_deployments(self.ws, update_outdated=True), done=done)
        return True

    # --- plumbing ------------------------------------------------------------
    def _number(self, artifact: "ArtifactInfo", version: "VersionInfo | None") -> int | None:
        from core.history import ordinal_by_id

        if version is None:
            return None
        return ordinal_by_id(self.ws.history.versions(artifact.id)).get(version.id)

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self._parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _run(self, label: str, job: Callable[..., Any], *, done: Callable[[Any], str],
             force: Any = None, force_question: str = "") -> None:
        if self._busy:
            self.failed.emit("Another project action is still running; try again when it has finished.")
            return
        self._set_busy(True)
        self.message.emit(label)
        worker = ProjectWorker(job)

        def finished(result: Any) -> None:
            self._set_busy(False)
            if isinstance(result, Refusal):
                if force is not None and self._ask("Refused", f"{printable(result.message)}\n\n{force_question}"):
                    self._run(label, lambda: job(force), done=done)
                else:
                    self.failed.emit(printable(result.message))
                return
            self.message.emit(done(result))
            self.changed.emit()

        def failed(text: str) -> None:
            self._set_busy(False)
            self.failed.emit(printable(text))

        worker.finished.connect(finished)
        worker.failed.connect(failed)
        self.pool.start(worker)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busyChanged.emit(busy)

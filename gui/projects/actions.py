"""Deploy, push, restore and "Update outdated projects" from the window, each on a worker.

Every action asks before it replaces a copy (QMessageBox.question), runs the core
function on a worker thread (gui/workers.py; its reply comes back on the GUI thread)
while the panel shows it busy, and reports core's own sentence when it fails. When core
refuses because a copy holds edits (deploy) or both sides moved (push), the window says
what core found (`RefusedError.situation`, no command line in it) and offers its ways on
as buttons: Merge… (core's three-way merge of the deployment; one that stops on
conflicts opens the merge view), the forcing strategy (edits recorded first; nothing is
lost), or Cancel. The rules are core's (docs/projects.md).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from core.errors import RefusedError
from core.textsafe import printable
from gui.projects.model import ProjectsSnapshot, load_snapshot
from gui.workers import Worker, WorkerPool

if TYPE_CHECKING:
    from core.history import ArtifactInfo, ProjectInfo, VersionInfo
    from core.workspace import Workspace


@dataclass(frozen=True)
class Refusal:
    """Core refused (RefusedError); `message` is what core found, in the window's words."""

    message: str


@dataclass(frozen=True)
class RefusalChoices:
    """What a refused deploy or push offers: its merge direction, the forcing button and what it does."""

    direction: Any  # core.projects.MergeDirection
    force_label: str
    merge_says: str  # what Merge… does, in words (shown when the merge is offered)
    force_says: str  # what the forcing button does


MERGE_BUTTON = "Merge…"
CANCEL_BUTTON = "Cancel"


class ProjectWorker(Worker[Any]):
    """One core.projects call; a RefusedError comes back as a Refusal, anything else fails."""

    def __init__(self, job: Callable[[], Any]) -> None:
        def guarded() -> Any:
            try:
                return job()
            except RefusedError as exc:
                return Refusal(exc.situation)

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
    mergeWaiting = Signal(int, str)  # artifact id, project: a deployment merge stopped on conflicts

    def __init__(self, ws: "Workspace", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._parent = parent
        self.pool = WorkerPool(self)
        self._busy = False
        self.refusal_box: QMessageBox | None = None  # the open "refused" question, if any

    # --- reading -------------------------------------------------------------
    def load(self) -> None:
        worker = SnapshotWorker(self.ws)
        self.pool.start(worker, finished=self.snapshotLoaded.emit, failed=self.failed.emit)

    def projects(self) -> list["ProjectInfo"]:
        from core.projects import list_projects

        return list_projects(self.ws)

    def is_busy(self) -> bool:
        return self._busy

    # --- actions -------------------------------------------------------------
    def deploy(self, artifact: "ArtifactInfo", project: "ProjectInfo", version: "VersionInfo | None" = None) -> bool:
        from core.projects import DeployStrategy, MergeDirection, deploy

        what = f"v{self._number(artifact, version)} of " if version is not None else ""
        source = what or "the collection's copy of "
        name, where = printable(artifact.name), printable(project.name)
        if not self._ask("Deploy", f"Deploy {what}{name} into {where}?\n\nThe project's copy is replaced; "
                                   "what it held stays in history."):
            return False
        self._run(
            f"Deploying {name} into {where}…",
            lambda strategy=DeployStrategy.REFUSE: deploy(self.ws, artifact, project, version, strategy),
            force=DeployStrategy.OVERWRITE,
            choices=RefusalChoices(MergeDirection.DEPLOY, "Overwrite project copy",
                                   f"Merge… merges the collection's changes into {where}'s copy, file by file.",
                                   f"Overwrite project copy records {where}'s edits in history, then puts "
                                   f"{source}{name} in place."),
            merge=(artifact, project) if version is None else None,
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
        from core.projects import MergeDirection, PushStrategy, push

        name, where = printable(artifact.name), printable(project.name)
        if not self._ask("Push to collection", f"Push {where}'s copy of {name} into the collection?\n\n"
                                               "The collection copy is replaced; what it held stays in history."):
            return False
        self._run(
            f"Pushing {where}'s {name} into the collection…",
            lambda strategy=PushStrategy.REFUSE: push(self.ws, artifact, project, strategy),
            force=PushStrategy.TAKE_PROJECT,
            choices=RefusalChoices(MergeDirection.PUSH, "Take project copy",
                                   f"Merge… merges {where}'s edits into the collection copy, file by file.",
                                   f"Take project copy puts {where}'s copy into the collection (what the "
                                   "collection held stays in history)."),
            merge=(artifact, project),
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

    def remove_project(self, project: "ProjectInfo") -> bool:
        """Stop tracking a project after asking; its files and its versions stay (core.projects)."""
        from core.projects import remove_project

        where = printable(project.name)
        if not self._ask("Remove project", f"Stop tracking project {where} ({printable(project.path)})?\n\n"
                                           "Its files and its versions in history stay; only its deployments "
                                           "are forgotten."):
            return False
        self._run(f"Removing project {where}…", lambda: remove_project(self.ws, project.name),
                  done=lambda p: f"Removed project {printable(p.name)}; its files and history stay.")
        return True

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

    def merge(self, artifact: "ArtifactInfo", project: "ProjectInfo", direction: Any) -> None:
        """Three-way merge of the deployment (core.projects.merge_deployment) on a worker; a merge
        that stops on conflicts (or one already waiting) → `mergeWaiting`, for the merge view."""
        from core.projects import MergeDirection, merge_deployment
        from core.sync.pending import has_pending

        if has_pending(self.ws.home, artifact.id, project.name):
            self.mergeWaiting.emit(artifact.id, project.name)  # finish that one first
            return
        name, where = printable(artifact.name), printable(project.name)
        into = "the collection" if direction is MergeDirection.PUSH else where

        def done(result: Any) -> str:
            if result.action == "conflict":
                return (f"The merge of {name} into {into} stopped on conflicts in "
                        f"{printable(', '.join(result.outcome.conflicts))}; nothing was changed yet.")
            if result.action == "merged":
                return f"Merged {name} into {into} (a merge version on the {printable(result.line)} line)."
            return f"Nothing to merge: {into} already holds {name}'s other changes."

        def after(result: Any) -> None:
            if result.action == "conflict":
                self.mergeWaiting.emit(artifact.id, project.name)

        self._run(f"Merging {name} into {into}…", lambda: merge_deployment(self.ws, artifact, project, direction),
                  done=done, after=after)

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
             force: Any = None, choices: RefusalChoices | None = None,
             merge: tuple["ArtifactInfo", "ProjectInfo"] | None = None,
             after: Callable[[Any], None] | None = None) -> None:
        if self._busy:
            self.failed.emit("Another project action is still running; try again when it has finished.")
            return
        self._set_busy(True)
        self.message.emit(label)
        worker = ProjectWorker(job)

        # Both run on the GUI thread: WorkerPool.start delivers them there.
        def finished(result: Any) -> None:
            self._set_busy(False)
            if isinstance(result, Refusal):
                if choices is not None:
                    self._offer_ways_on(result, choices, lambda: self._run(label, lambda: job(force), done=done),
                                        merge)
                else:
                    self.failed.emit(printable(result.message))
                return
            self.message.emit(done(result))
            self.changed.emit()
            if after is not None:
                after(result)

        def failed(text: str) -> None:
            self._set_busy(False)
            self.failed.emit(printable(text))

        self.pool.start(worker, finished=finished, failed=failed)

    def _offer_ways_on(self, refusal: Refusal, choices: RefusalChoices, force: Callable[[], None],
                       merge: tuple["ArtifactInfo", "ProjectInfo"] | None) -> QMessageBox:
        """The refused question: Merge… / the forcing button / Cancel, answered without blocking."""
        box = QMessageBox(QMessageBox.Icon.Question, "Refused", printable(refusal.message), parent=self._parent)
        says = ([choices.merge_says] if merge else []) + [choices.force_says, "Cancel leaves both copies as they are."]
        box.setInformativeText(" ".join(says))
        merge_button = box.addButton(MERGE_BUTTON, QMessageBox.ButtonRole.AcceptRole) if merge else None
        force_button = box.addButton(choices.force_label, QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(CANCEL_BUTTON, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(merge_button or cancel)
        box.setEscapeButton(cancel)

        def answered(button: QAbstractButton) -> None:
            self.refusal_box = None
            if merge is not None and button is merge_button:
                self.merge(*merge, choices.direction)
            elif button is force_button:
                force()
            else:
                self.failed.emit(printable(refusal.message))

        box.buttonClicked.connect(answered)
        box.finished.connect(box.deleteLater)
        self.refusal_box = box
        box.open()
        return box

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busyChanged.emit(busy)

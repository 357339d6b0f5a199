"""The context menus that start project actions: a graph node's, and an artifact's in the list.

Built from what core reports (the projects, the lines a version is on, where the
artifact is deployed); the actions are ProjectActions' (gui/project_actions.py),
which ask first and run on a worker. Which actions make sense where is read off the
version's line: a project's version can be pushed from, any version restored.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu, QWidget

from core.history import COLLECTION_LINE
from core.textsafe import printable

if TYPE_CHECKING:
    from core.history import ArtifactInfo, ProjectInfo, VersionInfo
    from gui.projects.actions import ProjectActions

DEPLOY_MENU = "Deploy to project"
UNDEPLOY_MENU = "Undeploy from project"
DELETE_COPY = "{project}, deleting its copy"
PUSH = "Push to collection"
RESTORE_MENU = "Restore this version"
COMPARE_PARENT = "Compare with parent"
BLAME = "Blame this version"
COMPARE_WAITING = "Compare the head with the waiting upstream"
RESOLVE_MERGE = "Resolve merge…"


def add_deploy_menu(menu: QMenu, actions: "ProjectActions", artifact: "ArtifactInfo",
                    projects: Iterable["ProjectInfo"], version: "VersionInfo | None" = None) -> QMenu:
    """'Deploy to project ▸ <each project>': the collection's copy, or `version`."""
    sub = menu.addMenu(DEPLOY_MENU)
    projects = list(projects)
    for project in projects:
        act = sub.addAction(printable(project.name))
        act.setToolTip(printable(project.path))
        act.triggered.connect(lambda _=False, p=project: actions.deploy(artifact, p, version))
    if not projects:
        sub.addAction("No projects yet: add one in the Projects panel").setEnabled(False)
    return sub


def add_deploy_many_menu(menu: QMenu, actions: "ProjectActions", artifacts: list["ArtifactInfo"],
                         projects: Iterable["ProjectInfo"]) -> QMenu:
    """'Deploy N artifacts to project ▸ <each project>': each artifact's collection head."""
    sub = menu.addMenu(f"Deploy {len(artifacts)} artifacts to project")
    projects = list(projects)
    for project in projects:
        act = sub.addAction(printable(project.name))
        act.triggered.connect(lambda _=False, p=project: actions.deploy_many(artifacts, p))
    if not projects:
        sub.addAction("No projects yet: add one in the Projects panel").setEnabled(False)
    return sub


def add_undeploy_menu(menu: QMenu, actions: "ProjectActions", artifacts: list["ArtifactInfo"],
                      deployed_in: Iterable["ProjectInfo"]) -> QMenu:
    """'Undeploy from project ▸ <P> | <P, deleting its copy>', for the projects the artifacts are deployed in."""
    title = UNDEPLOY_MENU if len(artifacts) == 1 else f"Undeploy {len(artifacts)} artifacts from project"
    sub = menu.addMenu(title)
    deployed_in = list(deployed_in)
    for project in deployed_in:
        keep = sub.addAction(printable(project.name))
        keep.setToolTip("Stop following the copy; it stays in the project, its history stays")
        keep.triggered.connect(lambda _=False, p=project: actions.undeploy(artifacts, p, delete=False))
        gone = sub.addAction(DELETE_COPY.format(project=printable(project.name)))
        gone.setToolTip("Record the copy's unrecorded edits, then delete it")
        gone.triggered.connect(lambda _=False, p=project: actions.undeploy(artifacts, p, delete=True))
    sub.setEnabled(bool(deployed_in) and not actions.is_busy())
    return sub


def node_menu(parent: QWidget, actions: "ProjectActions", artifact: "ArtifactInfo", version: "VersionInfo",
              projects: Iterable["ProjectInfo"], deployed_in: Iterable[str],
              compare_with_parent: Callable[[], None] | None,
              views: Iterable[tuple[str, Callable[[], None] | None]] = ()) -> QMenu:
    """The menu of one version's node in the graph; `views` are (text, open it or None when it
    does not apply) for the views that read the history: blame, the waiting upstream, a merge."""
    projects = list(projects)
    by_name = {p.name: p for p in projects}
    deployed = [by_name[name] for name in sorted(set(deployed_in)) if name in by_name]
    menu = QMenu(parent)
    add_deploy_menu(menu, actions, artifact, projects, version)

    push = menu.addAction(PUSH)
    source = by_name.get(version.line)
    push.setEnabled(source is not None and source in deployed)
    if source is not None:
        push.setToolTip(f"Push {printable(source.name)}'s copy into the collection")
        push.triggered.connect(lambda: actions.push(artifact, source))

    restore = menu.addMenu(RESTORE_MENU)
    into = restore.addAction(f"into the {COLLECTION_LINE}")
    into.triggered.connect(lambda: actions.restore(artifact, version, None))
    for project in deployed:
        act = restore.addAction(f"into {printable(project.name)}")
        act.triggered.connect(lambda _=False, p=project: actions.restore(artifact, version, p))

    menu.addSeparator()
    compare = menu.addAction(COMPARE_PARENT)
    compare.setEnabled(compare_with_parent is not None)
    if compare_with_parent is not None:
        compare.triggered.connect(compare_with_parent)
    for text, open_view in views:
        act = menu.addAction(text)
        act.setEnabled(open_view is not None)
        if open_view is not None:
            act.triggered.connect(open_view)
    for act in (push, restore.menuAction()):
        act.setEnabled(act.isEnabled() and not actions.is_busy())
    return menu


def find_action(menu: QMenu, *path: str):
    """The action at `path` ("Restore this version", "into website"), for tests and shortcuts."""
    current = menu
    for i, text in enumerate(path):
        act = next((a for a in current.actions() if a.text() == text), None)
        if act is None:
            return None
        if i == len(path) - 1:
            return act
        current = act.menu()
    return None

"""The demo collection: a small upstream with real history, built by the real engine.

`resources/demo/plan.json` lists four artifacts and a sequence of steps. Step 01
under `resources/demo/steps/` is a whole upstream folder; each later step holds
only the files that changed since the step before. The demo lays each step over
`<data home>/demo-upstream`, then syncs through
`core.sync` exactly as a user's "Sync now" would — so the history it shows
(roots, upstream syncs, a local edit, a take-upstream, a binary change, an
exec-bit change, a revert) is produced by the same rules, not faked rows.
Project steps add project folders under `<data home>/demo-projects`, deploy,
edit a project copy, push and restore through `core.projects`, so the first
graph has project lines with branches and joins. The
last step is copied without syncing, so a newcomer's first "Sync now" brings
an update.
"""
from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from core.errors import LineageError

if TYPE_CHECKING:
    from core.history import ArtifactInfo
    from core.sync import SyncResult
    from core.workspace import Workspace

DEMO_DIR = Path(__file__).resolve().parent.parent / "resources" / "demo"
UPSTREAM_FOLDER = "demo-upstream"

ProgressCallback = Callable[[int, int, str], None]
# The demo's steps are stamped this far apart, ending about now, so its graph
# reads like a few weeks of real history rather than one second.
STEP_SPACING = timedelta(days=3, hours=5)


def load_plan(demo_dir: Path = DEMO_DIR) -> dict[str, Any]:
    plan_path = demo_dir / "plan.json"
    try:
        return json.loads(plan_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LineageError(
            f"The demo data is missing ({plan_path}); reinstall Artifact Lineage to get it back."
        ) from exc


def demo_upstream_dir(ws: "Workspace") -> Path:
    return Path(ws.home.root) / UPSTREAM_FOLDER


def _apply_step(tree: Path, upstream: Path, executable: set[str], *, first: bool) -> None:
    """Lay step `tree` over `upstream`; exec bits only on the `executable` paths.

    Step 01 is a whole upstream; later steps hold only the files that changed since
    the step before, so each file version is shipped once. Modes are set here rather
    than taken from the shipped files, because packaging and checkouts do not
    reliably keep exec bits.
    """
    if first and upstream.exists():
        shutil.rmtree(upstream)
    upstream.mkdir(parents=True, exist_ok=True)
    for src in sorted(tree.rglob("*")):
        if src.is_file():
            dest = upstream / src.relative_to(tree)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    for path in upstream.rglob("*"):
        if path.is_file():
            os.chmod(path, 0o755 if path.relative_to(upstream).as_posix() in executable else 0o644)


def _existing_demo(ws: "Workspace", upstream: Path) -> list["ArtifactInfo"]:
    roots = {str(upstream), str(upstream.resolve())}
    return [
        a for a in ws.history.list_artifacts()
        if any(str(a.upstream.location).startswith(root) for root in roots)
    ]


def _check_free_names(ws: "Workspace", plan: dict[str, Any]) -> None:
    from core.projects import list_projects

    projects = {p.name for p in list_projects(ws)}
    for step in plan["steps"]:
        for spec in step.get("projects", []):
            if spec["name"] in projects:
                raise LineageError(
                    f"The demo collection cannot be opened: you already have a project named '{spec['name']}'; "
                    "use an empty data folder (--home) to try the demo."
                )
    taken = {(a.name, a.type) for a in ws.history.list_artifacts()}
    for spec in plan["artifacts"]:
        if (spec["name"], spec["type"]) in taken:
            raise LineageError(
                f"The demo collection cannot be opened: your collection already has a {spec['type']} "
                f"named '{spec['name']}'; use an empty data folder (--home) to try the demo."
            )


def _failures(results: list["SyncResult"]) -> list[str]:
    return [f"{r.name}: {r.error}" for r in results if r.error]


def build_demo(
    ws: "Workspace", progress: ProgressCallback | None = None, *, demo_dir: Path = DEMO_DIR
) -> list["ArtifactInfo"]:
    """Create the demo upstream and history in `ws` (a core.workspace.Workspace).

    Returns the demo artifacts (ArtifactInfo). Raises LineageError when the demo is
    already open, when one of its names is taken, or when a step fails to sync.
    """
    from core import sync# late: keeps `import core.demo` cheap for the window

    plan = load_plan(demo_dir)
    upstream = demo_upstream_dir(ws)
    if _existing_demo(ws, upstream):
        raise LineageError(
            "The demo collection is already open; its artifacts are in the list "
            f"(upstream folder {upstream})."
        )
    _check_free_names(ws, plan)

    steps = plan["steps"]
    total = len(steps) + 1
    report = progress or (lambda done, total, label: None)

    first = next(s for s in steps if "tree" in s)
    _apply_step(demo_dir / "steps" / first["tree"], upstream, set(first.get("executable", [])), first=True)
    report(0, total, "Adding the demo artifacts")
    artifacts = {}
    for spec in plan["artifacts"]:
        artifacts[spec["name"]] = sync.add_artifact(
            ws, spec["name"], str(upstream / spec["path"]), type=spec["type"]
        )
    names = [spec["name"] for spec in plan["artifacts"]]

    previous_clock = ws.clock
    try:
        _replay(ws, demo_dir, steps, upstream, artifacts, names, report, total)
    finally:
        ws.clock = previous_clock
    report(total, total, "Demo ready")
    return [artifacts[n] for n in names]


def _replay(
    ws: "Workspace", demo_dir: Path, steps: list[dict[str, Any]], upstream: Path,
    artifacts: dict[str, "ArtifactInfo"], names: list[str], report: ProgressCallback, total: int,
) -> None:
    from core import sync

    first_tree = next(s for s in steps if "tree" in s)
    first_stamp = datetime.now(timezone.utc) - STEP_SPACING * len(steps)
    for number, step in enumerate(steps, start=1):
        stamp = first_stamp + STEP_SPACING * number
        ws.clock = _ticking_clock(stamp)
        report(number, total, step.get("title", f"step {number}"))
        if "tree" in step:
            _apply_step(
                demo_dir / "steps" / step["tree"], upstream, set(step.get("executable", [])), first=step is first_tree
            )
        edit = step.get("local_edit")
        if edit:
            _local_edit(ws, artifacts[edit["artifact"]], edit)
        _project_steps(ws, step, artifacts)
        if not step.get("sync", True):
            continue
        strategies = {artifacts[n].id: sync.Strategy.TAKE_UPSTREAM for n in step.get("take_upstream", [])}
        results = sync.sync_all(ws, names=names, strategies=strategies or None)
        failed = _failures(results)
        if failed:
            raise LineageError(
                f"The demo could not be built at step {number} ({step.get('title')}): {'; '.join(failed)}."
            )


def _ticking_clock(start: datetime) -> Callable[[], datetime]:
    """A clock a minute further on each call, so the versions one step records stay in order."""
    ticks = iter(range(10**6))
    return lambda: start + timedelta(minutes=next(ticks))


def _local_edit(ws: "Workspace", artifact: "ArtifactInfo", edit: dict[str, Any]) -> None:
    """Edit the collection copy by hand, as a user would in their editor."""
    copy = Path(ws.home.collection_dir) / artifact.place
    target = copy / edit["file"] if artifact.shape == "dir" else copy
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(edit["append"])


def _project_steps(ws: "Workspace", step: dict[str, Any], artifacts: dict[str, "ArtifactInfo"]) -> None:
    """A step's project work, in the order a person would do it: add, deploy, edit, push, restore."""
    from core import projects

    for spec in step.get("projects", []):
        folder = Path(ws.home.root) / spec["folder"]
        folder.mkdir(parents=True, exist_ok=True)
        projects.add_project(ws, spec["name"], folder)
    for spec in step.get("deploy", []):
        projects.deploy(ws, artifacts[spec["artifact"]], projects.get_project(ws, spec["project"]))
    edit = step.get("project_edit")
    if edit:
        artifact = artifacts[edit["artifact"]]
        copy = projects.project_copy_path(projects.get_project(ws, edit["project"]), artifact)
        with open(copy / edit["file"] if artifact.shape == "dir" else copy, "a", encoding="utf-8") as handle:
            handle.write(edit["append"])
    for spec in step.get("push", []):
        projects.push(ws, artifacts[spec["artifact"]], projects.get_project(ws, spec["project"]))
    back = step.get("restore")
    if back:
        _restore_back(ws, artifacts[back["artifact"]], back)


def _restore_back(ws: "Workspace", artifact: "ArtifactInfo", spec: dict[str, Any]) -> None:
    """Restore the version `back` first parents behind the line's head (undoing the last change)."""
    from core import projects

    line = spec.get("line", "collection")
    version = ws.history.head(artifact.id, line)
    by_id = {v.id: v for v in ws.history.versions(artifact.id)}
    for _ in range(spec.get("back", 1)):
        if version is None or version.parent_id is None:
            raise LineageError(f"The demo plan restores {artifact.name} further back than its history goes.")
        version = by_id[version.parent_id]
    project = None if line == "collection" else projects.get_project(ws, line)
    projects.restore(ws, artifact, version, project)

#!/usr/bin/env python3
"""The docs' screenshots of the 257-version, four-line artifact (docs/lineage-graph.md, docs/gui.md).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/shoot_four_lines.py [--out docs/screenshots]

Records the artifact with its contents (bench/make_four_lines.py) in a temporary data folder,
opens the real window on it with settings of its own (no remembered layout) and saves, at
1280x800 and 1920x1080: the graph as it opens (fitted, folded past a screenful), unfolded,
and a `web` edit selected with its ancestry lit; at 1280x800 also the Blame tab and a search
(`origin:merge`). Look at every picture it writes before committing them.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import spin  # noqa: E402

SIZES = ((1280, 800), (1920, 1080))


def wait_for(app, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        spin(0.02)
    spin(0.15)  # layouts and paints settle before the grab


def shoot(home: Path, out: Path) -> list[Path]:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from core.workspace import Workspace
    from gui.shell.app import make_application, prepare_process

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    app = make_application([])
    prepare_process(app)
    from gui.shell.main_window import MainWindow

    written: list[Path] = []
    ws = Workspace.open(home=home)
    try:
        art = ws.history.list_artifacts()[0]
        versions = ws.history.versions(art.id)
        web_edit = next(v for v in versions if v.line == "web" and v.change_origin == "local_modification")
        for width, height in SIZES:
            # Settings of its own for each size: each window opens as on a first start.
            settings = tempfile.mkdtemp(prefix="shoot-settings-")
            QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
            window = MainWindow(ws)
            window.resize(width, height)
            window.show()
            browser, graph = window.browser, window.graph

            def save(name: str) -> None:
                path = out / f"{name}-{width}x{height}.png" if name.startswith("graph-") else out / f"{name}.png"
                window.grab().save(str(path))
                written.append(path)

            window.select_artifact(art.id)
            wait_for(app, lambda: browser.loading is None and browser.artifact_id == art.id and graph.graph() is not None)
            save("graph-257-folded")
            browser.fold = False
            browser.reload()
            wait_for(app, lambda: browser.loading is None and web_edit.id in graph.graph())
            save("graph-257-unfolded")
            browser.fold = True
            browser.reload()
            wait_for(app, lambda: browser.loading is None)
            if web_edit.id not in graph.graph():
                browser.open(art.id, web_edit.id)  # the version to select is never folded away
                wait_for(app, lambda: browser.loading is None and web_edit.id in graph.graph())
            graph.set_highlight_ancestry(True)
            graph.select_version(web_edit.id)  # brought on screen, then clicked as a person would
            QTest.mouseClick(graph.viewport(), Qt.MouseButton.LeftButton, pos=graph.mapFromScene(graph.node_pos(web_edit.id)))
            wait_for(app, lambda: browser.shown_version == web_edit.id)
            save("graph-257-highlight")
            if (width, height) == SIZES[0]:
                blame = window.compare.blame_view
                window.compare.file_tabs.setCurrentWidget(blame)
                wait_for(app, lambda: blame.model.blame is not None)
                save("blame")
                window.compare.file_tabs.setCurrentIndex(0)
                window.find_edit.setText("origin:merge")
                wait_for(app, lambda: graph.search_matches())
                QTest.keyClick(window.find_edit, Qt.Key.Key_Return)  # the first match, selected and shown
                wait_for(app, lambda: window.toolbar.find_count.text().startswith("1 of"))
                save("search")
            window.close()
            window.deleteLater()
            wait_for(app, lambda: True)
    finally:
        ws.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder to write the PNGs to")
    args = parser.parse_args(argv)
    from bench.make_four_lines import main as make

    with tempfile.TemporaryDirectory(prefix="fl-") as tmp:  # short: the path is in the window's title
        home = Path(tmp) / "home"
        make(["--home", str(home)])
        for path in shoot(home, Path(args.out)):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

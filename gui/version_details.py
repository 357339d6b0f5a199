"""One version's details, as selectable text: hashes, origin, time (local and UTC),
the revert it matches (in the artifact's own numbering, "v3"), upstream, commit,
strategy, who recorded it, and any other metadata core stored with it."""
from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timezone

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QTextOption
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from core.history import VersionInfo
from gui.hash_label import blend
from core.textsafe import printable

MAX_HEIGHT = 260  # a long metadata list scrolls rather than squeezing the diff away

# Metadata written by core.sync; anything else is listed generically below these.
_COUNT_KEYS = ("files_added", "files_removed", "files_changed")


def when(v: VersionInfo) -> tuple[str, str]:
    """(local, UTC) creation time of a version."""
    created = v.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    local = created.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    utc = created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return local, utc


def _flatten(meta: dict[str, object], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten(value, name + "."))
        elif value is not None and value != "":
            out.append((name, str(value)))
    return out


def metadata_rows(meta: dict[str, object], matches_label: str | None) -> list[tuple[str, str]]:
    """Readable rows (label, html) for a version's metadata; `matches_label` names the
    version a revert matches in the artifact's own numbering ("v3")."""

    def esc(text: str) -> str:  # metadata comes from outside (URLs, refs, paths): control characters shown
        return html.escape(printable(text))

    rows: list[tuple[str, str]] = []
    matches = meta.pop("matches_version", None)
    if matches is not None:
        rows.append(("Revert", f"content matches <b>{esc(matches_label or f'#{matches}')}</b>"))
    location = meta.pop("location", None)
    kind = meta.pop("upstream_kind", None)
    ref = meta.pop("ref", None)
    subdir = meta.pop("subdir", None)
    if location:
        text = esc(str(location))
        extras = [f"{label} {esc(str(value))}" for label, value in (("ref", ref), ("sub-folder", subdir)) if value]
        if kind:
            extras.insert(0, esc(str(kind)))
        rows.append(("Upstream", text + (f" ({', '.join(extras)})" if extras else "")))
    commit = meta.pop("resolved_commit", None) or meta.pop("commit", None)
    if commit:
        rows.append(("Commit", f"<code>{esc(str(commit))}</code>"))
    strategy = meta.pop("strategy", None)
    if strategy:
        rows.append(("Strategy", esc(str(strategy))))
    user, machine = meta.pop("user", None), meta.pop("machine", None)
    if user or machine:
        rows.append(("Recorded by", esc("@".join(str(x) for x in (user, machine) if x))))
    for key in _COUNT_KEYS:
        meta.pop(key, None)  # the compare panel shows its own counts against what is compared
    for key, value in _flatten(meta):
        rows.append((esc(key.replace("_", " ").capitalize()), esc(value)))
    return rows


class VersionDetails(QTextBrowser):
    """As tall as its text (up to MAX_HEIGHT), on the window's background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.document().documentLayout().documentSizeChanged.connect(lambda _s: self._fit())

    def show_version(self, version: VersionInfo, label_of: Callable[[int], str]) -> None:
        """Fill in `version`; `label_of(id)` names another version ("v3")."""
        local, utc = when(version)
        rows: list[tuple[str, str]] = [
            ("Content hash", f"<code>{version.content_hash}</code>"),
            (
                "Parent hash",
                f"<code>{version.parent_hash}</code>" + ("" if version.parent_id else " (recorded before tracking)")
                if version.parent_hash
                else "none — root version",
            ),
            ("Origin", html.escape(version.change_origin.replace("_", " "))),
            ("Created", html.escape(utc if local[:19] == utc[:19] else f"{local}  ·  {utc}")),
        ]
        matches = (version.metadata or {}).get("matches_version")
        rows.extend(metadata_rows(dict(version.metadata or {}), label_of(matches) if matches else None))
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        dim = blend(text_colour, self.palette().color(QPalette.ColorRole.Window), 0.4).name()
        body = "".join(
            f'<tr><td style="color:{dim}; padding-right:10px; white-space:nowrap">{k}</td><td>{v}</td></tr>'
            for k, v in rows
        )
        self.setHtml(f"<table cellspacing=0 cellpadding=1>{body}</table>")
        self.show()
        self._fit()

    def _fit(self) -> None:
        doc_height = self.document().size().height()
        margins = self.contentsMargins()
        self.setFixedHeight(min(int(doc_height) + margins.top() + margins.bottom() + 2, MAX_HEIGHT))

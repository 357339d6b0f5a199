"""One version's details, as selectable text: time (local and UTC), the revert it matches
(in the artifact's own numbering, "v3"), upstream, commit, strategy, who recorded it, and
any other metadata core stored with it.

Compact, so the diff below keeps its room at 1280×800 (issue 15 §5): the origin is in the
panel's title and both full hashes are in the hash pair under these rows, so neither is
repeated here (a root or legacy parent still says so); past `MAX_ROWS` lines the text scrolls."""
from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timezone

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QTextOption
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from core.history import VersionInfo
from gui.compare.hash_label import blend
from core.textsafe import printable

MAX_ROWS = 6  # lines shown at most; a long metadata list scrolls rather than squeezing the diff away

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


def _upstream_text(kind: object, location: object, ref: object, subdir: object) -> str:
    """`location (kind, ref R, sub-folder S)`; the kind as core names it (a single file is a file)."""
    from core.sync import upstream_noun
    from core.upstreams import UpstreamSpec

    spec = UpstreamSpec("git" if kind == "git" else "folder", str(location or "?"))
    extras = [label for label in (upstream_noun(spec) if kind else "",) if label]
    extras += [f"{label} {value}" for label, value in (("ref", ref), ("sub-folder", subdir)) if value]
    return str(location) + (f" ({', '.join(extras)})" if extras else "")


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
    meta.pop("upstream", None)  # the same upstream as the rows above, as recorded since `edit` exists
    if "url" in meta and meta["url"] == location:
        meta.pop("url")
    if location:
        rows.append(("Upstream", esc(_upstream_text(kind, location, ref, subdir))))
    before = meta.pop("previous_upstream", None)
    if isinstance(before, dict):
        rows.append(("Upstream before", esc(_upstream_text(before.get("kind"), before.get("location"),
                                                          before.get("ref"), before.get("subdir")))))
    commit = meta.pop("resolved_commit", None) or meta.pop("commit", None)
    subject = meta.pop("commit_subject", None)
    path_commit, date = meta.pop("path_commit", None), meta.pop("commit_date", None)
    if commit:
        # Since issue 18 the subject is the last commit that changed the artifact's path, shown on its own row.
        rows.append(("Commit", f"<code>{esc(str(commit))}</code>"
                     + (f" {esc(str(subject))}" if subject and not path_commit else "")))
    if path_commit:
        rows.append(("Last changed in", f"<code>{esc(str(path_commit)[:12])}</code>"
                     + (f" {esc(str(date)[:10])}" if date else "") + (f" {esc(str(subject))}" if subject else "")))
    restored_id, restored_number = meta.pop("restored_version", None), meta.pop("restored_number", None)
    if restored_id is not None or restored_number is not None:
        shown = f"v{restored_number}" if restored_number is not None else ""
        shown += f" (#{restored_id})" if restored_id is not None else ""
        rows.append(("Restored", f"content of <b>{esc(shown.strip())}</b>"))
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
    """As tall as its text (up to MAX_ROWS lines), on the window's background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        # On or off by _fit, never "as needed": a scroll bar appearing narrows the text, which
        # re-wraps taller or shorter, which hides the bar again — a layout loop that froze
        # the window when the details were about their maximum height.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scrolls = False
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.document().documentLayout().documentSizeChanged.connect(lambda _s: self._fit())

    def show_version(self, version: VersionInfo, label_of: Callable[[int], str]) -> None:
        """Fill in `version`; `label_of(id)` names another version ("v3")."""
        local, utc = when(version)
        rows: list[tuple[str, str]] = [
            ("Created", html.escape(utc if local[:19] == utc[:19] else f"{local}  ·  {utc}")),
        ]
        if not version.parent_hash:
            rows.append(("Parent", "none — root version"))
        elif not version.parent_id:
            rows.append(("Parent", "recorded before tracking: its content was never stored"))
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

    def max_height(self) -> int:
        """MAX_ROWS lines of text, and the document's margins."""
        margins = self.contentsMargins()
        document = 2 * int(self.document().documentMargin())
        return self.fontMetrics().lineSpacing() * MAX_ROWS + document + margins.top() + margins.bottom() + 2

    def _fit(self) -> None:
        doc_height = self.document().size().height()
        margins = self.contentsMargins()
        wanted = int(doc_height) + margins.top() + margins.bottom() + 2
        limit = self.max_height()
        # Turned on only when the text is too tall at full width, off only when it fits beside
        # the bar: each switch makes the other condition false, so it cannot flip back and forth.
        scrolls = wanted > limit
        if scrolls != self._scrolls:
            self._scrolls = scrolls
            self.setVerticalScrollBarPolicy(
                Qt.ScrollBarPolicy.ScrollBarAlwaysOn if scrolls else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(min(wanted, limit))

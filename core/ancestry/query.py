"""The search query: what the window's find box and `log --where` take (docs/gui.md, "Search").

    pdf "form filling" 1a2b origin:merge line:web since:2026-11-01 until:2026-11-30
    file:scripts/x.py text:"some words"

Terms are separated by spaces and all must hold. A bare word (or "quoted phrase") matches
a content-hash prefix, a version number (`v12`), the upstream commit's subject or the
version's notes (ref, commit, pushed from, decision, who); `origin:` and `line:` take one
value or several separated by commas (any of them); `since:` / `until:` a date
(YYYY-MM-DD, both days included) or an ISO time; `file:` a path (or folder) the version
changed; `text:` words the version's content holds (any file). Case never matters. A key
with no value yet (`origin:` while typing) is ignored. Parsing is pure: no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from core.errors import QueryError
from core.history import CHANGE_ORIGINS

__all__ = ["KEYS", "Query", "parse_query"]

KEYS = ("origin", "line", "since", "until", "file", "text")
# key:"quoted value" | key:value | "quoted phrase" | word ; an unclosed quote runs to the end (typing)
_TOKEN = re.compile(r'(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))')


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()  # lowercased words and phrases
    origins: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()  # lowercased
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC
    files: tuple[str, ...] = ()  # '/'-separated, no leading or trailing '/'
    texts: tuple[str, ...] = ()  # lowercased

    @property
    def empty(self) -> bool:
        return self == Query()

    @property
    def reads_content(self) -> bool:
        """Whether matching needs manifests or file contents (file:, text:)."""
        return bool(self.files or self.texts)


def _date(key: str, value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise QueryError(
            f"{key}:{value} is not a date; write it as YYYY-MM-DD (e.g. {key}:2026-11-01) or an ISO time."
        ) from None
    day_only = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if key == "until" and day_only:
        when += timedelta(days=1)  # the whole day is included
    return when.astimezone(timezone.utc)


def _origin(value: str) -> str:
    wanted = value.lower().replace("-", "_").replace(" ", "_")
    if wanted in CHANGE_ORIGINS:
        return wanted
    starting = [o for o in CHANGE_ORIGINS if o.startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    raise QueryError(f"origin:{value} is not a change origin; use one of {', '.join(CHANGE_ORIGINS)}.")


_DATE_BEING_TYPED = re.compile(r"\d{1,4}(-(\d{1,2}(-\d?)?)?)?")


def parse_query(text: str, *, typing: bool = False) -> Query:
    """The query `text` says; QueryError (one sentence) for an unknown key or a bad value.
    `typing` (the find box, on each keystroke): a date not finished yet (`since:2026-1`)
    is left out instead of refused."""
    words: list[str] = []
    fields: dict[str, list] = {k: [] for k in KEYS}
    since = until = None
    for m in _TOKEN.finditer(text):
        key, quoted, plain = m.group(1), m.group(2), m.group(3)
        value = (quoted if quoted is not None else plain or "").strip()
        if key is None:
            if value.endswith(":") and value[:-1].lower() in KEYS:
                continue  # a key still being typed
            if value:
                words.append(value.lower())
            continue
        key = key.lower()
        if key not in KEYS:
            raise QueryError(
                f"{key}: is not a search key; use {', '.join(k + ':' for k in KEYS)} or plain words."
            )
        if not value:
            continue  # still being typed
        if key in ("since", "until") and typing and _DATE_BEING_TYPED.fullmatch(value):
            continue
        if key == "since":
            since = _date(key, value)
        elif key == "until":
            until = _date(key, value)
        elif key == "origin":
            fields[key] += [_origin(v) for v in value.split(",") if v]
        elif key == "line":
            fields[key] += [v.lower() for v in value.split(",") if v]
        elif key == "file":
            fields[key].append(value.strip("/"))
        else:
            fields[key].append(value.lower())
    return Query(tuple(words), tuple(fields["origin"]), tuple(fields["line"]), since, until,
                 tuple(fields["file"]), tuple(fields["text"]))

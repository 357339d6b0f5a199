"""Compare two versions' manifests, and the text of one file between them.

`compare` works on manifests only (path, kind, digest, size), so telling which
files differ never reads file contents. `file_diff` reads the two blobs of one
file from the object store and turns them into numbered unified-diff lines, or
into a short note when the file is binary, too large, or only changed mode.
See docs/compare.md for the rules people see.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Any, Iterable

from core.errors import LineageError, MissingObjectError
from core.content import ManifestEntry

# Bigger files are summarised, not diffed: difflib is quadratic in the worst case
# and a multi-megabyte diff is unreadable in a panel anyway.
MAX_DIFF_BYTES = 2 * 1024 * 1024
# Same sniffing window as git: a NUL byte early on means binary.
BINARY_SNIFF_BYTES = 8 * 1024

STATUSES: tuple[str, ...] = ("added", "removed", "modified", "mode_changed", "renamed")
# A removed and an added file at least this similar (share of equal lines, as git's
# default -M50%) are shown as one renamed file.
RENAME_SIMILARITY = 0.5
_ALL_PAIRS_LIMIT = 2500  # removed x added pairs compared beyond same-name ones
_KIND_NAMES = {"f": "regular file", "x": "executable file", "l": "symbolic link"}


@dataclass(frozen=True)
class FileChange:
    path: bytes
    status: str  # "added", "removed", "modified", "mode_changed"
    old_kind: str | None
    new_kind: str | None
    old_digest: str | None
    new_digest: str | None
    old_size: int | None
    new_size: int | None
    old_path: bytes | None = None  # "renamed" only: where the file was
    similarity: int | None = None  # "renamed" only: percent of equal content

    @property
    def display_path(self) -> str:
        return os.fsdecode(self.path)

    @property
    def display_old_path(self) -> str:
        """The path before: the old path of a renamed file, else the path."""
        return os.fsdecode(self.old_path if self.old_path is not None else self.path)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # " " context, "+" added, "-" removed, "@" hunk header
    text: str
    old_lineno: int | None
    new_lineno: int | None
    no_newline: bool = False  # the file's last line, without a newline ("\\ No newline at end of file")


@dataclass(frozen=True)
class FileDiff:
    change: FileChange
    binary: bool
    lines: tuple[DiffLine, ...]
    note: str | None = None  # e.g. "binary file, 1.2 MB -> 1.3 MB" or "content is not in the object store"


def _store_of(ws_or_store: Any) -> Any:
    """Accept a Workspace (has `.objects`) or an ObjectStore."""
    return ws_or_store if hasattr(ws_or_store, "get_manifest") else ws_or_store.objects


def _manifest(objects: Any, content_hash: str, role: str) -> dict[bytes, Any]:
    try:
        tree = objects.get_manifest(content_hash)
    except MissingObjectError as exc:
        raise MissingObjectError(
            f"The file list of the {role} version {content_hash[:12]} is not in the object store, so it "
            "cannot be compared; run `main.py fsck --repair` to store it again from a collection copy or "
            "upstream that still holds that content."
        ) from exc
    return {entry.path: entry for entry in tree.entries}


def compare(objects: Any, old_hash: str | None, new_hash: str) -> list[FileChange]:
    """The files that differ from `old_hash` to `new_hash`, sorted by path bytes.

    `old_hash` None compares against nothing: every file is "added". A kind change
    between regular and executable with the same digest is "mode_changed"; any other
    kind change, or a digest change, is "modified". Raises MissingObjectError when a
    manifest was never stored.
    """
    store = _store_of(objects)
    new = _manifest(store, new_hash, "new")
    old = _manifest(store, old_hash, "old") if old_hash is not None else {}
    return _changes(old, new)


@dataclass(frozen=True)
class StoredComparison:
    """`compare_stored`'s answer: the changes, and what kept it from comparing both sides."""

    changes: list[FileChange]
    new_missing: bool  # the newer side's manifest is not stored: nothing compared
    old_missing: bool  # the older side's is not: the newer one's files listed as added
    error: str | None = None  # a manifest that is there but cannot be read, or a store that cannot be asked


def compare_stored(objects: Any, old_hash: str | None, new_hash: str) -> StoredComparison:
    """`compare` of two versions that may not both be stored, saying which side is missing
    instead of failing (the window's compare panel names that version in its banner)."""
    store = _store_of(objects)
    try:
        new_missing = not store.has_manifest(new_hash)
        old_missing = old_hash is not None and not store.has_manifest(old_hash)
    except LineageError as exc:  # a team's store that cannot be asked
        return StoredComparison([], False, False, str(exc))
    if new_missing:
        return StoredComparison([], True, old_missing)
    try:
        changes = compare(store, None if old_missing else old_hash, new_hash)
    except LineageError as exc:  # e.g. a manifest that exists but cannot be read
        return StoredComparison([], False, old_missing, str(exc))
    return StoredComparison(changes, False, old_missing)


def compare_entries(old: Iterable[ManifestEntry], new: Iterable[ManifestEntry]) -> list[FileChange]:
    """`compare` for manifests already in hand (e.g. a tree just hashed on disk)."""
    return _changes({e.path: e for e in old}, {e.path: e for e in new})


def _changes(old: dict[bytes, Any], new: dict[bytes, Any]) -> list[FileChange]:
    changes: list[FileChange] = []
    for path in sorted(old.keys() | new.keys()):
        a, b = old.get(path), new.get(path)
        if a is None:
            status = "added"
        elif b is None:
            status = "removed"
        elif a.digest == b.digest and a.kind == b.kind:
            continue
        elif a.digest == b.digest and {a.kind, b.kind} == {"f", "x"}:
            status = "mode_changed"
        else:
            status = "modified"
        changes.append(
            FileChange(
                path=path,
                status=status,
                old_kind=a.kind if a else None,
                new_kind=b.kind if b else None,
                old_digest=a.digest if a else None,
                new_digest=b.digest if b else None,
                old_size=a.size if a else None,
                new_size=b.size if b else None,
            )
        )
    return changes


def summarize(changes: Iterable[FileChange]) -> dict[str, int]:
    """Counts per status, every status present (zero when none)."""
    counts = dict.fromkeys(STATUSES, 0)
    for change in changes:
        counts[change.status] = counts.get(change.status, 0) + 1
    return counts


def differing_prefix(a: str, b: str) -> int:
    """Length of the common prefix of two hashes (where they start to differ)."""
    return len(os.path.commonprefix([a or "", b or ""]))


def human_size(size: int | None) -> str:
    """Sizes for people: 512 B, 1.2 KB, 3.4 MB (decimal units, as file managers show)."""
    if size is None:
        return "—"
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:.1f} {unit}"
    return f"{size} B"  # pragma: no cover


def _sizes(change: FileChange) -> str:
    if change.old_size is None:
        return human_size(change.new_size)
    if change.new_size is None:
        return human_size(change.old_size)
    return f"{human_size(change.old_size)} → {human_size(change.new_size)}"


def _is_binary(data: bytes) -> bool:
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _split_lines(text: str) -> list[str]:
    """Lines keeping their ending, split on '\\n' only (str.splitlines also splits on \\f, \\x1c…)."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])  # last line without a newline stays distinguishable
    return lines


def _hunk_range(start: int, length: int) -> str:
    # Same convention as difflib.unified_diff / GNU diff.
    first = start + 1
    if length == 0:
        first -= 1
    return f"{first}" if length == 1 else f"{first},{length}"


def _display(line: str) -> str:
    return line.rstrip("\n").rstrip("\r")


def _grouped(opcodes: list[tuple[str, int, int, int, int]], n: int) -> list[list[tuple[str, int, int, int, int]]]:
    """Hunks with `n` lines of context: SequenceMatcher.get_grouped_opcodes over given opcodes."""
    matcher = difflib.SequenceMatcher(None, "", "")
    matcher.opcodes = _merge_equal(opcodes)  # get_grouped_opcodes reads them from here
    return list(matcher.get_grouped_opcodes(n))


def _merge_equal(opcodes: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    merged: list[tuple[str, int, int, int, int]] = []
    for op in opcodes:
        if op[1] == op[2] and op[3] == op[4]:
            continue  # empty range (e.g. the middle was empty)
        if merged and op[0] == "equal" and merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1], op[2], merged[-1][3], op[4])
        else:
            merged.append(op)
    return merged or [("equal", 0, 0, 0, 0)]


def diff_lines(old_text: str, new_text: str, context: int = 3) -> tuple[DiffLine, ...]:
    """Unified-diff lines with old/new line numbers (1-based) for two texts."""
    a, b = _split_lines(old_text), _split_lines(new_text)
    out: list[DiffLine] = []
    # difflib's matcher costs about (lines x change sites); matching the common head
    # and tail first keeps the usual "a few edits in a long file" case cheap.
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle = difflib.SequenceMatcher(None, a[head:len(a) - tail], b[head:len(b) - tail], autojunk=False)
    opcodes: list[tuple[str, int, int, int, int]] = [("equal", 0, head, 0, head)] if head else []
    opcodes += [(t, i1 + head, i2 + head, j1 + head, j2 + head) for t, i1, i2, j1, j2 in middle.get_opcodes()]
    if tail:
        opcodes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    for group in _grouped(opcodes, context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        header = f"@@ -{_hunk_range(i1, i2 - i1)} +{_hunk_range(j1, j2 - j1)} @@"
        out.append(DiffLine("@", header, None, None))
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                out.extend(DiffLine(" ", _display(a[i]), i + 1, y1 + i - x1 + 1, not a[i].endswith("\n"))
                           for i in range(x1, x2))
                continue
            if tag in ("replace", "delete"):
                out.extend(DiffLine("-", _display(a[i]), i + 1, None, not a[i].endswith("\n")) for i in range(x1, x2))
            if tag in ("replace", "insert"):
                out.extend(DiffLine("+", _display(b[j]), None, j + 1, not b[j].endswith("\n")) for j in range(y1, y2))
    return tuple(out)


def _read(store: Any, digest: str | None) -> bytes:
    return b"" if digest is None else store.read_bytes(digest)


def file_diff(objects: Any, change: FileChange, context: int = 3) -> FileDiff:
    """The text diff of one changed file, or a note saying why there is none.

    Symbolic links diff their target paths. Binary files (a NUL byte in the first
    8 KiB, or not UTF-8) and files over 2 MiB get a note with their sizes instead
    of lines. A blob missing from the store gives a note, not an error, so one
    lost object never hides the rest of a comparison.
    """
    store = _store_of(objects)
    if change.status == "renamed" and change.old_digest == change.new_digest:
        note = f"Renamed from {change.display_old_path}; the content is the same."
        if change.old_kind != change.new_kind:
            note = (f"Renamed from {change.display_old_path}; the content is the same, the mode changed: "
                    f"{_KIND_NAMES.get(change.old_kind or '', change.old_kind)} → "
                    f"{_KIND_NAMES.get(change.new_kind or '', change.new_kind)}.")
        return FileDiff(change, False, (), note)
    if change.status == "mode_changed":
        note = (
            f"Mode changed: {_KIND_NAMES.get(change.old_kind or '', change.old_kind)} → "
            f"{_KIND_NAMES.get(change.new_kind or '', change.new_kind)}; the content is the same."
        )
        return FileDiff(change, False, (), note)
    if max(change.old_size or 0, change.new_size or 0) > MAX_DIFF_BYTES:
        return FileDiff(change, False, (), f"Large file ({_sizes(change)}): too big to show a line diff.")
    try:
        old, new = _read(store, change.old_digest), _read(store, change.new_digest)
    except MissingObjectError:
        return FileDiff(change, False, (), (
            f"The content of this file is not in the object store ({_sizes(change)}); "
            "`main.py fsck --repair` stores it again if a collection copy or upstream still holds it."
        ))
    if _is_binary(old) or _is_binary(new):
        return FileDiff(change, True, (), f"Binary file, {_sizes(change)}: not shown as text.")
    note = None
    if {change.old_kind, change.new_kind} - {None} == {"l"}:
        note = "Symbolic link: the diff shows its target."
    elif "l" in (change.old_kind, change.new_kind) and change.old_kind and change.new_kind:
        note = (
            f"Changed from {_KIND_NAMES.get(change.old_kind)} to {_KIND_NAMES.get(change.new_kind)}; "
            "a link's line is its target."
        )
    old_text, new_text = old.decode("utf-8"), new.decode("utf-8")
    lines = diff_lines(old_text, new_text, context)
    same_words = [_display(x) for x in _split_lines(old_text)] == [_display(x) for x in _split_lines(new_text)]
    if change.status == "modified" and old_text != new_text and same_words:
        note = note or "Only line endings or the final newline differ."
    elif (change.old_kind, change.new_kind) in (("f", "x"), ("x", "f")):
        note = (
            f"Also the mode changed: {_KIND_NAMES[change.old_kind]} → {_KIND_NAMES[change.new_kind]}."
        )
    if not lines and not note:
        note = "Empty file."
    return FileDiff(change, False, lines, note)


# --------------------------------------------------------------------------- renames


def find_renames(objects: Any, changes: list[FileChange], threshold: float = RENAME_SIMILARITY) -> list[FileChange]:
    """`changes` with each removed file paired to an added one with the same or nearly the same
    content turned into one "renamed" change (git's rename detection, -M50%).

    Identical contents pair first (no reads); then pairs with the same file name, and
    all pairs while there are few, are compared by their share of equal lines. Binary
    and large files only pair when identical. Missing blobs never pair.
    """
    removed = [c for c in changes if c.status == "removed"]
    added = [c for c in changes if c.status == "added"]
    if not removed or not added:
        return changes
    pairs: list[tuple[FileChange, FileChange, int]] = []
    by_digest: dict[str, list[FileChange]] = {}
    for c in removed:
        by_digest.setdefault(c.old_digest or "", []).append(c)
    left_added = []
    for c in added:
        same = by_digest.get(c.new_digest or "")
        if same:
            pairs.append((same.pop(0), c, 100))
        else:
            left_added.append(c)
    left_removed = [c for group in by_digest.values() for c in group]
    pairs += _similar_pairs(_store_of(objects), left_removed, left_added, threshold)
    if not pairs:
        return changes
    paired = {id(old) for old, _, _ in pairs} | {id(new) for _, new, _ in pairs}
    merged = [c for c in changes if id(c) not in paired]
    merged += [
        FileChange(path=new.path, status="renamed", old_kind=old.old_kind, new_kind=new.new_kind,
                   old_digest=old.old_digest, new_digest=new.new_digest, old_size=old.old_size,
                   new_size=new.new_size, old_path=old.path, similarity=score)
        for old, new, score in pairs
    ]
    return sorted(merged, key=lambda c: c.path)


def _similar_pairs(store: Any, removed: list[FileChange], added: list[FileChange],
                   threshold: float) -> list[tuple[FileChange, FileChange, int]]:
    if not removed or not added:
        return []
    candidates = []
    all_pairs = len(removed) * len(added) <= _ALL_PAIRS_LIMIT
    for old in removed:
        old_name = os.path.basename(old.path)
        for new in added:
            if all_pairs or os.path.basename(new.path) == old_name:
                candidates.append((old, new))
    lines: dict[str, Any] = {}

    def counted(digest: str | None, size: int | None) -> Any:
        from collections import Counter

        if digest is None or (size or 0) > MAX_DIFF_BYTES:
            return None
        if digest not in lines:
            try:
                data = store.read_bytes(digest)
            except MissingObjectError:
                data = None
            lines[digest] = None if data is None or b"\0" in data[:BINARY_SNIFF_BYTES] else Counter(
                data.splitlines(keepends=True))
        return lines[digest]

    scored = []
    for old, new in candidates:
        small, big = sorted(((old.old_size or 0), (new.new_size or 0)))
        if big and small / big < threshold:
            continue  # cannot be similar enough: skip reading
        a, b = counted(old.old_digest, old.old_size), counted(new.new_digest, new.new_size)
        if a is None or b is None:
            continue
        total = sum(a.values()) + sum(b.values())
        score = 2 * sum((a & b).values()) / total if total else 1.0
        if score >= threshold:
            scored.append((score, old, new))
    scored.sort(key=lambda item: (-item[0], item[1].path, item[2].path))
    used: set[int] = set()
    result = []
    for score, old, new in scored:
        if id(old) in used or id(new) in used:
            continue
        used.update((id(old), id(new)))
        result.append((old, new, min(99, int(score * 100))))
    return result


def filter_paths(changes: list[FileChange], paths: Iterable[str]) -> list[FileChange]:
    """The changes under any of `paths` (files or folders, '/'-separated, as `diff NAME -- PATH`)."""
    wanted = [os.fsencode(p.replace("\\", "/").strip("/")) for p in paths if p.strip("/")]
    if not wanted:
        return changes

    def under(path: bytes | None) -> bool:
        return path is not None and any(path == w or path.startswith(w + b"/") for w in wanted)

    return [c for c in changes if under(c.path) or under(c.old_path)]


# `diff --stat` counts the lines of a file too large for a line diff: in memory up to
# this size, beyond it by streaming (then the file counts as rewritten).
MAX_STAT_BYTES = 64 * 1024 * 1024


def stat_counts(objects: Any, change: FileChange, diff: FileDiff) -> tuple[int, int] | None:
    """(lines added, lines removed) of a file for `diff --stat`, None for a binary file.

    A file too large for a line diff is still counted: lines outside the common head
    and tail that the other side does not hold as often (a moved line counts as kept).
    Over MAX_STAT_BYTES it counts as rewritten: all old lines removed, all new ones added.
    """
    if diff.binary or diff.lines or max(change.old_size or 0, change.new_size or 0) <= MAX_DIFF_BYTES:
        return None if diff.binary else line_counts(diff)
    store = _store_of(objects)
    try:
        if max(change.old_size or 0, change.new_size or 0) > MAX_STAT_BYTES:
            old_lines, new_lines = _streamed_lines(store, change.old_digest), _streamed_lines(store, change.new_digest)
            return None if old_lines is None or new_lines is None else (new_lines, old_lines)
        old, new = _read(store, change.old_digest), _read(store, change.new_digest)
    except MissingObjectError:
        return 0, 0
    if _is_binary(old) or _is_binary(new):
        return None
    a, b = old.split(b"\n"), new.split(b"\n")
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    from collections import Counter

    before, after = Counter(a[head:len(a) - tail]), Counter(b[head:len(b) - tail])
    return sum((after - before).values()), sum((before - after).values())


def _streamed_lines(store: Any, digest: str | None) -> int | None:
    """The number of lines of a stored text, read in chunks; None when it is binary."""
    import codecs

    if digest is None:
        return 0
    decoder, lines, last, first = codecs.getincrementaldecoder("utf-8")(), 0, b"\n", True
    with store.open_verified(digest) as reader:
        for chunk in reader:
            if first and b"\0" in chunk[:BINARY_SNIFF_BYTES]:
                return None
            first = False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return None
            lines += chunk.count(b"\n")
            last = chunk[-1:] or last
    return lines + (0 if last == b"\n" else 1)


def line_counts(diff: FileDiff) -> tuple[int, int]:
    """(lines added, lines removed) of a file's diff, for `diff --stat`."""
    plus = sum(1 for line in diff.lines if line.kind == "+")
    minus = sum(1 for line in diff.lines if line.kind == "-")
    return plus, minus

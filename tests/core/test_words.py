"""Versions are named vN in every command's text (ids only in --json) (issue 18 §7)."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from core.cli.main import main

TEXT = "# pdf\n\nintro\n\n## use\nrun it\n\n## more\nend\n"


def run(home, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--home", str(home), *args])
    return code, out.getvalue()


def test_merge_continue_names_the_version_it_recorded_as_vn(tmp_path):
    up = tmp_path / "up" / "pdf"
    up.mkdir(parents=True)
    (up / "SKILL.md").write_text(TEXT)
    home = tmp_path / "home"
    run(home, "add", "pdf", "--source", str(up))
    run(home, "sync")
    (home / "collection" / "skills" / "pdf" / "SKILL.md").write_text(TEXT.replace("run it", "run it locally"))
    (up / "SKILL.md").write_text(TEXT.replace("run it", "run it upstream"))
    assert run(home, "sync", "pdf", "--strategy", "merge")[0] == 1
    code, out = run(home, "merge", "pdf")
    work = Path(out.splitlines()[0])
    (work / "SKILL.md").write_text(TEXT.replace("run it", "run it both ways"))
    code, out = run(home, "merge", "pdf", "--continue")
    assert code == 0, out
    assert re.search(r"\(v\d+\)\.$", out.strip()) and "#" not in out

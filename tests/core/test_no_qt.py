"""core/ must import without Qt: run every core module in a fresh interpreter that blocks PySide6."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_without_qt():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts[1:]).removesuffix(".__init__")
        for p in (ROOT / "core").rglob("*.py")
        if "migrations" not in p.parts and p != ROOT / "core" / "__init__.py"
    )
    assert "content.hashing" in modules and "sync" in modules
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
        "            raise ImportError('Qt is blocked in core')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module('core.' + m)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"

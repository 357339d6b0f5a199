"""The shape of the code, checked: what docs/architecture.md promises about imports.

- no module imports a leading-underscore name from another module;
- core's packages import each other in one direction only (no circle between packages,
  none between modules either), and the order is the documented one;
- gui's modules import each other without circles, and core never imports gui.
Imports inside functions count too: a lazy import is still a dependency.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lower layers first; a package may import only from packages at its own level or below.
CORE_LAYERS = [
    {"errors", "cancel", "fsio", "textsafe", "version"},
    {"content"},
    {"store", "atomic"},
    {"upstreams", "diff"},
    {"history"},
    {"merge", "ancestry"},
    {"workspace"},
    {"sync", "projects"},
    {"demo", "desktop", "cli", "live"},
]

# The window's packages, lower first (docs/architecture.md); the shell wires everything together.
GUI_LAYERS = [
    {"workers", "hotkeys", "style"},
    {"graph", "compare"},
    {"artifacts", "projects", "sync"},
    {"shell"},
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = module_name(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = own.split(".")[: -node.level] if not path.name == "__init__.py" else own.split(".")[: len(own.split(".")) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


def sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def known_modules() -> set[str]:
    return {module_name(p) for folder in ("core", "gui") for p in sources(folder)}


def resolve(name: str, taken: list[str], modules: set[str]) -> list[str]:
    """The project modules an import statement depends on (`from core import sync` is core.sync)."""
    out = []
    for n in taken:
        if f"{name}.{n}" in modules:
            out.append(f"{name}.{n}")
    if name in modules and (len(out) < len(taken) or not taken):  # `import a.b` depends on a.b
        out.append(name)
    return out


def test_no_private_name_crosses_a_module_border():
    modules = known_modules()
    offences = []
    for folder in ("core", "gui"):
        for path in sources(folder):
            for name, taken, line in imports_of(path):
                if name in modules and name != module_name(path):
                    offences += [f"{path.relative_to(ROOT)}:{line} takes {n} from {name}"
                                 for n in taken if n.startswith("_") and not f"{name}.{n}" in modules]
    assert offences == []


def module_graph(folder: str) -> nx.DiGraph:
    modules = known_modules()
    graph = nx.DiGraph()
    for path in sources(folder):
        me = module_name(path)
        graph.add_node(me)
        for name, taken, _line in imports_of(path):
            for dep in resolve(name, taken, modules):
                # A package's __init__ re-exporting its own modules is not a dependency circle.
                if dep != me and not me.startswith(dep + ".") and not dep.startswith(me + "."):
                    graph.add_edge(me, dep)
    return graph


@pytest.mark.parametrize("folder", ["core", "gui"])
def test_no_import_circles_between_modules(folder):
    graph = module_graph(folder)
    assert graph.number_of_nodes() > 10
    assert sorted(nx.simple_cycles(graph)) == []


def package_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else module


@pytest.mark.parametrize("folder, layers", [("core", CORE_LAYERS), ("gui", GUI_LAYERS)])
def test_packages_import_downwards_only(folder, layers):
    level = {pkg: i for i, layer in enumerate(layers) for pkg in layer}
    graph = module_graph(folder)
    unknown = sorted({package_of(m) for m in graph if m.startswith(folder + ".")} - set(level))
    assert unknown == [], f"add new {folder} packages to its layer list here (and docs/architecture.md)"
    upward = sorted(
        f"{a} -> {b}" for a, b in graph.edges
        if a.startswith(folder + ".") and b.startswith(folder + ".") and level[package_of(b)] > level[package_of(a)]
    )
    assert upward == []


def test_gui_modules_live_in_packages():
    """gui/ is grouped like core/: only the shortcut table and the workers stand at its top."""
    loose = sorted(p.name for p in (ROOT / "gui").glob("*.py") if p.name != "__init__.py")
    assert loose == ["hotkeys.py", "workers.py"]


def test_core_never_imports_gui():
    for path in sources("core"):
        for name, _taken, line in imports_of(path):
            assert not name.startswith("gui"), f"{path.relative_to(ROOT)}:{line}"

"""The package layout holds: imports point one way down the pipeline, no cycles, OR-Tools in one package
(matplotlib, pyogrio and rasterio in theirs).

Every module's imports are read with ``ast`` — at module level and inside functions — and resolved to
planner modules. docs/architecture.md explains the layers; this table is the rule it describes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "planner"

LAYERS = ("core", "model", "solve", "layout", "costs", "planning", "missions", "render", "io", "batch", "api", "cli")
"""Packages (and the top-level ``api`` module) in order: each may import only itself and those before it."""

LAZY_OK = ("cli",)
"""Packages whose commands import inside functions by design, so ``planner --help`` stays instant."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _layer(module: str) -> int | None:
    """Rank of a planner module in :data:`LAYERS`; None for the package root and ``__main__``."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] == "__main__":
        return None
    return LAYERS.index(parts[1])


def _resolve(module: str, names: list[str]) -> list[str]:
    """The planner modules an import names: ``from planner.x import y`` is ``planner.x.y`` when that is a
    module, else ``planner.x``."""
    out = []
    for name in names:
        sub = f"{module}.{name}"
        out.append(sub if sub in MODULES else module)
    return sorted(set(out))


def _imports(path: Path) -> list[tuple[str, int, bool, bool]]:
    """(planner module imported, line, inside a function, a comment on the line or above its block of imports)."""
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            nested.update(id(n) for n in ast.walk(node) if n is not node)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = _resolve(node.module, [a.name for a in node.names]) if node.module.startswith("planner") else []
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.startswith("planner")]
        else:
            continue
        k = node.lineno - 1  # the comment may head a block of imports
        while k > 0 and lines[k - 1].strip().startswith(("from ", "import ")):
            k -= 1
        commented = "#" in lines[node.lineno - 1] or (k > 0 and lines[k - 1].strip().startswith("#"))
        out.extend((t, node.lineno, id(node) in nested, commented) for t in targets if t.split(".")[0] == "planner")
    return out


EDGES = {name: _imports(path) for name, path in MODULES.items()}


def test_every_package_is_a_known_layer():
    packages = {name.split(".")[1] for name in MODULES if name.count(".") >= 1}
    assert packages - {"__main__"} <= set(LAYERS), "a new package needs a place in LAYERS and docs/architecture.md"


def test_imports_point_down_the_pipeline():
    upward = []
    for module, edges in EDGES.items():
        own = _layer(module)
        for target, line, _, _ in edges:
            theirs = _layer(target)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{MODULES[module].relative_to(ROOT.parent)}:{line}: {module} imports {target}")
    assert not upward, "imports pointing up the layers:\n" + "\n".join(upward)


def test_no_import_cycles_even_through_function_level_imports():
    graph = {m: sorted({t for t, *_ in edges if t in MODULES and t != m}) for m, edges in EDGES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_function_level_imports_say_why():
    silent = []
    for module, edges in EDGES.items():
        if module.split(".")[1:2] and module.split(".")[1] in LAZY_OK:
            continue
        for target, line, nested, commented in edges:
            if nested and not commented:
                silent.append(f"{MODULES[module].relative_to(ROOT.parent)}:{line}: imports {target}")
    assert not silent, "imports inside functions without a comment saying why (lazy for speed is fine):\n" + \
        "\n".join(silent)


def _third_party(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
    return out


@pytest.mark.parametrize(("library", "home"), [("ortools", "solve"), ("numba", "solve"), ("matplotlib", "render"),
                                               ("pyogrio", "io"), ("rasterio", "io")])
def test_heavy_libraries_live_in_one_package(library: str, home: str):
    users = [name for name, path in MODULES.items() if library in _third_party(path)]
    assert users and all(name.split(".")[1] == home for name in users), users


def test_no_module_is_over_about_500_lines():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > 520}
    assert not long, long

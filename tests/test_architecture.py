"""The tree shows the architecture: no import cycles, and the edges reach the core only through the engine."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the shared import-cycle tool lives in shared/ beside the checkout, or further up for a worktree
TOOL = next(
    (
        p / "shared" / "tools" / "import_cycles.py"
        for p in ROOT.parents
        if (p / "shared" / "tools" / "import_cycles.py").exists()
    ),
    None,
)
PKG = ROOT / "planengine"


def _imports(path: Path) -> set:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _cycles() -> list:
    """Strongly connected modules of planengine, function-level imports included (Tarjan)."""
    mods = {}
    for path in PKG.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    graph = {}
    for mod, path in mods.items():
        edges = set()
        for name in _imports(path):
            while name and name not in mods:
                name = name.rpartition(".")[0]
            if name and name != mod:
                edges.add(name)
        graph[mod] = edges
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_in_planengine():
    assert _cycles() == []


def test_the_shared_import_cycle_tool_finds_none():
    if TOOL is None:
        pytest.skip("shared/tools/import_cycles.py is not beside this checkout")
    out = subprocess.run([sys.executable, str(TOOL), "planengine"], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout == "" and out.returncode == 0


def test_edges_use_the_core_only_through_the_engine():
    """cli/, notifiers/ (and later web/, report/) never import the store, and never fold events themselves."""
    offenders = []
    for edge in ("cli", "notifiers", "web", "report"):
        for path in (PKG / edge).rglob("*.py") if (PKG / edge).exists() else ():
            for name in _imports(path):
                if name.startswith("planengine.core.store") or name.endswith(".fold"):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_only_the_engine_imports_the_store():
    offenders = [
        f"{path.relative_to(ROOT)}"
        for path in PKG.rglob("*.py")
        if "core/store" not in path.as_posix()
        and path.name != "engine.py"
        and any(n.startswith("planengine.core.store") for n in _imports(path))
    ]
    assert offenders == []

"""The package layout keeps its promises: no import circles anywhere in sim/, optimize/
and planlab/ (deferred imports inside functions count too), and no private name
(``_x``) is imported from, or reached into, another module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "optimize", "planlab")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(module: str) -> list[tuple[str, ast.AST]]:
    """Every project module ``module`` imports (anywhere in the file), with the node."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node) for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for a in node.names:
                sub = f"{source}.{a.name}"
                if sub in MODULES:
                    out.append((sub, node))
                elif source in MODULES:
                    out.append((source, node))
    return out


def _graph() -> dict[str, set[str]]:
    return {m: {t for t, _ in _imports(m) if t != m} for m in MODULES}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of the graph, or None (depth-first search, three colours)."""
    colour = dict.fromkeys(graph, 0)
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        colour[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if colour[t] == 1:
                return [*stack[stack.index(t) :], t]
            if colour[t] == 0 and (found := visit(t)):
                return found
        stack.pop()
        colour[m] = 2
        return None

    for m in sorted(graph):
        if colour[m] == 0 and (found := visit(m)):
            return found
    return None


def test_the_cycle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_modules_are_found():
    assert {"sim.metrics", "optimize.run", "planlab.cli", "planlab.kit.html"} <= set(MODULES)


#: Edges still awaiting the engines' single chunk loop (sim/run.py and sim/pipeline/ are
#: being rebuilt separately); listed so no new circle can hide behind them. A listed edge
#: that disappears fails the test, so the list only shrinks.
KNOWN_ENGINE_EDGES: set[tuple[str, str]] = set()
KNOWN_PRIVATE: set[tuple[str, str]] = set()


def test_no_import_circles():
    graph = _graph()
    for a, b in KNOWN_ENGINE_EDGES:
        assert b in graph[a], f"{a} no longer imports {b}: drop it from KNOWN_ENGINE_EDGES"
        graph[a].discard(b)
    circle = _cycle(graph)
    assert circle is None, "import circle: " + " -> ".join(circle or [])


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_names_across_modules(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for a in node.names:
                if f"{source}.{a.name}" in MODULES:
                    aliases.add(a.asname or a.name)
                elif source.split(".")[0] in PACKAGES and (module, a.name) not in KNOWN_PRIVATE:
                    assert not _private(a.name), f"{module} imports {a.name} from {source}"
        elif isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name in MODULES}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            assert not _private(node.attr), f"{module} uses {node.value.id}.{node.attr}"


def test_each_command_has_its_folder():
    commands = ("simulate", "compare", "sweep", "optimize", "review", "calibrate", "schema")
    for command in commands:
        assert f"planlab.{command}.command" in MODULES
    top = {m for m in MODULES if m.startswith("planlab.") and m.count(".") == 1}
    assert top == {
        "planlab.cli",
        "planlab.__main__",
        "planlab.kit",
        *(f"planlab.{c}" for c in commands),
    }

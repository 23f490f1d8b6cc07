"""The import graph of bot/, adapters/ and state/, read from the source, for the
architecture tests.

Every ``import`` counts, also inside functions, relative imports resolved, so a
rule holds for what a module could load at any point, not only for what it
loads at import time.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "adapters", "state")

__all__ = ["GRAPH", "ROOT", "crossings", "loads", "module_name", "own", "within"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every name ``path`` imports, relative imports made absolute; for ``from m
    import x`` both ``m`` and ``m.x`` (x may be a submodule)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    names.discard("__future__")
    return {name for name in names if not name.startswith("__future__.")}


GRAPH: dict[str, set[str]] = {
    module_name(path): imported_names(path)
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
}


def own(name: str) -> str | None:
    """The project module ``name`` refers to (``state.model.Event`` -> ``state.model``)."""
    while name not in GRAPH and "." in name:
        name = name.rpartition(".")[0]
    return name if name in GRAPH else None


def loads(module: str) -> set[str]:
    """The project modules importing ``module`` runs: those it imports and their
    enclosing packages, transitively, itself included."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        parts = current.split(".")
        todo.extend(
            ".".join(parts[:n]) for n in range(1, len(parts)) if ".".join(parts[:n]) in GRAPH
        )
        todo.extend(found for name in GRAPH[current] if (found := own(name)) is not None)
    return seen


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def crossings(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module in GRAPH
        if within(module, importers)
        for name in GRAPH[module]
        if within(name, forbidden)
    )

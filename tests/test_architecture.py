"""Import rules that keep state/ pure and free of the outside world."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import state

STATE_DIR = Path(state.__file__).parent
MODULES = sorted(STATE_DIR.glob("*.py"))
IO_LIBRARIES = {
    "aiohttp",
    "slack_sdk",
    "slack_bolt",
    "lxml",
    "sqlite_utils",
    "sqlite3",
    "apscheduler",
    "asyncpg",
}


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imported(path)}


def test_the_store_modules_exist() -> None:
    assert {p.name for p in MODULES} >= {"lifecycle.py", "model.py", "store.py"}


@pytest.mark.parametrize(
    "path", [p for p in MODULES if not p.name.startswith("store")], ids=lambda p: p.name
)
def test_pure_state_modules_import_no_io_library(path: Path) -> None:
    assert _roots(path).isdisjoint(IO_LIBRARIES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_state_imports_nothing_from_bot_or_adapters(path: Path) -> None:
    assert _roots(path).isdisjoint({"bot", "adapters"})


def test_only_the_postgresql_store_and_the_lease_import_asyncpg() -> None:
    root = STATE_DIR.parent
    importers = {
        path.relative_to(root).as_posix()
        for package in ("bot", "adapters", "state")
        for path in (root / package).rglob("*.py")
        if "asyncpg" in _roots(path)
    }
    assert importers
    allowed = ("state/pg/", "state/store_lease.py")
    assert all(name.startswith(allowed) for name in importers), importers


_ENVIRONMENT = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def test_only_the_settings_read_the_environment() -> None:
    """``os.environ`` and ``os.getenv`` appear in bot/config.py alone."""
    root = STATE_DIR.parent
    readers = []
    for folder in ("bot", "adapters", "state"):
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                via_os = (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "os"
                    and node.attr in _ENVIRONMENT
                )
                imported = isinstance(node, ast.ImportFrom) and (
                    node.module == "os" and any(a.name in _ENVIRONMENT for a in node.names)
                )
                if via_os or imported:
                    readers.append(str(path.relative_to(root)))
    assert set(readers) <= {"bot/config.py"}, sorted(set(readers))

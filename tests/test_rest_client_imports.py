"""The REST client stands apart from the simulator it is tested against (a
shared misreading would pass on both sides) and from bot/ and state/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from adapters.webex.rest import client

PACKAGE = Path(client.__file__).parent
MODULES = [*sorted(PACKAGE.glob("*.py")), PACKAGE.parent / "webhook.py"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add("." * node.level + node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_client_modules_import_no_simulator_and_no_core(path: Path) -> None:
    for name in _imports(path):
        assert "simulator" not in name, name
        assert name.split(".")[0] not in ("bot", "state"), name
        if name.startswith("adapters"):
            assert name == "adapters.errors", name


@pytest.mark.parametrize("name", ["webhook.py"])
def test_the_webhook_module_does_no_io(name: str) -> None:
    assert _imports(PACKAGE.parent / name).isdisjoint({"aiohttp", "asyncio", "socket"})

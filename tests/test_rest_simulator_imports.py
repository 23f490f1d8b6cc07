"""The REST simulator stands apart: it imports no REST client code (a shared
misreading would pass on both sides), nothing of bot/ or state/, and exports
what it means to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from adapters.webex.rest import simulator

PACKAGE = Path(simulator.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
ALLOWED = {
    "adapters.serving",
    "adapters.webex.simulator.xml.clock",
    "adapters.webex.simulator.xml.control",
}


def _absolute_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            names.add(f"<relative beyond the package: level {node.level}>")
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_simulator_modules_import_no_client_and_no_core(path: Path) -> None:
    for name in _absolute_imports(path):
        root = name.split(".")[0]
        assert root not in ("bot", "state"), name
        if root == "adapters":
            # Only the XML simulator's clock and control-surface plumbing, and
            # serving on a port, are borrowed: machinery, not protocol code.
            assert name in ALLOWED, name
        assert not name.startswith("<relative"), name


def test_the_package_exports_what_it_documents() -> None:
    assert sorted(simulator.__all__) == [
        "ADMIN_SCOPES",
        "API_ROOT",
        "Event",
        "Fault",
        "Faults",
        "Grant",
        "Instance",
        "Occurrence",
        "Participant",
        "Person",
        "RecordedCall",
        "RestSite",
        "Series",
        "Tokens",
        "USER_SCOPES",
        "create_app",
        "example_org",
    ]
    for name in simulator.__all__:
        assert hasattr(simulator, name), name

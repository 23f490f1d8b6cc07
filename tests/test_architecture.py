"""Import rules: the rules stay pure, each adapter stands alone, a simulator never
borrows its client's code (tests/import_graph.py reads the graph; the rules of
bot/ are in tests/test_architecture_bot.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import state
from tests.import_graph import GRAPH, crossings, loads, own, within

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


def test_the_graph_sees_the_whole_tree() -> None:
    assert {"state.lifecycle", "adapters.webex.port", "bot.runtime"} <= GRAPH.keys()
    assert "state.model" in loads("state.lifecycle")


# The rules are pure -------------------------------------------------------------

#: Standard-library modules that compute and do not reach files, sockets,
#: processes, the clock's sleep or the logs.
PURE_STDLIB = (
    "abc",
    "bisect",
    "collections",
    "dataclasses",
    "datetime",
    "difflib",
    "enum",
    "functools",
    "hashlib",
    "heapq",
    "hmac",
    "itertools",
    "json",
    "math",
    "operator",
    "re",
    "string",
    "types",
    "typing",
    "unicodedata",
    "urllib.parse",
    "zoneinfo",
)
#: The lifecycle rules, the model they read and write, and the other modules
#: the README calls pure.
PURE = [
    "state.lifecycle",
    "state.model",
    "state.fanout",
    "state.poll_result",
    "state.legacy_zones",
    "bot.commands.grammar",
    "bot.commands.when",
    "bot.commands.replies",
    "bot.notify.render",
    "bot.notify.access",
    "bot.notify.quota",
    "bot.demo.steps",
    "bot.backoff",
    "bot.dotenv",
    "adapters.webex.rest.webhook",
]
#: Pure modules inside an adapter's package, whose ``__init__`` loads the
#: adapter's client: each imports nothing that does I/O itself.
PURE_IN_ADAPTERS = [
    "adapters.webex.xmlapi.batching",
    "adapters.webex.xmlapi.feed.budget",
    "adapters.webex.xmlapi.feed.observe",
    "adapters.webex.xmlapi.feed.plan",
    "adapters.webex.rest.feed.hooks",
    "adapters.webex.rest.feed.observe",
    "adapters.slack.mrkdwn",
    "adapters.console.render",
]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_load_nothing_that_does_io(module: str) -> None:
    """Everything a pure module loads, transitively, imports only computing parts
    of the standard library: no I/O library, no asyncio, no logging, no os."""
    assert module in GRAPH, module
    outside = sorted(
        f"{loaded} imports {name}"
        for loaded in loads(module)
        for name in GRAPH[loaded]
        if own(name) is None and not within(name, PURE_STDLIB)
    )
    assert outside == []


@pytest.mark.parametrize("module", PURE_IN_ADAPTERS)
def test_pure_modules_of_adapters_import_nothing_that_does_io(module: str) -> None:
    assert module in GRAPH, module
    outside = sorted(n for n in GRAPH[module] if own(n) is None and not within(n, PURE_STDLIB))
    assert outside == []


def test_the_rules_load_nothing_but_the_model() -> None:
    assert loads("state.lifecycle") <= {"state", "state.lifecycle", "state.model"}


# Each adapter stands alone --------------------------------------------------------

#: The outside systems, one folder each. What they share is the ports:
#: ``adapters.chat`` (ChatPort and the card values), ``adapters.errors``, and
#: the core's model in state/.
ADAPTERS = ("adapters.webex", "adapters.slack", "adapters.console")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_an_adapter_imports_no_other_adapter(adapter: str) -> None:
    others = tuple(other for other in ADAPTERS if other != adapter)
    assert crossings((adapter,), others) == []


def test_adapters_import_nothing_of_the_application() -> None:
    assert crossings(("adapters",), ("bot",)) == []


def test_the_shared_ports_belong_to_no_adapter() -> None:
    """adapters/chat.py, adapters/errors.py and adapters/serving.py are what every
    side may import, so they import no adapter themselves."""
    shared = ("adapters.chat", "adapters.errors", "adapters.serving")
    assert crossings(shared, (*ADAPTERS, "bot")) == []


def test_the_state_imports_no_adapter_and_no_application() -> None:
    assert crossings(("state",), ("adapters", "bot")) == []


def _webex_client(name: str, backend: str) -> bool:
    """Whether ``name`` is code of the ``backend`` client (its simulator aside)."""
    return within(name, (backend,)) and ".simulator" not in name[len(backend) :]


WEBEX_BACKENDS = ("adapters.webex.xmlapi", "adapters.webex.rest")


@pytest.mark.parametrize("backend", WEBEX_BACKENDS)
def test_a_webex_client_imports_no_other_backend(backend: str) -> None:
    other = next(b for b in WEBEX_BACKENDS if b != backend)
    crossings = sorted(
        f"{module} imports {name}"
        for module in GRAPH
        if _webex_client(module, backend)
        for name in GRAPH[module]
        if within(name, (other,))
    )
    assert crossings == []


def test_no_simulator_imports_a_client() -> None:
    """A simulator is written from the protocol, never from the client: shared
    code would let one misreading pass on both sides."""
    crossings = sorted(
        f"{module} imports {name}"
        for module in GRAPH
        if ".simulator" in module
        for name in GRAPH[module]
        if any(_webex_client(name, backend) for backend in WEBEX_BACKENDS)
    )
    assert crossings == []


def test_the_webex_port_names_no_backend() -> None:
    """The port and its values are what every backend implements and the core
    reads: they import no backend (XML, REST, a simulator) themselves."""
    neutral = ("adapters.webex.port", "adapters.webex.models")
    backends = ("adapters.webex.xmlapi", "adapters.webex.rest", "adapters.webex.simulator")
    assert crossings(neutral, backends) == []


def test_the_in_memory_webex_loads_no_network_library() -> None:
    loaded = loads("adapters.webex.memory")
    libraries = {name.split(".")[0] for module in loaded for name in GRAPH[module]}
    assert libraries.isdisjoint(IO_LIBRARIES | {"socket", "ssl", "http", "asyncio"})

"""Import rules: the rules stay pure, each adapter stands alone, and the
application depends on the outside world only through its ports.

The import graph is read from the source (every ``import``, also inside
functions, relative imports resolved), so a rule holds for what a module
could load at any point, not only for what it loads at import time."""

from __future__ import annotations

import ast
import re
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


# The import graph of bot/, adapters/ and state/ --------------------------------

PACKAGES = ("bot", "adapters", "state")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(STATE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_names(path: Path) -> set[str]:
    """Every name ``path`` imports, relative imports made absolute; for ``from m
    import x`` both ``m`` and ``m.x`` (x may be a submodule)."""
    module = _module_name(path)
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
    _module_name(path): _imported_names(path)
    for package in PACKAGES
    for path in sorted((STATE_DIR.parent / package).rglob("*.py"))
}


def _own(name: str) -> str | None:
    """The project module ``name`` refers to (``state.model.Event`` -> ``state.model``)."""
    while name not in GRAPH and "." in name:
        name = name.rpartition(".")[0]
    return name if name in GRAPH else None


def _loads(module: str) -> set[str]:
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
        todo.extend(own for name in GRAPH[current] if (own := _own(name)) is not None)
    return seen


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_the_graph_sees_the_whole_tree() -> None:
    assert {"state.lifecycle", "adapters.webex.port", "bot.runtime"} <= GRAPH.keys()
    assert "state.model" in _loads("state.lifecycle")


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
    "heapq",
    "itertools",
    "math",
    "operator",
    "re",
    "string",
    "types",
    "typing",
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
    "bot.commands.grammar",
    "bot.commands.when",
    "bot.notify.render",
    "bot.backoff",
]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_load_nothing_that_does_io(module: str) -> None:
    """Everything a pure module loads, transitively, imports only computing parts
    of the standard library: no I/O library, no asyncio, no logging, no os."""
    assert module in GRAPH, module
    outside = sorted(
        f"{loaded} imports {name}"
        for loaded in _loads(module)
        for name in GRAPH[loaded]
        if _own(name) is None and not _within(name, PURE_STDLIB)
    )
    assert outside == []


def test_the_rules_load_nothing_but_the_model() -> None:
    assert _loads("state.lifecycle") <= {"state", "state.lifecycle", "state.model"}


# Each adapter stands alone --------------------------------------------------------

#: The outside systems, one folder each. What they share is the ports:
#: ``adapters.chat`` (ChatPort and the card values), ``adapters.errors``, and
#: the core's model in state/.
ADAPTERS = ("adapters.webex", "adapters.slack", "adapters.console")


def _crossings(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module in GRAPH
        if _within(module, importers)
        for name in GRAPH[module]
        if _within(name, forbidden)
    )


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_an_adapter_imports_no_other_adapter(adapter: str) -> None:
    others = tuple(other for other in ADAPTERS if other != adapter)
    assert _crossings((adapter,), others) == []


def test_adapters_import_nothing_of_the_application() -> None:
    assert _crossings(("adapters",), ("bot",)) == []


def test_the_shared_ports_belong_to_no_adapter() -> None:
    """adapters/chat.py, adapters/errors.py and adapters/serving.py are what every
    side may import, so they import no adapter themselves."""
    shared = ("adapters.chat", "adapters.errors", "adapters.serving")
    assert _crossings(shared, (*ADAPTERS, "bot")) == []


def test_the_state_imports_no_adapter_and_no_application() -> None:
    assert _crossings(("state",), ("adapters", "bot")) == []


def _webex_client(name: str, backend: str) -> bool:
    """Whether ``name`` is code of the ``backend`` client (its simulator aside)."""
    return _within(name, (backend,)) and ".simulator" not in name[len(backend) :]


WEBEX_BACKENDS = ("adapters.webex.xmlapi", "adapters.webex.rest")


@pytest.mark.parametrize("backend", WEBEX_BACKENDS)
def test_a_webex_client_imports_no_other_backend(backend: str) -> None:
    other = next(b for b in WEBEX_BACKENDS if b != backend)
    crossings = sorted(
        f"{module} imports {name}"
        for module in GRAPH
        if _webex_client(module, backend)
        for name in GRAPH[module]
        if _within(name, (other,))
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
    assert _crossings(neutral, backends) == []


# The application speaks to the chat through the chat port -------------------------

#: The parts of bot/ that know which chat and which Webex backend are on the
#: other side: the composition root, the checks it runs, the demo it wires, and
#: the inbound HTTP front end (Slack's endpoints).
FRONT = ("bot.__main__", "bot.runtime", "bot.check", "bot.demo", "bot.serve")


def _core_crossings(forbidden: tuple[str, ...]) -> list[str]:
    return [
        crossing
        for crossing in _crossings(("bot",), forbidden)
        if not _within(crossing.split(" ")[0], FRONT)
    ]


def test_bot_formats_no_slack_mrkdwn() -> None:
    """Replies and cards leave bot/ as chat-neutral values: adapters/slack renders
    them as mrkdwn and Block Kit, adapters/console as plain text."""
    assert _core_crossings(("adapters.slack.mrkdwn",)) == []


def test_only_the_front_end_knows_which_chat_is_there() -> None:
    assert _core_crossings(("adapters.slack", "adapters.console")) == []


#: Slack's own markup: dates, mentions, channel pings and ``<url|label>`` links.
_MRKDWN = re.compile(r"<(?:!date\^|!channel|!here|!everyone|@[UW{]|#[C{])|<(?:https?://|\{\})\S*\|")


def _strings(tree: ast.AST) -> list[str]:
    """Every string literal but docstrings; an f-string with ``{}`` for each field."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append(
                "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
            )
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            found.append(node.value)
    return found


def test_bot_writes_no_mrkdwn_markup_either() -> None:
    root = STATE_DIR.parent
    markup = sorted(
        f"{_module_name(path)}: {text!r}"
        for path in (root / "bot").rglob("*.py")
        if not _within(_module_name(path), FRONT)
        for text in _strings(ast.parse(path.read_text(encoding="utf-8")))
        if _MRKDWN.search(text)
    )
    assert markup == []


@pytest.mark.parametrize(
    "text",
    ["<!date^{}^{date_short}|{}>", "<@{}>", "<!channel>", "<https://x.test/j|join>", "<{}|{}>"],
)
def test_the_markup_check_sees_slack_markup(text: str) -> None:
    assert _MRKDWN.search(text)


@pytest.mark.parametrize("text", ["a < b", "<html>", "x | y", "Join: https://x.test/j"])
def test_the_markup_check_passes_plain_text(text: str) -> None:
    assert not _MRKDWN.search(text)


def test_the_in_memory_webex_loads_no_network_library() -> None:
    loaded = _loads("adapters.webex.memory")
    libraries = {name.split(".")[0] for module in loaded for name in GRAPH[module]}
    assert libraries.isdisjoint(IO_LIBRARIES | {"socket", "ssl", "http", "asyncio"})

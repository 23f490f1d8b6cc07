"""The watcher's modules: APScheduler stays behind bot/watch/schedule.py, the pure
modules do no I/O, and each module exports what it means to."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = [
    "bot/notify/render.py",
    "adapters/webex/xmlapi/feed/budget.py",
    "bot/backoff.py",
    "adapters/webex/xmlapi/feed/plan.py",
    "adapters/webex/xmlapi/feed/observe.py",
]
IO = {"aiohttp", "lxml", "sqlite3", "sqlite_utils", "slack_sdk", "slack_bolt", "apscheduler"}


def _roots(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_schedule_module_imports_apscheduler() -> None:
    importers = sorted(
        str(p.relative_to(ROOT))
        for package in ("bot", "adapters", "state")
        for p in (ROOT / package).rglob("*.py")
        if "apscheduler" in _roots(p)
    )
    assert importers == ["bot/watch/schedule.py"]


@pytest.mark.parametrize("path", PURE)
def test_pure_modules_do_no_io(path: str) -> None:
    assert _roots(ROOT / path).isdisjoint(IO)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("bot.notify.render", {"render_card", "render_event", "render_host_dm"}),
        ("adapters.webex.xmlapi.feed.budget", {"SessionInfoBudget"}),
        ("bot.backoff", {"Backoff"}),
        ("bot.watch.schedule", {"JobSpec", "JobStats", "Scheduler"}),
        ("bot.watch.watcher", {"WatchSettings", "Watcher"}),
        ("bot.notify.dispatcher", {"Dispatcher", "card_delivery_key"}),
        ("bot.watch.service", {"WatchService"}),
    ],
)
def test_exports(module: str, names: set[str]) -> None:
    mod = importlib.import_module(module)
    assert names <= set(mod.__all__)
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"

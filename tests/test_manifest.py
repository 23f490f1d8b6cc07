"""manifest.yaml, read as Slack reads it, declares what the code relies on: the
scopes of adapters/slack/scopes.py, the command, the events and the App Home."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.slack.scopes import METHOD_SCOPES, REQUIRED_SCOPES
from bot.commands.grammar import COMMAND_NAMES, USAGE
from bot.serve.slack_app import COMMAND
from bot.serve.web import EVENTS_PATH

ROOT = Path(__file__).resolve().parent.parent
MANIFEST: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
#: A Web API call in the adapter: ``client.chat_postMessage(`` is chat.postMessage
#: (also when handed on, as in ``partial(self._client.conversations_history, ...``).
_CALL = re.compile(
    r"client\.((?:apps|auth|bots|chat|conversations|reactions|team|users|views)_[A-Za-z]+)[(,]"
)


def test_the_manifest_requests_exactly_the_scopes_of_the_table() -> None:
    requested = MANIFEST["oauth_config"]["scopes"]["bot"]
    assert len(requested) == len(set(requested)), "a scope is listed twice"
    assert set(requested) == REQUIRED_SCOPES


def test_group_dms_can_be_searched_after_a_crash() -> None:
    history = next(row for row in METHOD_SCOPES if row.method == "conversations.history")
    assert "mpim:history" in history.scopes
    assert "mpim:history" in MANIFEST["oauth_config"]["scopes"]["bot"]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "adapters" / "slack").glob("*.py")), ids=lambda p: p.name
)
def test_every_web_api_method_the_adapter_calls_has_a_row(path: Path) -> None:
    known = {row.method for row in METHOD_SCOPES}
    called = {m.replace("_", ".") for m in _CALL.findall(path.read_text(encoding="utf-8"))}
    assert called <= known, f"add {sorted(called - known)} to adapters/slack/scopes.py"


def test_the_scan_finds_the_adapters_calls() -> None:
    text = (ROOT / "adapters" / "slack" / "chat.py").read_text(encoding="utf-8")
    assert "conversations.history" in {m.replace("_", ".") for m in _CALL.findall(text)}


def test_the_readme_says_why_for_every_scope() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Setting up the Slack app", 1)[1].split("\n## ", 1)[0]
    for scope in REQUIRED_SCOPES:
        assert f"`{scope}`" in section, scope


def test_host_direct_messages_have_a_read_only_messages_tab() -> None:
    home = MANIFEST["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is True


def test_the_usage_hint_names_every_command() -> None:
    (slash,) = MANIFEST["features"]["slash_commands"]
    assert slash["command"] == COMMAND
    hint = slash["usage_hint"]
    for name in COMMAND_NAMES:
        assert re.search(rf"(^|\| ){name}\b", hint), name
    assert COMMAND in USAGE


def test_command_events_and_interactivity_reach_the_events_path() -> None:
    settings = MANIFEST["settings"]
    urls = [
        MANIFEST["features"]["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"]["is_enabled"] is True

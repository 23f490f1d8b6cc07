"""The /webex listener on its own: what it acknowledges and what it hands off."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings

from adapters.slack.client import NO_RETRIES, make_web_client
from adapters.slack.directory import SlackDirectory
from adapters.webex.memory import MemoryWebex
from bot.commands.actions import CommandActions
from bot.commands.grammar import CommandError, HelpCommand, parse
from bot.serve.slack_app import SlackHandlers
from state.store import Store, open_store
from tests.strategies import COMMAND_TEXTS

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def _run(text: str) -> tuple[MemoryWebex, list[str], list[str]]:
    webex = MemoryWebex(clock=lambda: NOW)
    handed_off: list[str] = []
    acks: list[str] = []

    async with await open_store("sqlite:///:memory:") as store:
        return await _handle(text, webex, store, handed_off, acks)


async def _handle(
    text: str, webex: MemoryWebex, store: Store, handed_off: list[str], acks: list[str]
) -> tuple[MemoryWebex, list[str], list[str]]:
    def spawn(work: Coroutine[Any, Any, None], *, name: str) -> bool:
        work.close()  # only whether work was handed off matters here
        handed_off.append(name)
        return True

    async def ack(text: str = "") -> None:
        acks.append(text)

    handlers = SlackHandlers(
        actions=CommandActions(webex=webex, store=store, clock=lambda: NOW),
        directory=SlackDirectory(
            make_web_client("xoxb-x", "http://127.0.0.1:9/", retries=NO_RETRIES)
        ),
        spawn=spawn,
    )
    await handlers.on_command(
        ack,
        {"text": text, "user_id": "U1", "channel_id": "C1", "response_url": "http://127.0.0.1:9/r"},
    )
    return webex, handed_off, acks


@settings(max_examples=150, deadline=None)
@given(COMMAND_TEXTS)
def test_any_text_is_acknowledged_once_and_invalid_text_reaches_nothing(text: str) -> None:
    webex, handed_off, acks = asyncio.run(_run(text))
    assert len(acks) == 1
    parsed = parse(text)
    if isinstance(parsed, CommandError | HelpCommand):
        assert handed_off == []
        assert webex.calls == []
        assert acks[0]
    else:
        assert len(handed_off) == 1

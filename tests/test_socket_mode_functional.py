"""Socket Mode against the fake Slack: a slash command arrives over the WebSocket,
is acknowledged there, and answered through its response_url."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.webex.memory import MemoryWebex
from bot.serve.socket_mode import connect_socket_mode
from bot.serve.tasks import TaskOwner
from state.store import Store
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.fakes.slack_bot import make_slack_app

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def _until_acknowledged(fake_slack: FakeSlack, webex: MemoryWebex, store: Store) -> None:
    """Connect the bot over Socket Mode; return once it acknowledged the first
    envelope and the work it handed off is done."""
    tasks = TaskOwner()
    app = make_slack_app(
        fake_slack,
        webex,
        store,
        clock=lambda: NOW,
        tasks=tasks,
        signing_secret="unused-in-socket-mode",
    )
    handler = await connect_socket_mode(app, "xapp-test")
    try:
        async with asyncio.timeout(5):
            await fake_slack.socket_acked.wait()
            await tasks.join()  # the listener hands off before it acknowledges
    finally:
        await handler.close_async()
        await tasks.close()


async def test_slash_command_over_socket_mode(fake_slack: FakeSlack, sqlite_store: Store) -> None:
    fake_slack.add_user("U1", name="Alice", email="alice@acme.test", tz="UTC")
    fake_slack.socket_envelopes.append(
        {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "team_id": TEAM_ID,
                "channel_id": "C1",
                "user_id": "U1",
                "command": "/webex",
                "text": "create Standup in 10m",
                "response_url": fake_slack.response_url("sm"),
            },
        }
    )
    webex = MemoryWebex(clock=lambda: NOW)
    await _until_acknowledged(fake_slack, webex, sqlite_store)
    assert fake_slack.socket_acks[0]["envelope_id"] == "env-1"
    assert len(webex.created) == 1
    kinds = [r["response_type"] for r in fake_slack.responses["sm"]]
    assert kinds == ["ephemeral", "in_channel"]


async def test_a_malformed_interactive_payload_over_socket_mode_is_refused_quietly(
    fake_slack: FakeSlack, sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    fake_slack.socket_envelopes.append(
        {
            "envelope_id": "env-2",
            "type": "interactive",
            "accepts_response_payload": False,
            "payload": {
                "type": "block_actions",
                "team": {"id": TEAM_ID},
                "user": {"id": "U1"},
                "api_app_id": "A1",
                "actions": [],  # bolt would raise IndexError matching on actions[0]
            },
        }
    )
    await _until_acknowledged(fake_slack, MemoryWebex(clock=lambda: NOW), sqlite_store)
    assert fake_slack.socket_acks[0]["envelope_id"] == "env-2"
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "block_actions without actions" in caplog.text

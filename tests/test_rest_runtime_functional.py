"""The REST service's core (bot/rest_runtime.py) against the REST simulator and
the fake Slack: a refused token stops watching after one log line."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from adapters.slack.chat import SlackChat
from adapters.slack.client import make_web_client
from bot.config import load_settings
from bot.health import Status
from bot.rest_runtime import build_rest_core
from state.clock import utc_now
from tests.fakes.slack_api import running_fake_slack
from tests.restsim import ADMIN, new_site, running

TOKEN = "runtime-rest-token-41d2"


async def test_a_refused_token_stops_watching_after_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    site = new_site()
    site.tokens.add(TOKEN, ADMIN, admin=True)
    site.tokens.expire(TOKEN)
    async with running(site) as api, running_fake_slack() as slack, AsyncExitStack() as stack:
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-runtime",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": slack.api_url,
                "WEBEX_API": "rest",
                "WEBEX_REST_URL": api.base,
                "WEBEX_ACCESS_TOKEN": TOKEN,
                "DATABASE_URL": f"sqlite:///{tmp_path}/m.db",
                "POLL_INTERVAL_SECONDS": "1",
                "DISCOVERY_INTERVAL_SECONDS": "1",
            },
            env_file=None,
        )
        chat = SlackChat(make_web_client(settings.slack_bot_token, settings.slack_api_url))
        core = await build_rest_core(stack, settings=settings, chat=chat, clock=utc_now)
        async with core:
            for _ in range(200):
                if core.scheduler.stats["sweep_live"].runs >= 3:
                    break
                await asyncio.sleep(0.05)
            assert core.scheduler.stats["sweep_live"].runs >= 3
            webex = core.health.component("webex")
    refused = [r for r in caplog.records if "refused the REST credentials" in r.getMessage()]
    assert len(refused) == 1
    assert TOKEN not in caplog.text
    assert webex is not None and webex.status is Status.FAILING
    assert "credentials refused" in webex.detail
    # No storm: after the refusal no job asked Webex again.
    asked = [c.path for c in site.calls if c.path != "/v1/people/me"]
    assert len(asked) <= 3, asked

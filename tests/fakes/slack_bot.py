"""The bot's Slack side, assembled as in production, served on loopback, and a
way to send it requests signed exactly as Slack signs them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import urlencode

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier

from adapters.slack.client import NO_RETRIES, make_web_client
from adapters.slack.directory import SlackDirectory
from adapters.webex.port import WebexSource
from bot.actions import CommandActions
from bot.config import load_settings
from bot.slack_app import SlackHandlers, create_slack_app
from bot.tasks import TaskOwner
from bot.web import create_web_app
from state.store import Store
from tests.fakes.slack_api import FakeSlack

SECRET = "test-signing-secret"

W = TypeVar("W", bound=WebexSource)


@dataclass
class SlackBot(Generic[W]):
    http: TestClient[web.Request, web.Application]
    slack: FakeSlack
    webex: W
    store: Store
    tasks: TaskOwner
    healthy: list[bool]

    async def post(
        self,
        body: str,
        *,
        timestamp: int | None = None,
        secret: str = SECRET,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> ClientResponse:
        """POST ``body`` to /slack/events with Slack's signature headers."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        assert signature is not None
        response = await self.http.post(
            "/slack/events",
            data=body.encode(),
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
            },
        )
        await response.read()
        return response

    async def command(
        self, text: str, *, user: str = "UALICE", timestamp: int | None = None, secret: str = SECRET
    ) -> ClientResponse:
        """Send ``/webex <text>`` from ``user`` in channel C1; answers go to response
        URL "r1" of the fake."""
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T0001",
                "channel_id": "C1",
                "user_id": user,
                "command": "/webex",
                "text": text,
                "response_url": self.slack.response_url("r1"),
                "trigger_id": "1.2.3",
            }
        )
        return await self.post(body, timestamp=timestamp, secret=secret)

    def answers(self, name: str = "r1") -> list[tuple[str, str]]:
        """(response_type, text) of everything posted to response URL ``name``."""
        return [(r["response_type"], r["text"]) for r in self.slack.responses.get(name, [])]


@asynccontextmanager
async def running_bot(
    slack: FakeSlack, webex: W, store: Store, *, clock: Callable[[], datetime]
) -> AsyncIterator[SlackBot[W]]:
    """The web app with bolt, handlers and actions, talking to ``slack`` and ``webex``."""
    settings = load_settings({"PORT": "3000"}, env_file=None)
    client = make_web_client("xoxb-test", slack.api_url, retries=NO_RETRIES)
    tasks = TaskOwner()
    handlers = SlackHandlers(
        actions=CommandActions(webex=webex, store=store, clock=clock),
        directory=SlackDirectory(client),
        spawn=tasks.spawn,
    )
    healthy = [True]
    app = create_web_app(
        settings,
        create_slack_app(client=client, signing_secret=SECRET, handlers=handlers),
        lambda: healthy[0],
    )
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as http:
        try:
            yield SlackBot(http, slack, webex, store, tasks, healthy)
        finally:
            await tasks.close()

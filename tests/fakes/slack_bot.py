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
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from adapters.slack.client import NO_RETRIES, make_web_client
from adapters.slack.directory import SlackDirectory
from adapters.webex.port import WebexMeetings
from bot.commands.actions import CommandActions
from bot.config import load_settings
from bot.serve.slack_app import SlackHandlers, create_slack_app
from bot.serve.slack_ingress import SlackEndpoint
from bot.serve.tasks import TaskOwner
from bot.serve.web import create_web_app
from state.store import Store
from tests.fakes.slack_api import TEAM_ID, FakeSlack

SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"

W = TypeVar("W", bound=WebexMeetings)


def signed_headers(
    body: str, secret: str, *, timestamp: int | None = None, content_type: str = FORM
) -> dict[str, str]:
    """The headers Slack sends with ``body``: its timestamp (now unless given) and
    the v0 signature of both with ``secret``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def command_body(text: str, *, response_url: str, user: str = "UALICE") -> str:
    """The form body of ``/webex <text>`` sent by ``user`` in channel C1."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "channel_id": "C1",
            "user_id": user,
            "command": "/webex",
            "text": text,
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def make_slack_app(
    slack: FakeSlack,
    webex: WebexMeetings,
    store: Store,
    *,
    clock: Callable[[], datetime],
    tasks: TaskOwner,
    signing_secret: str = SECRET,
) -> AsyncApp:
    """Bolt with the bot's handlers and actions, wired as in production, talking
    to ``slack`` and ``webex``; the handlers hand their work to ``tasks``."""
    client = make_web_client("xoxb-test", slack.api_url, retries=NO_RETRIES)
    handlers = SlackHandlers(
        actions=CommandActions(webex=webex, store=store, clock=clock),
        directory=SlackDirectory(client),
        spawn=tasks.spawn,
    )
    return create_slack_app(
        client=client,
        signing_secret=signing_secret,
        handlers=handlers,
        first_sighting=lambda event_id: store.first_sighting(event_id, clock()),
    )


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
        content_type: str = FORM,
        headers: dict[str, str] | None = None,
    ) -> ClientResponse:
        """POST ``body`` to /slack/events with Slack's signature headers (and
        ``headers``, e.g. ``X-Slack-Retry-Num``)."""
        signed = signed_headers(body, secret, timestamp=timestamp, content_type=content_type)
        response = await self.http.post(
            "/slack/events", data=body.encode(), headers=signed | (headers or {})
        )
        await response.read()
        return response

    async def command(
        self, text: str, *, user: str = "UALICE", timestamp: int | None = None, secret: str = SECRET
    ) -> ClientResponse:
        """Send ``/webex <text>`` from ``user`` in channel C1; answers go to response
        URL "r1" of the fake."""
        body = command_body(text, response_url=self.slack.response_url("r1"), user=user)
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
    tasks = TaskOwner()
    healthy = [True]
    app = create_web_app(
        settings,
        SlackEndpoint(
            app=make_slack_app(slack, webex, store, clock=clock, tasks=tasks),
            signing_secret=SECRET,
        ),
        lambda: healthy[0],
    )
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as http:
        try:
            yield SlackBot(http, slack, webex, store, tasks, healthy)
        finally:
            await tasks.close()

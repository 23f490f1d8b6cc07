"""The production service, as ``python -m bot run`` starts it, end to end over loopback.

The real composition root (:func:`bot.runtime.serve`) runs against the Webex
site simulator and the fake Slack Web API: a channel subscribes with a signed
slash command, a meeting's life on the simulated site becomes a card that is
updated in place with thread replies, a private meeting is created, and
afterwards no secret the scenario used appears anywhere in the logs.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from adapters.webex.simulator import SimClock, example_site
from bot.config import load_settings
from bot.logs import configure_logging
from bot.runtime import serve
from tests.fakes.net import free_port
from tests.fakes.sim import running_site
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.fakes.slack_bot import command_body, signed_headers

pytestmark = pytest.mark.timeout(90)

SIGNING_SECRET = "e2e-signing-secret-4f1c"
BOT_TOKEN = "xoxb-e2e-bot-token-77aa"
WEBEX_PASSWORD = "e2e-admin-pass-91c2"


async def _eventually(
    condition: Callable[[], bool | Awaitable[bool]], what: str, within: float = 30.0
) -> None:
    deadline = time.monotonic() + within
    while not await _holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _holds(condition: Callable[[], bool | Awaitable[bool]]) -> bool:
    result = condition()
    return result if isinstance(result, bool) else await result


async def _command(
    http: aiohttp.ClientSession, base: str, slack: FakeSlack, text: str, reply_to: str
) -> int:
    body = command_body(text, response_url=slack.response_url(reply_to))
    async with http.post(
        f"{base}/slack/events", data=body.encode(), headers=signed_headers(body, SIGNING_SECRET)
    ) as response:
        await response.read()
        return response.status


def _env(slack: FakeSlack, site_url: str) -> dict[str, str]:
    """The settings that point the bot at the fake Slack and the simulated site."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEBEX_XML_URL": site_url,
        "WEBEX_SITE_NAME": "acme",
        "WEBEX_ID": "admin",
        "WEBEX_PASSWORD": WEBEX_PASSWORD,
    }


def _texts(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


async def test_meeting_life_reaches_the_channel_and_no_secret_reaches_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Logging as `python -m bot` sets it up, at DEBUG: our own loggers say
    # everything, the libraries' debug dumps of request bodies stay off.
    caplog.set_level(logging.DEBUG)
    log_stream = io.StringIO()
    handler = configure_logging(fmt="json", level=logging.DEBUG, stream=log_stream)
    clock = SimClock(speed=1.0)
    site = example_site(clock=clock, admin_password=WEBEX_PASSWORD)
    port = free_port()
    stop = asyncio.Event()
    async with (
        running_site(site) as (_server, site_url),
        running_fake_slack() as slack,
        aiohttp.ClientSession() as http,
    ):
        slack.add_user("UALICE", name="alice", email="alice@acme.example", tz="Europe/Paris")
        settings = load_settings(
            {
                **_env(slack, site_url),
                "DATABASE_URL": "sqlite:///:memory:",
                "PORT": str(port),
                "POLL_INTERVAL_SECONDS": "1",
                "DISCOVERY_INTERVAL_SECONDS": "1",
                "WAITING_GRACE_SECONDS": "1",
            },
            env_file=None,
        )
        service = asyncio.create_task(serve(settings, stop))
        base = f"http://127.0.0.1:{port}"
        try:

            async def healthy() -> bool:
                try:
                    async with http.get(f"{base}/healthz") as r:
                        return r.status == 200
                except aiohttp.ClientError:
                    return False

            await _eventually(healthy, "the service to become healthy", within=15)
            async with http.get(f"{base}/healthz") as r:
                # SQLite: one process per database, always the active one.
                assert (await r.json())["role"] == "active"

            async def slack_authorised() -> bool:
                async with http.get(f"{base}/readyz") as r:
                    body = await r.json()
                return bool(body["components"].get("slack", {}).get("status") == "ok")

            await _eventually(slack_authorised, "/readyz to say Slack accepts the token")

            # A forged command is refused and changes nothing.
            body = urlencode({"command": "/webex", "text": "subscribe all", "channel_id": "C1"})
            async with http.post(
                f"{base}/slack/events",
                data=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": str(int(time.time())),
                    "X-Slack-Signature": "v0=forged",
                },
            ) as forged:
                assert forged.status == 401

            assert await _command(http, base, slack, "subscribe all", "sub") == 200
            await _eventually(lambda: bool(slack.responses.get("sub")), "the subscribe answer")

            key = site.schedule(
                host="alice",
                title="<!channel> Launch & review",
                start=clock.now() + timedelta(hours=2),
                duration_minutes=30,
            )
            await _eventually(
                lambda: any(
                    "Launch" in _texts([m]) and not m.get("thread_ts")
                    for m in slack.channel_messages("C1")
                ),
                "the meeting's card",
            )
            site.start(key)
            site.attendee_joins(key, count=2)
            await _eventually(
                lambda: "waiting" in _texts(slack.channel_messages("C1")).lower(),
                "attendees waiting for the host",
            )
            site.host_joins(key)
            await _eventually(
                lambda: "host joined" in _texts(slack.channel_messages("C1")).lower(),
                "host joined",
            )
            site.end(key)
            await _eventually(
                lambda: "ended" in _texts(slack.channel_messages("C1")).lower(), "ended"
            )

            cards = [
                m
                for m in slack.channel_messages("C1")
                if not m.get("thread_ts") and "Launch" in _texts([m])
            ]
            assert len(cards) == 1, "one card per meeting per channel"
            assert slack.calls_to("chat.update"), "the card is updated in place"
            posted = _texts([c.body for c in slack.calls_to("chat.postMessage")])
            assert "<!channel>" not in posted
            assert "&lt;!channel&gt;" in posted
            assert slack.calls_to("chat.postMessage")[0].body.get("metadata"), (
                "the delivery key travels in the message metadata"
            )

            assert await _command(http, base, slack, 'create "Secret plan" in 30m private', "c")
            await _eventually(lambda: len(slack.responses.get("c", [])) >= 2, "create answers")
            created = [m for m in site.meetings() if m.title == "Secret plan"]
            assert len(created) == 1 and created[0].private
            meeting_password = created[0].password
            assert meeting_password
            answers = slack.responses["c"]
            private = [a for a in answers if a["response_type"] == "ephemeral"]
            public = [a for a in answers if a["response_type"] == "in_channel"]
            assert any(meeting_password in a["text"] for a in private)
            assert public and all(
                meeting_password not in a["text"] and "Secret plan" not in a["text"] for a in public
            )

            async with http.get(f"{base}/metrics") as r:
                metrics = await r.text()
            assert 'meetbot_xmlapi_calls_total{operation="LstsummarySession"' in metrics
            assert 'meetbot_events_total{kind="started"}' in metrics
        finally:
            stop.set()
            await asyncio.wait_for(service, 30)

    logging.getLogger().removeHandler(handler)
    logged = log_stream.getvalue() + caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "meetbot" in log_stream.getvalue()
    for secret in (SIGNING_SECRET, BOT_TOKEN, WEBEX_PASSWORD, meeting_password):
        assert secret not in logged

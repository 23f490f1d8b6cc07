"""``python -m bot run`` with ``WEBEX_API=rest``: the production service against
the REST simulator (webhooks to the service's own ``/webex/webhooks``) and the
fake Slack Web API, each on loopback. Every notification arrives once; the
service registers its webhooks at start, and a restart registers nothing new."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from adapters.webex.rest.simulator import RestSite
from adapters.webex.rest.simulator.records import RecordedCall
from adapters.webex.simulator import SimClock
from state.store import open_store
from tests.fakes.net import free_port
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.fakes.slack_bot import command_body, signed_headers
from tests.restsim import ADMIN, ALICE, BOB, running

pytestmark = pytest.mark.timeout(120)

CHANNEL = "C1"  # where tests.fakes.slack_bot sends commands from
TOKEN = "rest-admin-token-9f3c1d"


def live_site() -> RestSite:
    """An organisation on the wall clock (the service reads the wall clock)."""
    site = RestSite(SimClock(speed=1.0))
    for email, name in ((ADMIN, "Ada Admin"), (ALICE, "Alice Host"), (BOB, "Bob Guest")):
        site.add_person(email, name)
    site.tokens.add(TOKEN, ADMIN, admin=True)
    return site


async def until(what: Callable[[], bool], message: Callable[[], str], seconds: float = 30) -> None:
    """Wait for ``what()`` to hold, checking ten times a second."""
    for _ in range(int(seconds * 10)):
        if what():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(message())


def environment(
    api_base: str, slack_url: str, port: int, database: str, **overrides: str
) -> dict[str, str]:
    """The service's environment: this process's, without its Slack and Webex
    settings, pointed at the simulator, the fake Slack and ``database``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEBEX_"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-rest",
            "SLACK_SIGNING_SECRET": "rest-signing-secret",
            "SLACK_API_URL": slack_url,
            "WEBEX_API": "rest",
            "WEBEX_REST_URL": api_base,
            "WEBEX_ACCESS_TOKEN": TOKEN,
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "WEBEX_WEBHOOK_SECRET": "rest-webhook-secret",
            "DATABASE_URL": database,
            "PORT": str(port),
            "POLL_INTERVAL_SECONDS": "2",
            "DISCOVERY_INTERVAL_SECONDS": "3",
            "LOG_FORMAT": "json",
            **overrides,
        }
    )
    return env


@asynccontextmanager
async def service(env: dict[str, str], cwd: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


def still_running(process: asyncio.subprocess.Process) -> bool:
    return process.returncode is None


def texts(slack: FakeSlack) -> list[str]:
    return [
        str(call.body.get("text", ""))
        for call in slack.calls
        if call.method in ("chat.postMessage", "chat.update")
    ]


async def test_the_service_watches_over_rest_and_tells_slack_once(tmp_path: Path) -> None:
    site = live_site()
    database = f"sqlite:///{tmp_path}/meetbot.db"
    async with await open_store(database) as store:
        await store.subscribe(CHANNEL, "all", None)
    async with running(site) as api, running_fake_slack() as slack:
        port = free_port()
        env = environment(
            api.base,
            slack.api_url,
            port,
            database,
            SLACK_BOT_TOKEN="xoxb-rest-service",
            DISCOVERY_INTERVAL_SECONDS="5",
            WAITING_GRACE_SECONDS="1",
        )
        async with service(env, tmp_path) as process:
            await until(
                lambda: len(site.webhooks.all()) == 7,
                lambda: f"webhooks registered: {len(site.webhooks.all())}",
            )
            start = site.clock.now() + timedelta(minutes=30)
            series = site.create(
                site.person(ALICE), title="Planning", start=start, end=start + timedelta(hours=1)
            )
            await until(
                lambda: any("Planning" in t for t in texts(slack)),
                lambda: f"no card for the meeting: {texts(slack)}",
            )
            site.join(series.id, BOB)
            site.host_joins(series.id)
            await until(
                lambda: any("host joined" in t.lower() for t in texts(slack)),
                lambda: f"no host joined: {texts(slack)}",
            )
            site.end(series.id)
            await until(
                lambda: any("ended" in t.lower() for t in texts(slack)),
                lambda: f"no end: {texts(slack)}",
            )

            # A private, auto-locking create from Slack: the exact fields, and
            # its title never reaches the channel.
            slack.add_user("UALICE", name="Alice", email=ALICE, tz="Europe/Paris")
            body = command_body(
                '/webex create "Board secrets" in 30m private autolock 10 lobby'.removeprefix(
                    "/webex "
                ),
                response_url=slack.response_url("alice"),
            )
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"http://127.0.0.1:{port}/slack/events",
                    data=body.encode(),
                    headers=signed_headers(body, "rest-signing-secret"),
                ) as answer,
            ):
                assert answer.status == 200

            def creates() -> list[RecordedCall]:
                return [c for c in site.calls if (c.method, c.path) == ("POST", "/v1/meetings")]

            await until(lambda: len(creates()) == 1, lambda: "no POST /meetings")
            sent = json.loads(creates()[0].body)
            assert sent["title"] == "Board secrets"
            assert sent["publicMeeting"] is False
            assert (sent["enableAutomaticLock"], sent["automaticLockMinutes"]) == (True, 10)
            assert sent["unlockedMeetingJoinSecurity"] == "allowJoinWithLobby"
            assert sent["timezone"] == "Europe/Paris"
            await until(
                lambda: any("Private meeting" in t for t in texts(slack)),
                lambda: f"no private announcement: {texts(slack)}",
            )
            channel = [
                str(c.body) for c in slack.calls
                if c.method in ("chat.postMessage", "chat.update") and c.body.get("channel") == CHANNEL
            ]  # fmt: skip
            assert not [m for m in channel if "Board secrets" in m]
            assert still_running(process), "the service stopped early"
        assert process.returncode == 0
        assert process.stderr is not None
        log = (await process.stderr.read()).decode()
        assert "Traceback" not in log
        assert TOKEN not in log and "rest-webhook-secret" not in log
        # Each notification once: no reply text repeats in the card's thread.
        posted = [c.body for c in slack.calls_to("chat.postMessage")]
        replies = [(p.get("thread_ts"), p.get("text")) for p in posted if p.get("thread_ts")]
        assert len(replies) == len(set(replies)), replies

        # A restart registers nothing new.
        async with service(env, tmp_path):
            await until(
                lambda: sum(1 for c in site.calls if c.path == "/v1/webhooks") >= 2,
                lambda: "the restarted service did not check its webhooks",
            )
            assert len(site.webhooks.all()) == 7

"""``python -m bot run`` with ``WEBEX_API=rest`` when Webex's deliveries go
wrong: doubled, lost for a while, sent to a process that was SIGKILLed, or
stopped by a webhook Webex disabled. The REST simulator and the fake Slack
run on loopback; at the end every meeting has one card and every
notification arrived exactly once."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.webex.rest.simulator import RestSite
from state.store import open_store
from tests.fakes.net import free_port
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.restsim import ALICE, BOB, running
from tests.test_rest_service_functional import CHANNEL, environment, live_site, service, until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

WAIT = 60.0  # seconds a sweep may take to catch up on a busy machine


def cards(slack: FakeSlack, title: str) -> list[dict[str, object]]:
    return [
        m
        for m in slack.channel_messages(CHANNEL)
        if not m.get("thread_ts") and title in str(m.get("text", ""))
    ]


def replies(slack: FakeSlack, title: str) -> list[str]:
    """The thread replies under the card(s) of the meeting titled ``title``."""
    threads = {m["ts"] for m in cards(slack, title)}
    return [
        str(m.get("text", ""))
        for m in slack.channel_messages(CHANNEL)
        if m.get("thread_ts") in threads
    ]


def meeting(site: RestSite, title: str) -> str:
    start = site.clock.now() + timedelta(minutes=30)
    return site.create(
        site.person(ALICE), title=title, start=start, end=start + timedelta(hours=1)
    ).id


async def told(slack: FakeSlack, title: str, text: str) -> None:
    await until(
        lambda: any(r.startswith(text) for r in replies(slack, title)),
        lambda: f"{title!r}: no {text!r} in {replies(slack, title)}",
        WAIT,
    )


async def carded(slack: FakeSlack, title: str) -> None:
    await until(lambda: bool(cards(slack, title)), lambda: f"no card for {title!r}", WAIT)


async def test_doubled_lost_and_killed_deliveries_each_tell_slack_once(tmp_path: Path) -> None:
    site = live_site()
    database = f"sqlite:///{tmp_path}/meetbot.db"
    async with await open_store(database) as store:
        await store.subscribe(CHANNEL, "all", None)
    async with running(site) as api, running_fake_slack() as slack:
        env = environment(
            api.base, slack.api_url, free_port(), database, WAITING_GRACE_SECONDS="30"
        )
        async with service(env, tmp_path) as first:
            await until(lambda: len(site.webhooks.all()) == 7, lambda: "webhooks not registered")

            # Every delivery twice: created 1, Bob's join 2, the host's 1, the end 3.
            site.deliveries.duplicate_next(7)
            doubled = meeting(site, "Doubled")
            await carded(slack, "Doubled")
            site.join(doubled, BOB)
            site.host_joins(doubled)
            await told(slack, "Doubled", "The host joined.")
            site.end(doubled)
            await told(slack, "Doubled", "Ended")

            # An outage of deliveries: the live sweep finds each step.
            lost = meeting(site, "Outage")
            await carded(slack, "Outage")
            site.deliveries.drop_next(3)
            site.join(lost, BOB)
            site.host_joins(lost)
            await told(slack, "Outage", "The host joined.")
            site.deliveries.drop_next(3)
            site.end(lost)
            await told(slack, "Outage", "Ended")

            killed = meeting(site, "Killed")
            await carded(slack, "Killed")
            first.send_signal(signal.SIGKILL)
            await first.wait()
        # While it is dead its deliveries fail, and Webex disables a webhook.
        site.join(killed, BOB)
        site.host_joins(killed)
        await site.deliveries.settle()
        (started,) = [h for h in site.webhooks.all() if h.event == "started"]
        started.status = "inactive"
        async with service(env, tmp_path) as second:
            await until(lambda: started.status == "active", lambda: "not re-activated", WAIT)
            await told(slack, "Killed", "The host joined.")
            site.end(killed)
            await told(slack, "Killed", "Ended")
            again = meeting(site, "After")
            await carded(slack, "After")
            site.host_joins(again)
            await told(slack, "After", "The host joined.")
            second.send_signal(signal.SIGTERM)
            assert await second.wait() == 0
        # A clean restart: nothing is told again, nothing registered anew.
        async with service(env, tmp_path):
            await until(
                lambda: sum(1 for c in site.calls if c.path == "/v1/webhooks") >= 3,
                lambda: "the restarted service did not check its webhooks",
                WAIT,
            )
            site.end(again)
            await told(slack, "After", "Ended")
        assert len(site.webhooks.all()) == 7

    for title in ("Doubled", "Outage", "Killed", "After"):
        thread = replies(slack, title)
        assert len(cards(slack, title)) == 1, (title, cards(slack, title))
        assert len(thread) == len(set(thread)), (title, thread)
        assert sum(1 for r in thread if r == "Started.") == 1, (title, thread)
        assert sum(1 for r in thread if r == "The host joined.") == 1, (title, thread)
        assert sum(1 for r in thread if r.startswith("Ended")) == 1, (title, thread)

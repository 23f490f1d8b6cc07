"""The dispatcher through the real Slack adapter against the fake Slack Web API:
a revoked token, and crash-recovery lookups in public channels the bot has not
joined."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.chat import MessageRef
from adapters.slack.chat import SlackChat
from adapters.slack.client import NO_RETRIES, make_web_client
from adapters.slack.mrkdwn import delivery_keys
from bot.backoff import Backoff
from bot.health import HealthRegistry, Status
from bot.notify.dispatcher import Dispatcher, card_delivery_key
from state.model import Authority, Observation, Rules
from state.store import Store
from tests.fakes.clock import Clock
from tests.fakes.slack_api import FakeSlack

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
RULES = Rules(waiting_grace=timedelta(0))
ACCESS = Backoff(base=60, factor=2, cap=600, jitter=0)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(f"sqlite:///{tmp_path / 'm.db'}") as s:
        await s.subscribe("C1", "all", None)
        yield s


def seen(key: str, **fields: object) -> Observation:
    base: dict[str, object] = {
        "title": f"Meeting {key}",
        "host_id": "ana",
        "start": T0 + timedelta(hours=1),
        "duration_minutes": 30,
        "in_progress": False,
    }
    base.update(fields)
    return Observation(key=key, authority=Authority.SCHEDULE, **base)  # type: ignore[arg-type]


def dispatcher(
    store: Store, fake: FakeSlack, clock: Clock, health: HealthRegistry | None = None
) -> Dispatcher:
    chat = SlackChat(make_web_client("xoxb-test", fake.api_url, retries=NO_RETRIES))

    def told(accepted: bool, detail: str) -> None:
        if health is not None:
            health.report("slack", ok=accepted, detail=detail)

    return Dispatcher(
        store=store,
        chat=chat,
        clock=clock,
        backoff=Backoff(base=10, cap=100, jitter=0),
        access_backoff=ACCESS,
        draw=lambda: 0.0,
        on_access=told,
    )


def keys(messages: list[dict[str, Any]]) -> list[str]:
    """The key each message was posted with (a card's edits add later ones)."""
    return [delivery_keys(m)[0] for m in messages]


def replies(fake: FakeSlack, channel: str, card_ts: str) -> list[str]:
    return [str(m["text"]) for m in fake.channel_messages(channel) if m["thread_ts"] == card_ts]


def card_of(fake: FakeSlack, channel: str, meeting: str) -> dict[str, Any]:
    wanted = card_delivery_key(meeting, channel)
    (card,) = [m for m in fake.channel_messages(channel) if wanted in delivery_keys(m)]
    return card


def authorised(d: Dispatcher) -> bool:
    return d.authorised  # a call, so the type checker does not pin it between rounds


async def drain(d: Dispatcher) -> None:
    for _ in range(20):
        if await d.run_once() == 0:
            return


async def test_a_revoked_token_holds_everything_then_delivers_it_once_oldest_first(
    store: Store, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(T0)
    d = dispatcher(store, fake_slack, clock)
    await store.observe([seen("100")], now=T0, rules=RULES)
    await drain(d)
    calls_before = len(fake_slack.calls)

    fake_slack.revoked = "token_revoked"
    clock.now = T0 + timedelta(minutes=1)
    await store.observe([seen("100", in_progress=True)], now=clock.now, rules=RULES)
    await store.observe([seen("200")], now=clock.now, rules=RULES)
    with caplog.at_level(logging.INFO, logger="bot.notify.dispatcher"):
        await drain(d)
        assert not authorised(d)
        # One refused call stopped delivery for the whole workspace.
        assert len(fake_slack.calls) == calls_before + 1
        await drain(d)
        assert len(fake_slack.calls) == calls_before + 1  # nothing until the check is due

        # A meeting that starts and ends during the outage, and one more change.
        clock.now = T0 + timedelta(minutes=2)
        await store.observe([seen("300", in_progress=True)], now=clock.now, rules=RULES)
        await store.observe(
            [seen("100", in_progress=True, locked=True)], now=clock.now, rules=RULES
        )
        clock.now = T0 + timedelta(minutes=5)
        await store.observe([seen("300", in_progress=False)], now=clock.now, rules=RULES)
        for minutes in (2, 4, 8, 20):  # due checks, still refused
            clock.now = T0 + timedelta(minutes=minutes, seconds=1)
            await drain(d)
        assert len(fake_slack.calls_to("auth.test")) == 4
        assert len(fake_slack.calls) == calls_before + 1 + 4

        fake_slack.revoked = None
        clock.now = T0 + timedelta(minutes=40)
        await drain(d)
    assert authorised(d)

    refusals = [r for r in caplog.records if "refused the bot's credentials" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.WARNING
    assert any("accepts the bot's credentials again" in r.getMessage() for r in caplog.records)

    messages = fake_slack.channel_messages("C1")
    sent = keys(messages)
    assert len(sent) == len(set(sent))  # nothing twice
    card_100 = card_of(fake_slack, "C1", "100")
    assert replies(fake_slack, "C1", card_100["ts"])[1:] == ["Started.", "The meeting was locked."]
    card_200 = card_of(fake_slack, "C1", "200")
    assert len(replies(fake_slack, "C1", card_200["ts"])) == 1
    # Held past the cut-off and over: summarised on its card, not replayed.
    card_300 = card_of(fake_slack, "C1", "300")
    assert "Ended after 3 minutes" in str(card_300["blocks"])
    assert replies(fake_slack, "C1", card_300["ts"]) == []
    # Oldest first: the held replies went out in the order they were recorded.
    held = [k for k in sent if not k.startswith("card:")][1:]
    assert held == sorted(held, key=lambda k: int(k.split(":")[0]))
    counts = await store.counts()
    assert counts["outbox_pending"] == counts["outbox_in_flight"] == counts["outbox_dead"] == 0
    (subscription,) = await store.subscriptions("C1")
    assert subscription.enabled


async def test_refused_rounds_do_not_use_up_a_deliverys_attempts(
    store: Store, fake_slack: FakeSlack
) -> None:
    clock = Clock(T0)
    d = Dispatcher(
        store=store,
        chat=SlackChat(make_web_client("xoxb-test", fake_slack.api_url, retries=NO_RETRIES)),
        clock=clock,
        backoff=Backoff(base=10, cap=100, jitter=0),
        access_backoff=ACCESS,
        draw=lambda: 0.0,
        max_attempts=4,
    )
    await store.observe([seen("100")], now=T0, rules=RULES)
    for outage in range(3):  # three separate outages, each refusing the card's post
        clock.now = T0 + timedelta(hours=outage)
        fake_slack.script("chat.postMessage", error="token_revoked")
        await drain(d)
        assert not authorised(d)
        clock.now += timedelta(minutes=30)
        fake_slack.script("chat.postMessage", status=503)  # then one ordinary failure
        await drain(d)
        assert authorised(d)
    assert fake_slack.channel_messages("C1") == []
    (pending,) = await store.due_deliveries(clock.now + timedelta(hours=1))
    assert pending.attempts == 3  # the 503s were tried; the refusals were not
    clock.now += timedelta(hours=1)
    await drain(d)
    counts = await store.counts()
    assert (counts["outbox_dead"], counts["outbox_delivered"]) == (0, 1)
    assert len(fake_slack.channel_messages("C1")) == 2  # card and reply, once


async def test_the_reply_cap_holds_across_a_restart(store: Store, fake_slack: FakeSlack) -> None:
    clock = Clock(T0)

    def started() -> Dispatcher:  # a fresh process on the same database
        chat = SlackChat(make_web_client("xoxb-test", fake_slack.api_url, retries=NO_RETRIES))
        return Dispatcher(store=store, chat=chat, clock=clock, replies_per_hour=2)

    starts = [T0 + timedelta(hours=1, minutes=m) for m in (0, 10, 20, 30)]
    for start in starts[:2]:  # scheduled, rescheduled: the hour's two replies
        await store.observe([seen("100", start=start)], now=clock.now, rules=RULES)
        await drain(started())
    for start in starts[2:]:  # each change after a restart
        clock.now += timedelta(minutes=5)
        await store.observe([seen("100", start=start)], now=clock.now, rules=RULES)
        await drain(started())
    card = card_of(fake_slack, "C1", "100")
    assert len(replies(fake_slack, "C1", card["ts"])) == 2
    assert "10:30" in str(card["blocks"])  # the card shows the latest start
    counts = await store.counts()
    assert (counts["outbox_delivered"], counts["outbox_pending"]) == (4, 0)

    clock.now = T0 + timedelta(hours=1, minutes=1)  # the hour has room again
    await store.observe([seen("100", start=starts[0])], now=clock.now, rules=RULES)
    await drain(started())
    assert len(replies(fake_slack, "C1", card["ts"])) == 3


async def test_an_unanswered_check_keeps_holding(store: Store, fake_slack: FakeSlack) -> None:
    clock = Clock(T0)
    d = dispatcher(store, fake_slack, clock)
    fake_slack.revoked = "invalid_auth"
    await store.observe([seen("100")], now=T0, rules=RULES)
    await drain(d)
    fake_slack.revoked = None
    fake_slack.script("auth.test", status=503)
    clock.now = T0 + timedelta(minutes=1)
    await drain(d)
    assert not authorised(d)
    assert fake_slack.channel_messages("C1") == []
    clock.now = T0 + timedelta(minutes=3)
    await drain(d)
    assert authorised(d)
    assert len(fake_slack.channel_messages("C1")) == 2  # card and reply, once


async def in_flight_everywhere(store: Store) -> None:
    for delivery in await store.due_deliveries(T0 + timedelta(days=1), limit=10):
        await store.mark_in_flight(delivery.id, T0)


async def test_a_recovery_lookup_in_a_public_channel_joins_it_and_does_not_repeat(
    store: Store, fake_slack: FakeSlack
) -> None:
    clock = Clock(T0)
    await store.observe([seen("100")], now=T0, rules=RULES)
    d = dispatcher(store, fake_slack, clock)
    await drain(d)
    # The next delivery was posted, then the process died before recording it.
    await store.observe([seen("100", in_progress=True)], now=T0, rules=RULES)
    (delivery,) = await store.due_deliveries(T0, limit=10)
    await store.mark_in_flight(delivery.id, T0)
    card = await store.card_ref("100", "C1")
    assert card is not None
    await SlackChat(make_web_client("xoxb-test", fake_slack.api_url)).reply(
        MessageRef(channel=card[0], ts=card[1]), "Started.", delivery_key=delivery.delivery_key
    )
    fake_slack.outside.add("C1")  # posted through chat:write.public only

    assert await dispatcher(store, fake_slack, clock).reconcile() == 1
    (subscription,) = await store.subscriptions("C1")
    assert subscription.enabled
    assert len(fake_slack.calls_to("conversations.join")) == 1
    assert replies(fake_slack, "C1", card[1]).count("Started.") == 1
    assert (await store.counts())["outbox_delivered"] == 2


async def test_a_refused_lookup_means_cannot_check_never_gone(
    store: Store, fake_slack: FakeSlack
) -> None:
    clock = Clock(T0)
    await store.observe([seen("100")], now=T0, rules=RULES)
    await in_flight_everywhere(store)
    fake_slack.outside.add("C1")
    fake_slack.script("conversations.join", error="missing_scope", times=5)

    await dispatcher(store, fake_slack, clock).reconcile()
    (subscription,) = await store.subscriptions("C1")
    assert subscription.enabled
    counts = await store.counts()
    assert (counts["outbox_delivered"], counts["outbox_dead"]) == (1, 0)
    assert len(fake_slack.channel_messages("C1")) == 2  # the card and its reply


async def test_health_says_whether_slack_accepts_the_token(
    store: Store, fake_slack: FakeSlack
) -> None:
    clock = Clock(T0)
    health = HealthRegistry(clock)
    health.expect("slack")
    fake_slack.revoked = "account_inactive"
    d = dispatcher(store, fake_slack, clock, health)
    d.start()  # asks auth.test once at start, then idles
    try:
        for _ in range(100):
            if fake_slack.calls_to("auth.test"):
                break
            await asyncio.sleep(0.05)
    finally:
        await d.stop()
    slack = health.component("slack")
    assert slack is not None and slack.status is Status.FAILING
    assert "account_inactive" in slack.detail and not health.ready()

    fake_slack.revoked = None
    clock.now = T0 + timedelta(minutes=5)
    await drain(d)
    slack = health.component("slack")
    assert slack is not None and slack.status is Status.OK and slack.since == clock.now

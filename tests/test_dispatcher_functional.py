"""The dispatcher against a real store (SQLite on tmp_path) and the recording chat."""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.chat import Card, MessageRef
from adapters.errors import (
    ChatDestinationGoneError,
    ChatRateLimitedError,
    ChatRejectedError,
    ChatTransientError,
)
from bot.backoff import Backoff
from bot.notify.dispatcher import Dispatcher, card_delivery_key
from bot.notify.render import render_card
from state.errors import FencedError
from state.model import Authority, Delivery, MeetingSnapshot, Observation, Rules
from state.store import Store, open_store
from tests.fakes.chat import RecordingChat
from tests.fakes.clock import Clock

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
RULES = Rules(waiting_grace=timedelta(0))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await open_store(f"sqlite:///{tmp_path / 'm.db'}") as s:
        await s.subscribe("C1", "all", None)
        yield s


def seen(key: str = "100", **fields: object) -> Observation:
    base: dict[str, object] = {
        "title": "Standup",
        "host_id": "ana",
        "host_email": "ana@example.com",
        "start": T0 + timedelta(hours=1),
        "duration_minutes": 30,
        "in_progress": False,
    }
    base.update(fields)
    return Observation(key=key, authority=Authority.SCHEDULE, **base)  # type: ignore[arg-type]


def make(store: Store, chat: RecordingChat, clock: Clock, **kw: object) -> Dispatcher:
    return Dispatcher(
        store=store,
        chat=chat,
        clock=clock,
        backoff=Backoff(base=10, cap=100, jitter=0),
        draw=lambda: 0.0,
        **kw,  # type: ignore[arg-type]
    )


async def all_deliveries(store: Store, clock: Clock) -> list[Delivery]:
    return await store.due_deliveries(clock.now + timedelta(days=365), limit=1000)


async def test_card_then_thread_replies_in_order(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    acked: list[str] = []
    d = make(store, chat, clock, on_delivered=lambda dl, at: acked.append(dl.delivery_key))
    await store.observe([seen()], now=T0, rules=RULES)
    assert await d.run_once() == 1
    await store.observe([seen(in_progress=True)], now=T0, rules=RULES)
    await store.observe([seen(in_progress=True, locked=True)], now=T0, rules=RULES)
    assert await d.run_once() == 1  # only the head of the meeting's queue
    assert await d.run_once() == 1
    assert await d.run_once() == 0
    kinds = [p.kind for p in chat.posted]
    assert kinds == ["card", "reply", "update", "reply", "reply"]
    card = chat.posted[0]
    assert card.delivery_key == card_delivery_key("100", "C1")
    assert [p.thread_ts for p in chat.posted[1:]] == [card.ts] * 4
    assert chat.texts("C1")[0].startswith("Scheduled for")
    assert chat.texts("C1")[1:] == ["Started.", "The meeting was locked."]
    assert await store.card_ref("100", "C1") == ("C1", card.ts)
    assert len(acked) == 3
    assert (await store.counts())["outbox_delivered"] == 3


async def test_unchanged_card_is_not_updated(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock)
    await store.observe([seen()], now=T0, rules=RULES)
    await d.run_once()
    await store.observe([seen(in_progress=True)], now=T0, rules=RULES)
    await store.observe([seen(in_progress=True, locked=True)], now=T0, rules=RULES)
    await d.run_once()
    await d.run_once()
    assert [p.kind for p in chat.posted] == ["card", "reply", "update", "reply", "reply"]


async def test_transient_failures_back_off_then_dead_letter(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock, max_attempts=3)
    await store.observe([seen()], now=T0, rules=RULES)
    chat.fail("post_card", ChatTransientError("503"), times=5)
    assert await d.run_once() == 1
    (pending,) = await all_deliveries(store, clock)
    assert pending.next_attempt_at == T0 + timedelta(seconds=10)
    assert await d.run_once() == 0  # not due yet
    clock.now += timedelta(seconds=10)
    await d.run_once()
    clock.now += timedelta(seconds=20)
    await d.run_once()
    counts = await store.counts()
    assert counts["outbox_dead"] == 1
    assert chat.posted == []


async def test_a_retried_delivery_is_reconciled_not_resent(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock)
    await store.observe([seen()], now=T0, rules=RULES)
    # The reply reached the chat but its acknowledgement was lost.
    real_reply = chat.reply

    async def reply_then_time_out(
        parent: MessageRef, text: str, *, delivery_key: str
    ) -> MessageRef:
        await real_reply(parent, text, delivery_key=delivery_key)
        raise ChatTransientError("timed out")

    chat.reply = reply_then_time_out  # type: ignore[method-assign]
    await d.run_once()
    chat.reply = real_reply  # type: ignore[method-assign]
    clock.now += timedelta(minutes=1)
    await d.run_once()
    assert [p.kind for p in chat.posted] == ["card", "reply"]
    assert (await store.counts())["outbox_delivered"] == 1


async def test_rate_limit_waits_its_retry_after(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock)
    await store.observe([seen()], now=T0, rules=RULES)
    chat.fail("post_card", ChatRateLimitedError(42))
    await d.run_once()
    (pending,) = await all_deliveries(store, clock)
    assert pending.next_attempt_at == T0 + timedelta(seconds=42)


async def test_gone_channel_is_disabled_and_dead_lettered(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock)
    await store.observe([seen()], now=T0, rules=RULES)
    chat.fail("post_card", ChatDestinationGoneError("C1", "is_archived"))
    await d.run_once()
    (sub,) = await store.subscriptions("C1")
    assert not sub.enabled
    assert sub.disabled_reason == "is_archived"
    assert (await store.counts())["outbox_dead"] == 1


async def test_rejected_is_dead_lettered_and_unblocks_the_queue(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock)
    await store.observe([seen()], now=T0, rules=RULES)
    await store.observe([seen(in_progress=True)], now=T0, rules=RULES)
    chat.fail("post_card", ChatRejectedError("invalid_blocks"))
    await d.run_once()
    await d.run_once()
    assert (await store.counts())["outbox_dead"] == 1
    assert chat.texts("C1") == ["Started."]


async def test_attendees_waiting_reaches_the_host_by_dm(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock)
    await store.observe([seen(in_progress=True)], now=T0, rules=RULES)
    await d.run_once()
    await store.observe(
        [seen(in_progress=True, host_present=False, attendees_present=True)], now=T0, rules=RULES
    )
    await store.tick(now=T0 + timedelta(seconds=1), rules=RULES)
    await d.run_once()
    dms = chat.texts("dm:ana@example.com")
    assert dms == ['Attendees are waiting for you in your meeting "Standup".']


async def test_unknown_dm_user_is_dead_lettered(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    chat.unknown_users.add("ana@example.com")
    d = make(store, chat, clock)
    await store.observe(
        [seen(in_progress=True, host_present=False, attendees_present=True)], now=T0, rules=RULES
    )
    await store.tick(now=T0 + timedelta(seconds=1), rules=RULES)
    for _ in range(3):
        await d.run_once()
    assert (await store.counts())["outbox_dead"] == 1
    assert chat.texts("dm:ana@example.com") == []


async def test_in_flight_after_a_crash_is_reconciled(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    await store.observe([seen()], now=T0, rules=RULES)
    (delivery,) = await all_deliveries(store, clock)
    # The previous process posted card and reply, then died before recording either.
    await store.mark_in_flight(delivery.id, T0)
    card = await chat.post_card("C1", _card(), delivery_key=card_delivery_key("100", "C1"))
    await chat.reply(card, "Scheduled.", delivery_key=delivery.delivery_key)
    d = make(store, chat, clock)
    assert await d.reconcile() == 1
    assert [p.kind for p in chat.posted] == ["card", "reply", "update"]
    assert await store.card_ref("100", "C1") == ("C1", card.ts)
    assert (await store.counts())["outbox_delivered"] == 1


async def test_in_flight_never_sent_is_sent_once(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    await store.observe([seen()], now=T0, rules=RULES)
    (delivery,) = await all_deliveries(store, clock)
    await store.mark_in_flight(delivery.id, T0)
    d = make(store, chat, clock)
    await d.reconcile()
    assert [p.kind for p in chat.posted] == ["card", "reply"]


async def test_loop_delivers_when_nudged_and_stops_cleanly(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    delivered = asyncio.Event()
    d = make(store, chat, clock, interval=3600, on_delivered=lambda *_: delivered.set())
    d.start()
    try:
        await store.observe([seen()], now=T0, rules=RULES)
        d.nudge()
        await asyncio.wait_for(delivered.wait(), 10)
    finally:
        await d.stop()
    assert chat.delivery_keys() == [card_delivery_key("100", "C1"), "1:C1"]


def _card() -> Card:
    return render_card(MeetingSnapshot(key="100", start=T0, last_seen=T0))


async def test_dm_reconcile_that_cannot_search_sends_anyway(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    await store.observe(
        [seen(in_progress=True, host_present=False, attendees_present=True)], now=T0, rules=RULES
    )
    await store.tick(now=T0 + timedelta(seconds=1), rules=RULES)
    for delivery in await store.due_deliveries(T0 + timedelta(days=1), limit=10):
        await store.mark_in_flight(delivery.id, T0)
    chat.fail("find_delivery", ChatRejectedError("channel_not_found"), times=10)
    await make(store, chat, clock).reconcile()
    assert chat.texts("dm:ana@example.com") == [
        'Attendees are waiting for you in your meeting "Standup".'
    ]


async def test_a_delivery_that_breaks_rendering_is_retried_then_dead_lettered(
    store: Store,
) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock, max_attempts=2)
    await store.observe([seen()], now=T0, rules=RULES)

    async def broken(*_: object, **__: object) -> MessageRef:
        raise KeyError("unexpected")

    chat.post_card = broken  # type: ignore[method-assign]
    await d.run_once()
    clock.now += timedelta(minutes=5)
    await d.run_once()
    assert (await store.counts())["outbox_dead"] == 1


async def test_a_dm_held_until_its_meeting_ended_is_not_sent(store: Store) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock)
    await store.observe(
        [seen(in_progress=True, host_present=False, attendees_present=True)], now=T0, rules=RULES
    )
    await store.tick(now=T0, rules=RULES)
    await store.observe([seen(in_progress=False)], now=T0 + timedelta(minutes=5), rules=RULES)
    clock.now = T0 + timedelta(hours=1)  # held (e.g. the token was refused) past the cut-off
    for _ in range(5):
        await d.run_once()
    assert chat.texts("dm:ana@example.com") == []
    assert chat.texts("C1") == []  # the channel's replies are summarised on the card
    (card,) = [p for p in chat.posted if p.kind == "card"]
    assert card.card is not None and card.card["status"] == "Ended after 5 minutes"
    counts = await store.counts()
    assert (counts["outbox_pending"], counts["outbox_dead"]) == (0, 1)


async def test_past_the_hourly_cap_changes_update_the_card_instead_of_replying(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    chat, clock = RecordingChat(), Clock(T0)
    d = make(store, chat, clock, replies_per_hour=2)
    starts = [T0 + timedelta(hours=1, minutes=m) for m in (0, 10, 20, 30, 40)]
    with caplog.at_level(logging.INFO, logger="bot.notify.dispatcher"):
        for start in starts:  # scheduled, then four reschedules
            await store.observe([seen(start=start)], now=clock.now, rules=RULES)
            await d.run_once()
    replies = [p for p in chat.posted if p.kind == "reply"]
    assert len(replies) == 2
    last_card = [p for p in chat.posted if p.kind in ("card", "update")][-1].card
    assert last_card is not None and last_card["start"] == starts[-1].isoformat()
    assert (await store.counts())["outbox_delivered"] == 5  # nothing lost, nothing pending
    assert sum("only update its card" in r.getMessage() for r in caplog.records) == 1

    clock.now += timedelta(hours=1)  # the hour has room again
    await store.observe([seen(start=starts[0])], now=clock.now, rules=RULES)
    await d.run_once()
    assert len([p for p in chat.posted if p.kind == "reply"]) == 3


async def test_a_claim_made_as_the_lease_ran_out_is_not_sent(store: Store) -> None:
    """A replica whose term may be over (paused between claim and send) sends
    nothing; the delivery stays in flight and the next active one settles it."""
    chat, clock = RecordingChat(), Clock(T0)
    stale = make(store, chat, clock, may_send=lambda: False)
    await store.observe([seen()], now=T0, rules=RULES)
    with pytest.raises(FencedError):
        await stale.run_once()
    assert chat.posted == []
    (stuck,) = await store.in_flight()
    assert await make(store, chat, clock).reconcile() == 1
    assert [p.kind for p in chat.posted] == ["card", "reply"]
    assert chat.posted[1].delivery_key == stuck.delivery_key
    assert await store.in_flight() == []

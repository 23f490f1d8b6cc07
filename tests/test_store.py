"""The store contract (state/store_api.py) over every implementation: SQLite in
memory and in a file, and PostgreSQL (a real server the tests start). Tests
about SQLite itself say so in their name."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from state.errors import StoreError
from state.model import (
    Authority,
    DeliveryState,
    EventKind,
    ListingScope,
    Observation,
    Rules,
    Scope,
)
from state.pg.schema import MIGRATIONS as PG_MIGRATIONS
from state.store import Store, open_store
from state.store_runner import database_path
from state.store_schema import MIGRATIONS
from tests.rawsql import IntegrityError, raw

K = EventKind
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
RULES = Rules()
START = NOW + timedelta(hours=2)
WINDOW = ListingScope(start_from=NOW, start_to=NOW + timedelta(days=1))


def row(key: str = "100", **fields: Any) -> Observation:
    values: dict[str, Any] = {
        "start": START,
        "duration_minutes": 30,
        "host_id": "alice",
        "host_email": "Alice@Example.com",
        "title": "Weekly",
        "in_progress": False,
    }
    values.update(fields)
    return Observation(key=key, authority=Authority.SCHEDULE, **values)


POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


def _url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return (
        "sqlite:///:memory:" if request.param == "sqlite-memory" else f"sqlite:///{tmp_path}/m.db"
    )


@pytest.fixture(params=["sqlite-memory", "sqlite-file", POSTGRES])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database's URL, for each implementation."""
    return _url(request, tmp_path)


@pytest.fixture(params=["sqlite-file", POSTGRES])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database that outlives its store and that raw SQL can reach."""
    return _url(request, tmp_path)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    async with await open_store(store_url) as opened:
        yield opened


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        value: int = conn.execute(sql).fetchone()[0]
    conn.close()
    return value


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///meetbot.db", "meetbot.db"),
        ("sqlite:////var/lib/m.db", "/var/lib/m.db"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_database_path(url: str, path: str) -> None:
    assert database_path(url) == path


@pytest.mark.parametrize("url", ["postgres://user:secret@db/x", "sqlite:///", "meetbot.db"])
def test_database_path_refuses_other_urls_without_echoing_them(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        database_path(url)
    assert "secret" not in str(caught.value)


async def test_sqlite_migrations_apply_once_and_are_recorded_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    for _ in range(2):
        async with await open_store(url):
            pass
    recorded = _count(tmp_path / "m.db", "SELECT COUNT(*) FROM _sqlite_migrations")
    assert recorded == len(MIGRATIONS._migrations)
    with sqlite3.connect(tmp_path / "m.db") as conn:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert mode == "wal"


def test_both_stores_have_the_same_migrations_in_the_same_order() -> None:
    assert [name for name, _ in PG_MIGRATIONS] == [m.name for m in MIGRATIONS._migrations]


async def test_closed_store_refuses_work(store_url: str) -> None:
    store = await open_store(store_url)
    await store.close()
    await store.close()
    with pytest.raises(StoreError):
        await store.snapshot("100")


async def test_sqlite_unopenable_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        await open_store(f"sqlite:///{tmp_path}/missing-dir/m.db")


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
async def test_sqlite_one_process_per_database_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    first = await open_store(url)
    try:
        with pytest.raises(StoreError, match=rf"another meetbot process \(pid {os.getpid()}\)"):
            await open_store(url)
    finally:
        await first.close()
    # The lock goes with the store (and with the process, however it ends).
    second = await open_store(url)
    await second.close()


async def test_observe_writes_snapshot_events_and_outbox(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    events = await store.observe([row()], now=NOW, rules=RULES)
    assert [e.kind for e in events] == [K.SCHEDULED]
    snapshot = await store.snapshot("100")
    assert snapshot is not None and snapshot.start == START and snapshot.start.tzinfo is UTC
    (delivery,) = await store.due_deliveries(NOW)
    assert (delivery.destination, delivery.event.kind, delivery.state) == (
        "C1",
        K.SCHEDULED,
        DeliveryState.PENDING,
    )
    assert delivery.delivery_key.endswith(":C1")


async def test_nothing_written_when_nothing_changed(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    await store.observe([row(), row("200")], now=NOW, rules=RULES)
    before = await store.total_changes()
    later = NOW + 5 * MIN
    assert await store.observe([row(), row("200")], now=later, rules=RULES, listing=WINDOW) == []
    assert await store.tick(now=later, rules=RULES) == []
    assert await store.total_changes() == before
    snapshot = await store.snapshot("100")
    assert snapshot is not None and snapshot.last_seen == NOW


async def test_failed_fan_out_writes_nothing(durable_url: str) -> None:
    async with await open_store(durable_url) as store:
        await store.subscribe("C1", "all", None)
        # A subscription row that no longer decodes makes the fan-out raise
        # after the snapshot and the event were written in the transaction.
        await raw(durable_url, "UPDATE subscriptions SET kinds = 'no_such_kind'")
        with pytest.raises(StoreError):
            await store.observe([row()], now=NOW, rules=RULES)
        assert await store.snapshot("100") is None
    for table in ("meetings", "events", "outbox"):
        assert await raw(durable_url, f"SELECT COUNT(*) FROM {table}") == [(0,)], table


async def test_a_rolled_back_poll_leaves_no_trace_in_what_the_store_remembers(
    durable_url: str,
) -> None:
    """Snapshots the store keeps decoded between polls must say what the
    database says: a change whose transaction failed is not remembered, and
    the same change succeeds, with its event, once the fault is gone."""
    async with await open_store(durable_url) as store:
        await store.observe([row()], now=NOW, rules=RULES)  # known, and remembered
        await store.subscribe("C1", "all", None)
        await raw(durable_url, "UPDATE subscriptions SET kinds = 'no_such_kind'")
        moved = row(start=START + 60 * MIN)
        with pytest.raises(StoreError):
            await store.observe([moved], now=NOW + MIN, rules=RULES)
        kept = await store.snapshot("100")
        assert kept is not None and kept.start == START
        await raw(durable_url, "UPDATE subscriptions SET kinds = ''")
        events = await store.observe([moved], now=NOW + 2 * MIN, rules=RULES)
        assert [e.kind for e in events] == [K.RESCHEDULED]


async def test_cancellation_needs_two_complete_listings(store: Store) -> None:
    await store.observe([row(), row("200")], now=NOW, rules=RULES, listing=WINDOW)
    assert await store.observe([row("200")], now=NOW + MIN, rules=RULES) == []
    first = await store.observe([row("200")], now=NOW + 2 * MIN, rules=RULES, listing=WINDOW)
    assert first == []
    second = await store.observe([row("200")], now=NOW + 3 * MIN, rules=RULES, listing=WINDOW)
    assert [(e.kind, e.meeting_key) for e in second] == [(K.CANCELLED, "100")]
    assert [s.key for s in await store.snapshots()] == ["200"]


async def test_reappearing_resets_the_absence_count(store: Store) -> None:
    await store.observe([row()], now=NOW, rules=RULES, listing=WINDOW)
    await store.observe([], now=NOW + MIN, rules=RULES, listing=WINDOW)
    await store.observe([row()], now=NOW + 2 * MIN, rules=RULES, listing=WINDOW)
    assert await store.observe([], now=NOW + 3 * MIN, rules=RULES, listing=WINDOW) == []


async def test_listing_scope_of_one_host_spares_other_hosts(store: Store) -> None:
    await store.observe([row(), row("200", host_id="bob")], now=NOW, rules=RULES)
    bobs = ListingScope(start_from=WINDOW.start_from, start_to=WINDOW.start_to, host_id="bob")
    for minutes in (1, 2):
        events = await store.observe([], now=NOW + minutes * MIN, rules=RULES, listing=bobs)
    assert [(e.kind, e.meeting_key) for e in events] == [(K.CANCELLED, "200")]


async def test_not_found_cancels_at_once(store: Store) -> None:
    await store.observe([row()], now=NOW, rules=RULES)
    gone = Observation(key="100", authority=Authority.GONE)
    events = await store.observe([gone], now=NOW + MIN, rules=RULES)
    assert [e.kind for e in events] == [K.CANCELLED]
    assert await store.observe([row(in_progress=True)], now=NOW + 2 * MIN, rules=RULES) == []


async def test_fan_out_by_scope_and_kinds(store: Store) -> None:
    await store.subscribe("C-all", "all", None)
    await store.subscribe("C-host", "host", "ALICE")
    await store.subscribe("C-mail", "host", "alice@example.com")
    await store.subscribe("C-other-host", "host", "bob")
    await store.subscribe("C-meeting", "meeting", "100")
    await store.subscribe("C-started-only", "all", None, frozenset({K.STARTED}))
    await store.subscribe("C-gone", "all", None)
    await store.disable_destination("C-gone", "channel_not_found")
    await store.observe([row()], now=NOW, rules=RULES)
    destinations = {d.destination for d in await store.due_deliveries(NOW)}
    assert destinations == {"C-all", "C-host", "C-mail", "C-meeting"}


async def test_one_row_per_channel_even_with_several_matching_subscriptions(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    await store.subscribe("C1", "host", "alice")
    await store.subscribe("C1", "meeting", "100")
    await store.observe([row()], now=NOW, rules=RULES)
    assert [d.destination for d in await store.due_deliveries(NOW)] == ["C1"]


async def test_attendees_waiting_also_goes_to_the_host(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    live = row(start=NOW - 5 * MIN, in_progress=True, host_present=False, attendees_present=True)
    await store.observe([live], now=NOW, rules=RULES)
    events = await store.tick(now=NOW + 2 * MIN, rules=RULES)
    assert [e.kind for e in events] == [K.ATTENDEES_WAITING]
    queued = await store.due_deliveries(NOW + 2 * MIN, limit=10)
    # started heads the C1 queue; the DM queue holds only the waiting notice.
    assert {(d.destination, d.event.kind) for d in queued} == {
        ("C1", K.STARTED),
        ("dm:alice@example.com", K.ATTENDEES_WAITING),
    }


async def test_delivery_keys_are_unique(durable_url: str) -> None:
    async with await open_store(durable_url) as store:
        await store.subscribe("C1", "all", None)
        await store.observe([row()], now=NOW, rules=RULES)
        (delivery,) = await store.due_deliveries(NOW)
    with pytest.raises(IntegrityError):
        await raw(
            durable_url,
            "INSERT INTO outbox (event_id, delivery_key, destination, meeting_key, state)"
            f" SELECT event_id, '{delivery.delivery_key}', 'C2', meeting_key, state FROM outbox",
        )
    assert await raw(durable_url, "SELECT COUNT(*) FROM outbox") == [(1,)]


async def test_deliveries_of_one_queue_come_in_event_order(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    await store.subscribe("C2", "all", None)
    await store.observe([row()], now=NOW, rules=RULES)
    await store.observe([row(duration_minutes=60)], now=NOW + MIN, rules=RULES)
    later = NOW + 2 * MIN
    heads = await store.due_deliveries(later)
    assert [(d.destination, d.event.kind) for d in heads] == [
        ("C1", K.SCHEDULED),
        ("C2", K.SCHEDULED),
    ]
    c1, c2 = heads
    await store.mark_in_flight(c1.id, later)
    await store.mark_retry(c1.id, later + MIN, "rate limited")
    await store.mark_in_flight(c2.id, later)
    await store.mark_delivered(c2.id, "C2", "1.0001", later)
    # C1's first delivery waits for its retry and holds back the reschedule.
    assert [(d.destination, d.event.kind) for d in await store.due_deliveries(later)] == [
        ("C2", K.RESCHEDULED)
    ]
    retried = await store.due_deliveries(later + MIN)
    assert [(d.id, d.attempts, d.last_error) for d in retried] == [
        (c1.id, 1, "rate limited"),
        (retried[1].id, 0, None),
    ]
    assert retried[1].event.kind is K.RESCHEDULED
    await store.mark_dead(c1.id, "gave up")
    assert [(d.destination, d.event.kind) for d in await store.due_deliveries(later + MIN)] == [
        ("C1", K.RESCHEDULED),
        ("C2", K.RESCHEDULED),
    ]


async def test_a_held_delivery_gets_its_attempt_back(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    await store.observe([row()], now=NOW, rules=RULES)
    (delivery,) = await store.due_deliveries(NOW)
    await store.mark_in_flight(delivery.id, NOW)
    await store.mark_retry(delivery.id, NOW + MIN, "timed out")
    for outage in range(1, 4):  # three refused rounds of one delivery
        when = NOW + outage * MIN
        await store.mark_in_flight(delivery.id, when)
        await store.mark_held(delivery.id, when + MIN, "token_revoked")
    assert await store.due_deliveries(NOW + 3 * MIN) == []
    (held,) = await store.due_deliveries(NOW + 4 * MIN)
    # Only the attempt that was really tried counts.
    assert (held.id, held.state, held.attempts, held.last_error) == (
        delivery.id,
        DeliveryState.PENDING,
        1,
        "token_revoked",
    )
    await store.mark_in_flight(delivery.id, NOW + 4 * MIN)
    await store.mark_delivered(delivery.id, "C1", "1.5", NOW + 4 * MIN)
    with pytest.raises(StoreError):
        await store.mark_held(delivery.id, NOW, "token_revoked")


async def test_replies_since_counts_a_meetings_delivered_replies_not_its_card(
    store: Store,
) -> None:
    await store.subscribe("C1", "all", None)
    for n, minutes in enumerate((30, 60, 90, 120)):  # scheduled, then three reschedules
        await store.observe([row(duration_minutes=minutes)], now=NOW + n * MIN, rules=RULES)
    await store.save_card_ref("100", "C1", "1.0")
    # A reply, a change the card stood in for, another reply; the last one pending.
    for n, ts in enumerate(("1.1", "1.0", "1.3")):
        (head,) = await store.due_deliveries(NOW + 10 * MIN)
        await store.mark_in_flight(head.id, NOW + n * MIN)
        await store.mark_delivered(head.id, "C1", ts, NOW + n * MIN)
    assert await store.replies_since("100", "C1", NOW - MIN) == 2
    assert await store.replies_since("100", "C1", NOW) == 1  # the window excludes its start
    assert await store.replies_since("100", "C1", NOW + 2 * MIN) == 0
    assert await store.replies_since("100", "C2", NOW - MIN) == 0
    assert await store.replies_since("200", "C1", NOW - MIN) == 0


async def test_in_flight_survives_reopen(durable_url: str) -> None:
    url = durable_url
    async with await open_store(url) as store:
        await store.subscribe("C1", "all", None)
        await store.observe([row()], now=NOW, rules=RULES)
        (delivery,) = await store.due_deliveries(NOW)
        await store.mark_in_flight(delivery.id, NOW)
    async with await open_store(url) as reopened:
        (left,) = await reopened.in_flight()
        assert (left.id, left.state, left.attempts) == (delivery.id, DeliveryState.IN_FLIGHT, 1)
        # Leased: not handed out again until the lease runs out.
        assert await reopened.due_deliveries(NOW + MIN) == []
        assert [d.id for d in await reopened.due_deliveries(NOW + 10 * MIN)] == [delivery.id]


async def test_marking_an_unknown_delivery_fails(store: Store) -> None:
    with pytest.raises(StoreError):
        await store.mark_dead(12345, "nope")


async def test_a_delivered_row_is_never_sent_again(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    await store.observe([row()], now=NOW, rules=RULES)
    (delivery,) = await store.due_deliveries(NOW)
    await store.mark_in_flight(delivery.id, NOW)
    await store.mark_delivered(delivery.id, "C1", "1.5", NOW)
    with pytest.raises(StoreError):
        await store.mark_in_flight(delivery.id, NOW)
    assert await store.due_deliveries(NOW + timedelta(hours=1)) == []


async def test_tick_fires_starting_soon_once(store: Store) -> None:
    await store.subscribe("C1", "all", None, frozenset({K.STARTING_SOON}))
    await store.observe([row()], now=NOW, rules=RULES)
    assert await store.due_deliveries(NOW) == []
    due = START - 10 * MIN
    assert [e.kind for e in await store.tick(now=due, rules=RULES)] == [K.STARTING_SOON]
    assert await store.tick(now=due + MIN, rules=RULES) == []
    (delivery,) = await store.due_deliveries(due)
    assert (delivery.event.kind, delivery.event.at) == (K.STARTING_SOON, due)


async def test_disable_destination(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    await store.subscribe("C1", "host", "alice")
    await store.subscribe("C2", "all", None)
    assert await store.disable_destination("C1", "is_archived") == 2
    assert await store.disable_destination("C1", "is_archived") == 0
    found = {
        (s.channel, s.scope): (s.enabled, s.disabled_reason) for s in await store.subscriptions()
    }
    assert found == {
        ("C1", Scope.ALL): (False, "is_archived"),
        ("C1", Scope.HOST): (False, "is_archived"),
        ("C2", Scope.ALL): (True, None),
    }
    assert await store.watched_hosts() == (True, frozenset())
    # Subscribing again re-enables.
    again = await store.subscribe("C1", "host", "Alice", frozenset({K.STARTED}))
    assert (again.enabled, again.target, again.kinds) == (True, "alice", frozenset({K.STARTED}))
    assert await store.watched_hosts() == (True, frozenset({"alice"}))


async def test_unsubscribe(store: Store) -> None:
    await store.subscribe("C1", "meeting", "100")
    assert await store.unsubscribe("C1", "meeting", "100")
    assert not await store.unsubscribe("C1", "meeting", "100")
    assert await store.subscriptions("C1") == []


@pytest.mark.parametrize(
    ("scope", "target"), [("everything", None), ("all", "x"), ("host", None), ("meeting", "")]
)
async def test_subscribe_refuses_bad_scope_or_target(
    store: Store, scope: str, target: str | None
) -> None:
    with pytest.raises(ValueError):
        await store.subscribe("C1", scope, target)


async def test_card_refs(store: Store) -> None:
    assert await store.card_ref("100", "C1") is None
    await store.save_card_ref("100", "C1", "1.1")
    await store.save_card_ref("100", "C1", "1.2")
    assert await store.card_ref("100", "C1") == ("C1", "1.2")


async def test_stats_and_counts(store: Store) -> None:
    await store.subscribe("C1", "all", None)
    await store.observe(
        [row(), row("200", start=NOW - MIN, in_progress=True)], now=NOW, rules=RULES
    )
    assert await store.outbox_stats(NOW + 30 * timedelta(seconds=1)) == (2, 30.0)
    counts = await store.counts()
    assert counts["meetings_scheduled"] == 1
    assert counts["meetings_in_progress"] == 1
    assert counts["outbox_pending"] == 2
    assert counts["subscriptions_enabled"] == 1
    assert await store.next_start_after(NOW) == START


async def test_snapshots_active_only(store: Store) -> None:
    old = row("300", start=NOW - timedelta(hours=5))
    await store.observe([row(), old], now=NOW, rules=RULES)
    assert {s.key for s in await store.snapshots()} == {"100", "300"}
    assert {s.key for s in await store.snapshots(now=NOW)} == {"100"}
    assert {s.key for s in await store.snapshots(active_only=False)} == {"100", "300"}


async def test_several_observations_of_one_session_apply_in_order(store: Store) -> None:
    info = Observation(
        key="100", authority=Authority.LIVE_DETAIL, in_progress=True, host_present=True
    )
    events = await store.observe(
        [row(start=NOW - MIN), info, row(start=NOW - MIN, in_progress=None)],
        now=NOW,
        rules=RULES,
    )
    assert [e.kind for e in events] == [K.SCHEDULED, K.STARTED, K.HOST_JOINED]
    snapshot = await store.snapshot("100")
    assert snapshot is not None and snapshot.in_progress and snapshot.host_present


async def test_live_snapshots_are_running_or_imminent_sessions(store: Store) -> None:
    await store.observe(
        [
            row("run", start=NOW - 30 * MIN, in_progress=True),
            row("soon", start=NOW + 10 * MIN),
            row("later", start=NOW + 3 * 60 * MIN),
            row("old", start=NOW - 2 * 24 * 60 * MIN),
            row("gone", start=NOW + 5 * MIN),
        ],
        now=NOW,
        rules=RULES,
    )
    await store.observe([Observation(key="gone", authority=Authority.GONE)], now=NOW, rules=RULES)
    live = await store.live_snapshots(NOW, timedelta(minutes=15))
    assert [s.key for s in live] == ["run", "soon"]


async def test_an_observation_applied_twice_yields_its_events_once(store: Store) -> None:
    """What a retry after a lost commit does: the committed state decides."""
    await store.subscribe("C1", "all", None)
    assert [e.kind for e in await store.observe([row()], now=NOW, rules=RULES)] == [K.SCHEDULED]
    assert await store.observe([row()], now=NOW, rules=RULES) == []
    assert len(await store.due_deliveries(NOW)) == 1


async def test_first_sighting_remembers_a_slack_event_for_a_day(store: Store) -> None:
    assert await store.first_sighting("Ev1", NOW) is True
    assert await store.first_sighting("Ev1", NOW) is False
    later = NOW + timedelta(days=1, hours=1)
    assert await store.first_sighting("Ev2", later) is True  # and forgets Ev1
    assert await store.first_sighting("Ev1", later) is True

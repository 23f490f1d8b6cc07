"""The watcher against the simulated site over loopback: real XML client, real
store on tmp_path, the job functions called directly under a frozen SimClock."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.xmlapi import XmlApiClient
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from bot.backoff import Backoff
from bot.watch.schedule import Scheduler
from bot.watch.watcher import Watcher, WatchSettings
from state.model import Event, EventKind, Rules
from state.store import Store, open_store
from tests.fakes.sim import ADMIN

RULES = Rules(waiting_grace=timedelta(seconds=30), host_left_grace=timedelta(seconds=30))
SETTINGS = WatchSettings(backoff=Backoff(base=10, cap=60, jitter=0))


@dataclass
class Rig:
    clock: SimClock
    site: SimulatedSite
    store: Store
    watcher: Watcher
    budget: SessionInfoBudget

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    async def cycle(self) -> list[Event]:
        """What the schedule would run over one stretch of time."""
        return (
            await self.watcher.discover()
            + await self.watcher.poll_live()
            + await self.watcher.remind()
        )


def kinds(events: list[Event], key: str | None = None) -> list[EventKind]:
    return [e.kind for e in events if key is None or e.meeting_key == key]


@asynccontextmanager
async def open_rig(
    clock: SimClock, site: SimulatedSite, url: str, db: Path, budget: SessionInfoBudget
) -> AsyncIterator[Rig]:
    """A watcher on a store at ``db`` subscribed to everything in C1; the client
    and the store are closed on exit."""
    async with (
        XmlApiClient(url, ADMIN, clock=clock.now, read_timeout=5) as client,
        await open_store(f"sqlite:///{db}") as store,
    ):
        await store.subscribe("C1", "all", None)
        watcher = Watcher(
            source=client,
            store=store,
            rules=RULES,
            budget=budget,
            clock=clock.now,
            settings=SETTINGS,
            draw=lambda: 0.0,
        )
        yield Rig(clock, site, store, watcher, budget)


@pytest.fixture
async def rig(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> AsyncIterator[Rig]:
    async with open_rig(
        sim_clock, sim_site, sim_url, tmp_path / "m.db", SessionInfoBudget(hourly=500)
    ) as r:
        yield r


def test_a_live_poll_catches_up_and_discovery_does_not(rig: Rig) -> None:
    """A live poll due while the last one runs starts right after it; a discovery
    that comes due while one runs is skipped (its runs take most of an interval)."""
    scheduler = Scheduler()
    rig.watcher.install(scheduler)
    catch_up = {name: spec.catch_up for name, spec in scheduler.specs.items()}
    assert catch_up == {"discover": False, "poll_live": True, "remind": False}


async def test_every_event_kind_once_and_nothing_repeated(rig: Rig) -> None:
    site, now = rig.site, rig.clock.now()
    first = await rig.cycle()
    assert set(kinds(first)) == {EventKind.SCHEDULED}
    assert await rig.cycle() == []  # nothing changed, nothing said

    key = site.schedule(host="alice", title="Launch", start=now + timedelta(minutes=20))
    moved = site.schedule(host="bob", title="Moved", start=now + timedelta(hours=5))
    gone = site.schedule(host="chen", title="Gone", start=now + timedelta(hours=6))
    events = await rig.cycle()
    assert sorted(kinds(events)) == [EventKind.SCHEDULED] * 3

    rig.advance(11 * 60)
    assert kinds(await rig.watcher.remind(), key) == [EventKind.STARTING_SOON]

    seen: list[Event] = []
    site.attendee_joins(key)  # starts the meeting, host absent
    seen += await rig.cycle()
    rig.advance(31)
    seen += await rig.cycle()
    site.host_joins(key)
    rig.advance(20)
    seen += await rig.cycle()
    site.lock(key)
    rig.advance(20)
    seen += await rig.cycle()
    site.unlock(key)
    rig.advance(20)
    seen += await rig.cycle()
    site.attendee_leaves(key)
    site.host_leaves(key)
    rig.advance(20)
    seen += await rig.cycle()
    rig.advance(31)
    seen += await rig.cycle()
    site.end(key)
    rig.advance(20)
    seen += await rig.cycle()
    assert kinds(seen, key) == [
        EventKind.STARTED,
        EventKind.ATTENDEES_WAITING,
        EventKind.HOST_JOINED,
        EventKind.LOCKED,
        EventKind.UNLOCKED,
        EventKind.HOST_LEFT,
        EventKind.ENDED,
    ]

    site.reschedule(moved, start=now + timedelta(hours=7))
    site.delete(gone)
    rig.advance(60)
    later = await rig.cycle() + await rig.cycle()
    assert kinds(later, moved) == [EventKind.RESCHEDULED]
    assert kinds(later, gone) == [EventKind.CANCELLED]
    rig.advance(60)
    assert await rig.cycle() == []

    everything = kinds(first + events + seen + later) + [EventKind.STARTING_SOON]
    assert set(everything) == set(EventKind)


@pytest.mark.parametrize(
    ("operation", "kind"),
    [
        ("LstsummarySession", "http500"),
        ("LstsummarySession", "malformed"),
        ("LstsummarySession", "truncated"),
        ("LstsummarySession", "timeout"),
        ("*", "empty"),
    ],
)
async def test_a_failed_poll_says_nothing_and_the_next_catches_up(
    rig: Rig, operation: str, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await rig.cycle()
    key = rig.site.schedule(
        host="alice", title="Late news", start=rig.clock.now() + timedelta(hours=2)
    )
    rig.site.faults.inject(operation=operation, kind=kind, times=1)
    assert await rig.watcher.discover() == []
    assert rig.watcher.failures("discover") == 1
    assert await rig.watcher.discover() == []  # backing off: not even asked
    rig.advance(10)
    assert kinds(await rig.watcher.discover(), key) == [EventKind.SCHEDULED]
    assert rig.watcher.failures("discover") == 0
    assert caplog.text.count("discover recovered after 1 failed runs") == 1


async def test_rate_limit_pauses_every_webex_call(rig: Rig) -> None:
    await rig.cycle()
    rig.site.faults.inject(operation="*", kind="rate_limit", times=1)
    assert await rig.watcher.discover() == []
    before = rig.site.request_count()
    assert await rig.watcher.discover() == []
    assert await rig.watcher.poll_live() == []
    assert rig.site.request_count() == before
    rig.advance(61)
    key = rig.site.schedule(host="bob", title="After", start=rig.clock.now() + timedelta(hours=1))
    assert kinds(await rig.watcher.discover(), key) == [EventKind.SCHEDULED]


async def test_bad_credentials_stop_polling(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    wrong = replace(ADMIN, password="wrong")
    async with (
        XmlApiClient(sim_url, wrong, clock=sim_clock.now) as client,
        await open_store(f"sqlite:///{tmp_path / 'm.db'}") as store,
    ):
        await store.subscribe("C1", "all", None)
        watcher = Watcher(
            source=client,
            store=store,
            rules=RULES,
            budget=SessionInfoBudget(hourly=10),
            clock=sim_clock.now,
        )
        assert await watcher.discover() == []
        assert watcher.halted
        before = sim_site.request_count()
        await watcher.discover()
        await watcher.poll_live()
        assert sim_site.request_count() == before


async def test_a_403_block_keeps_listings_working(rig: Rig) -> None:
    site, now = rig.site, rig.clock.now()
    key = site.schedule(host="alice", title="Blocked", start=now + timedelta(minutes=5))
    await rig.cycle()
    site.faults.inject(operation="GetSessionInfo", kind="http403", times=1)
    site.start(key)
    rig.advance(20)
    events = await rig.cycle()
    assert kinds(events, key) == [EventKind.STARTED]  # from the in-progress listing
    assert rig.budget.blocked(rig.clock.now())
    before = site.request_count("GetSessionInfo")
    site.host_joins(key)
    rig.advance(20)
    assert kinds(await rig.cycle(), key) == [EventKind.HOST_JOINED]
    assert site.request_count("GetSessionInfo") == before


async def test_restart_neither_repeats_nor_loses(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "m.db"
    key = sim_site.schedule(host="alice", title="Kept", start=sim_clock.now() + timedelta(hours=1))
    async with open_rig(sim_clock, sim_site, sim_url, db, SessionInfoBudget(hourly=500)) as r:
        first = await r.cycle()
    assert EventKind.SCHEDULED in kinds(first, key)
    sim_site.start(key)  # happens while we are down
    sim_clock.advance(timedelta(seconds=30))
    async with open_rig(sim_clock, sim_site, sim_url, db, SessionInfoBudget(hourly=500)) as r:
        again = await r.cycle()
        again += await r.cycle()
    # Not scheduled again; the start that happened meanwhile is caught.
    assert kinds(again, key) == [EventKind.STARTED]
    assert EventKind.SCHEDULED not in kinds(again)


async def test_the_budget_is_never_exceeded(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    budget = SessionInfoBudget(hourly=30, burst=5)  # far tighter than the site's limit
    now = sim_clock.now()
    for i in range(12):
        sim_site.start(
            sim_site.schedule(host="alice", title=f"M{i}", start=now + timedelta(minutes=1))
        )
    async with open_rig(sim_clock, sim_site, sim_url, tmp_path / "m.db", budget) as r:
        for step in range(180):  # one simulated hour at the default poll interval
            if step % 3 == 0:
                await r.watcher.discover()
            await r.watcher.poll_live()
            sim_clock.advance(timedelta(seconds=20))
    asked = sum(
        sum(1 for op in req.operation_names if op.lower() == "getsessioninfo")
        for req in sim_site.requests
    )
    assert 0 < asked <= 30
    assert not budget.blocked(sim_clock.now())


async def test_a_vanished_session_is_confirmed_gone_in_one_cycle(rig: Rig) -> None:
    key = rig.site.schedule(
        host="bob", title="Short-lived", start=rig.clock.now() + timedelta(hours=3)
    )
    await rig.watcher.discover()
    before = rig.site.request_count("GetSessionInfo")
    assert await rig.watcher.discover() == []
    assert rig.site.request_count("GetSessionInfo") == before  # nothing vanished: no lookups
    rig.site.delete(key)
    rig.advance(60)
    assert kinds(await rig.watcher.discover(), key) == [EventKind.CANCELLED]
    assert rig.site.request_count("GetSessionInfo") == before + 1


@pytest.mark.parametrize(("scope", "target"), [("host", "alice@acme.example"), ("meeting", None)])
async def test_email_and_meeting_subscriptions_are_watched(
    sim_clock: SimClock,
    sim_site: SimulatedSite,
    sim_url: str,
    tmp_path: Path,
    scope: str,
    target: str | None,
) -> None:
    async with open_rig(
        sim_clock, sim_site, sim_url, tmp_path / "m.db", SessionInfoBudget(hourly=500)
    ) as r:
        await r.store.unsubscribe("C1", "all", None)
        key = sim_site.schedule(
            host="alice", title="Mine", start=sim_clock.now() + timedelta(minutes=5)
        )
        await r.store.subscribe("C1", scope, target or key)
        assert EventKind.SCHEDULED in kinds(await r.watcher.discover(), key)
        before = sim_site.request_count("LstsummarySession")
        await r.watcher.discover()  # now resolved: alice's listing only
        sim_site.start(key)
        sim_clock.advance(timedelta(seconds=20))
        assert kinds(await r.watcher.poll_live(), key) == [EventKind.STARTED]
        assert sim_site.request_count("LstsummarySession") > before
        alice_only = [
            q for q in sim_site.requests[-3:] if b"alice" in q.raw and b"hostWebExID" in q.raw
        ]
        assert alice_only


async def test_open_sessions_spare_listings_of_hosts_with_nothing_running(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    async with open_rig(
        sim_clock, sim_site, sim_url, tmp_path / "m.db", SessionInfoBudget(hourly=0)
    ) as r:
        await r.store.unsubscribe("C1", "all", None)
        soon = sim_clock.now() + timedelta(minutes=10)
        keys = {
            h: sim_site.schedule(host=h, title=f"{h} sync", start=soon)
            for h in ("alice", "bob", "chen")
        }
        for host in keys:
            await r.store.subscribe("C1", "host", host)
        await r.watcher.discover()

        def asked() -> tuple[int, int]:
            # Listings by query (the hosts' listings share one request).
            return (
                sim_site.request_count("LstOpenSession"),
                sim_site.items_count("LstsummarySession"),
            )

        def spent(before: tuple[int, int]) -> tuple[int, int]:
            return (asked()[0] - before[0], asked()[1] - before[1])

        # LstOpenSession failing costs nothing but the request: every host is listed.
        sim_site.faults.inject("LstOpenSession", "http500")
        sim_site.start(keys["alice"])
        before = asked()
        assert kinds(await r.watcher.poll_live()) == [EventKind.STARTED]
        assert spent(before)[1] == 3

        # Alice is live, bob and chen idle: one LstOpenSession shows only bob's
        # session open, so alice and bob are listed and chen is not.
        sim_site.host_joins(keys["alice"])
        sim_site.start(keys["bob"])
        sim_clock.advance(timedelta(seconds=20))
        before = asked()
        events = await r.watcher.poll_live()
        assert kinds(events, keys["alice"]) == [EventKind.HOST_JOINED]
        assert kinds(events, keys["bob"]) == [EventKind.STARTED]
        assert spent(before) == (1, 2)

        sim_site.end(keys["alice"])
        sim_clock.advance(timedelta(seconds=20))
        assert kinds(await r.watcher.poll_live(), keys["alice"]) == [EventKind.ENDED]

"""Discovery that cannot slow the live poll down, against the simulated site:
the request lane (a due live poll goes before the next discovery page), store
writes in chunks, and the far part of the window listed only now and then."""

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.simulator.xml.records import RecordedRequest
from adapters.webex.xmlapi import XmlApiClient
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from bot.backoff import Backoff
from bot.watch.watcher import Watcher, WatchSettings
from state.model import Event, EventKind, Observation, Rules
from state.store import SqliteStore
from tests.fakes.sim import ADMIN

RULES = Rules()


class CountingStore(SqliteStore):
    """The real store, noting how many observations each transaction carried."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.batches: list[int] = []

    async def observe(self, observations: Sequence[Observation], **kwargs: Any) -> list[Event]:
        self.batches.append(len(observations))
        return await super().observe(observations, **kwargs)


@asynccontextmanager
async def watching(
    clock: SimClock,
    url: str,
    db: Path,
    settings: WatchSettings,
    *,
    page_size: int = 500,
    subscribe: bool = True,
) -> AsyncIterator[tuple[Watcher, CountingStore]]:
    async with (
        XmlApiClient(url, ADMIN, clock=clock.now, read_timeout=5, page_size=page_size) as client,
        await CountingStore.open(f"sqlite:///{db}") as store,
    ):
        assert isinstance(store, CountingStore)
        if subscribe:
            await store.subscribe("C1", "all", None)
        watcher = Watcher(
            source=client,
            store=store,
            rules=RULES,
            budget=SessionInfoBudget(hourly=500),
            clock=clock.now,
            settings=settings,
            draw=lambda: 0.0,
        )
        yield watcher, store


def _settings(**kw: Any) -> WatchSettings:
    return WatchSettings(backoff=Backoff(base=10, cap=60, jitter=0), **kw)


def _kinds(events: list[Event]) -> list[EventKind]:
    return [e.kind for e in events]


def _schedule_many(site: SimulatedSite, now: datetime, count: int, hours: float = 3) -> list[str]:
    return [
        site.schedule(
            host="alice", title=f"Filler {i}", start=now + timedelta(hours=hours, minutes=i)
        )
        for i in range(count)
    ]


def _is_page(request: RecordedRequest) -> bool:
    """A discovery page (a listing not of sessions in progress)."""
    return request.operation_names == ("LstsummarySession",) and b"INPROGRESS" not in request.raw


async def test_a_due_live_poll_is_sent_before_the_next_discovery_page(
    sim_clock: SimClock,
    sim_site: SimulatedSite,
    sim_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site, now = sim_site, sim_clock.now()
    _schedule_many(site, now, 16)
    live = site.schedule(host="bob", title="Live", start=now + timedelta(minutes=5))
    site.list_page_limit = 2
    async with watching(sim_clock, sim_url, tmp_path / "m.db", _settings(), page_size=2) as (
        watcher,
        _store,
    ):
        await watcher.discover()
        site.start(live)
        site.listing_latency = 0.05  # slow pages, so discovery is mid-way below
        paged = asyncio.Event()
        record = site.record

        def noting(request: RecordedRequest) -> None:
            record(request)
            if _is_page(request):
                paged.set()

        monkeypatch.setattr(site, "record", noting)
        discovery = asyncio.create_task(watcher.discover())
        await paged.wait()
        due = len(site.requests)  # the live poll falls due with a page in flight
        events = await watcher.poll_live()
        await discovery
    after = site.requests[due:]
    live_requests = [i for i, r in enumerate(after) if not _is_page(r)]
    assert EventKind.STARTED in _kinds(events)
    assert [after[i].operation_names for i in live_requests] == [
        ("LstsummarySession",),
        ("GetSessionInfo",),
    ]
    # At most the one page that was already asked for goes first, and none
    # comes between the poll's requests; discovery then finishes its pages.
    assert live_requests[0] <= 1
    assert live_requests[1] == live_requests[0] + 1
    assert sum(_is_page(r) for r in after) >= 5


async def test_a_large_discovery_is_written_in_chunks_and_unchanged_rows_not_at_all(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    site, now = sim_site, sim_clock.now()
    keys = _schedule_many(site, now, 11)
    async with watching(sim_clock, sim_url, tmp_path / "m.db", _settings(discovery_batch=4)) as (
        watcher,
        store,
    ):
        first = await watcher.discover()
        assert len([e for e in first if e.meeting_key in keys]) == 11
        assert store.batches[:-1] and max(store.batches) <= 4
        assert sum(store.batches) == 6 + 11  # the example site's six, and these
        store.batches.clear()
        assert await watcher.discover() == []
        assert sum(store.batches) == 0  # nothing changed: nothing modelled
        site.reschedule(keys[3], start=now + timedelta(hours=9))
        moved = await watcher.discover()
    assert _kinds(moved) == [EventKind.RESCHEDULED]
    assert sum(store.batches) == 1


async def test_the_far_window_is_listed_every_far_every_cycles(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    site, now = sim_site, sim_clock.now()
    settings = _settings(discovery_interval=60, near_ahead=timedelta(hours=24), far_every=3)
    async with watching(sim_clock, sim_url, tmp_path / "m.db", settings) as (watcher, _):
        first = await watcher.discover()
        assert _kinds(first) == [EventKind.SCHEDULED] * 6  # far ones included
        near = site.schedule(host="alice", title="Near", start=now + timedelta(hours=2))
        far = site.schedule(host="alice", title="Far", start=now + timedelta(days=3))
        sim_clock.advance(timedelta(seconds=60))
        soon = await watcher.discover()
        assert [e.meeting_key for e in soon] == [near]
        sim_clock.advance(timedelta(seconds=60))
        assert await watcher.discover() == []
        sim_clock.advance(timedelta(seconds=60))
        later = await watcher.discover()
    assert [e.meeting_key for e in later] == [far]


async def test_what_started_hours_ago_and_is_not_running_is_listed_with_the_far_parts(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    site, now = sim_site, sim_clock.now()
    # Due five hours ago, ten hours long, never started: only the far part
    # ("before", beyond near_back) lists it after the first cycle.
    late = site.schedule(
        host="alice", title="Late", start=now - timedelta(hours=5), duration_minutes=600
    )
    settings = _settings(discovery_interval=60, near_back=timedelta(hours=2), far_every=3)
    async with watching(sim_clock, sim_url, tmp_path / "m.db", settings) as (watcher, store):
        await watcher.discover()
        site.delete(late)
        missed = []
        for _ in range(2):
            sim_clock.advance(timedelta(seconds=60))
            missed.append(await watcher.discover())
        sim_clock.advance(timedelta(seconds=60))
        far = await watcher.discover()
        gone = await store.snapshot(late)
    assert missed == [[], []]
    assert [(e.kind, e.meeting_key) for e in far] == [(EventKind.CANCELLED, late)]
    assert gone is not None and gone.cancelled


async def test_a_first_start_sees_what_runs_before_discovery_has_listed_anything(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    site, now = sim_site, sim_clock.now()
    running = site.schedule(host="alice", title="Running", start=now - timedelta(minutes=5))
    site.start(running)
    late = site.schedule(host="bob", title="Late", start=now - timedelta(minutes=2))
    async with watching(sim_clock, sim_url, tmp_path / "m.db", _settings()) as (watcher, store):
        # The store has no history: what already runs is recorded, not announced.
        first = await watcher.poll_live()
        settled = await store.snapshot(running)
        site.start(late)  # starts after that first look, before any discovery
        sim_clock.advance(timedelta(seconds=2))
        events = await watcher.poll_live()
        sim_clock.advance(timedelta(seconds=2))
        listed = await watcher.discover()
    assert first == []
    assert settled is not None and settled.in_progress
    assert [(e.kind, e.meeting_key) for e in events][:1] == [(EventKind.STARTED, late)]
    assert [e for e in listed if e.meeting_key in (running, late)] == []


async def test_jobs_starting_together_take_the_first_look_once(
    sim_clock: SimClock,
    sim_site: SimulatedSite,
    sim_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = sim_site.schedule(
        host="alice", title="Running", start=sim_clock.now() - timedelta(minutes=5)
    )
    sim_site.start(running)
    caplog.set_level(logging.INFO, logger="meetbot.webex.xmlapi")
    async with watching(sim_clock, sim_url, tmp_path / "m.db", _settings()) as (watcher, _):
        listed, polled = await asyncio.gather(watcher.discover(), watcher.poll_live())
    looks = [r for r in caplog.records if "store without history" in r.getMessage()]
    assert len(looks) == 1
    # Neither job announces what already ran before the first look.
    assert [e for e in [*listed, *polled] if e.meeting_key == running] == []


async def test_a_first_start_before_any_subscription_still_settles_what_runs(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    site, now = sim_site, sim_clock.now()
    running = site.schedule(host="alice", title="Running", start=now - timedelta(minutes=5))
    site.start(running)
    db = tmp_path / "m.db"
    async with watching(sim_clock, sim_url, db, _settings(), subscribe=False) as (watcher, store):
        # Nothing is watched yet: these runs list nothing, so they look at nothing.
        assert await watcher.discover() == []
        assert await watcher.poll_live() == []
        await store.subscribe("C1", "all", None)
        sim_clock.advance(timedelta(seconds=2))
        first = await watcher.poll_live()
        settled = await store.snapshot(running)
    assert [e for e in first if e.meeting_key == running] == []
    assert settled is not None and settled.in_progress


async def test_after_a_restart_what_started_meanwhile_is_announced(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    site, now = sim_site, sim_clock.now()
    db = tmp_path / "m.db"
    known = site.schedule(host="alice", title="Known", start=now + timedelta(minutes=5))
    async with watching(sim_clock, sim_url, db, _settings()) as (watcher, _store):
        first = await watcher.discover()
        assert EventKind.SCHEDULED in [e.kind for e in first if e.meeting_key == known]
    # While the service is down, a meeting is scheduled and both start.
    sim_clock.advance(timedelta(minutes=10))
    new = site.schedule(host="bob", title="New", start=sim_clock.now() - timedelta(minutes=1))
    site.start(known)
    site.start(new)
    async with watching(sim_clock, sim_url, db, _settings()) as (watcher, _store):
        events = await watcher.poll_live()
    started = {e.meeting_key for e in events if e.kind is EventKind.STARTED}
    assert {known, new} <= started

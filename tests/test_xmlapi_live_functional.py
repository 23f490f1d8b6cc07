"""The live poll's in-progress listings sent as the bodyContents of one request,
against the simulated site on loopback: one request for every part, the
bodyContent cap, a part longer than a page, an empty part, the row memo and
the foreign way of writing listings, and the feed's ended detection across
parts."""

from datetime import timedelta
from pathlib import Path

import pytest

from adapters.errors import AccessDeniedError
from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.xmlapi import Credentials, XmlApiClient
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.models import ListingWindow, SessionListing
from bot.backoff import Backoff
from bot.watch.watcher import Watcher, WatchSettings
from state.model import EventKind, Rules
from state.store import open_store
from tests.fakes.sim import ADMIN


def live_parts(site: SimulatedSite, parts: int, per_part: int) -> list[ListingWindow]:
    """``parts`` adjacent hour-long windows ending now, each with ``per_part``
    sessions in progress."""
    now = site.clock.now()
    windows = []
    for p in range(parts):
        start = now - timedelta(hours=parts - p)
        for n in range(per_part):
            key = site.schedule(
                host="bob", title=f"part {p} row {n}", start=start + timedelta(minutes=n + 1)
            )
            site.start(key)
        windows.append(ListingWindow(start_from=start, start_to=start + timedelta(hours=1)))
    return windows


def listing_requests(site: SimulatedSite) -> list[int]:
    """The bodyContent count of every LstsummarySession request so far."""
    return [r.body_content_count for r in site.requests if "LstsummarySession" in r.operation_names]


async def one_by_one(client: XmlApiClient, windows: list[ListingWindow]) -> list[SessionListing]:
    return [
        await client.list_sessions(
            start_from=w.start_from,
            start_to=w.start_to,
            host_webex_id=w.host_webex_id,
            in_progress_only=True,
        )
        for w in windows
    ]


def keys(listing: SessionListing) -> set[str]:
    return {s.session_key for s in listing.sessions}


async def test_every_part_is_one_bodycontent_of_one_request(
    connect, sim_site: SimulatedSite
) -> None:
    windows = live_parts(sim_site, parts=4, per_part=3)
    client = connect()
    before = len(listing_requests(sim_site))
    listings = await client.list_live_sessions(windows)
    assert listing_requests(sim_site)[before:] == [4]
    assert listings == await one_by_one(connect(), windows)
    assert all(listing.complete and len(listing.sessions) == 3 for listing in listings)
    assert await client.list_live_sessions([]) == []


async def test_the_cap_is_respected_and_learned_from_000053(
    connect, sim_site: SimulatedSite
) -> None:
    windows = live_parts(sim_site, parts=5, per_part=1)
    sim_site.body_content_limit = 2
    client = connect(body_content_batch=10)
    before = len(listing_requests(sim_site))
    listings = await client.list_live_sessions(windows)
    assert client.body_content_limit == 2
    # The refused request of five, then the same windows two at a time.
    assert listing_requests(sim_site)[before:] == [5, 2, 2, 1]
    assert listings == await one_by_one(connect(), windows)
    before = len(listing_requests(sim_site))
    await client.list_live_sessions(windows)
    assert listing_requests(sim_site)[before:] == [2, 2, 1]


async def test_a_part_longer_than_a_page_is_paged_alone(connect, sim_site: SimulatedSite) -> None:
    windows = live_parts(sim_site, parts=3, per_part=2)
    long_part = windows[1]
    for n in range(5):
        key = sim_site.schedule(
            host="chen", title=f"extra {n}", start=long_part.start_from + timedelta(minutes=30 + n)
        )
        sim_site.start(key)
    sim_site.list_page_limit = 3
    client = connect()
    before = len(listing_requests(sim_site))
    listings = await client.list_live_sessions(windows)
    # One request for every part's first page, then pages two and three of the long part.
    assert listing_requests(sim_site)[before:] == [3, 1, 1]
    assert [len(listing.sessions) for listing in listings] == [2, 7, 2]
    assert all(listing.complete for listing in listings)
    assert listings == await one_by_one(connect(), windows)


async def test_000015_in_one_part_is_an_empty_listing_of_that_part(
    connect, sim_site: SimulatedSite
) -> None:
    windows = live_parts(sim_site, parts=2, per_part=2)
    now = sim_site.clock.now()
    empty = ListingWindow(start_from=now + timedelta(days=30), start_to=now + timedelta(days=31))
    listings = await connect().list_live_sessions([windows[0], empty, windows[1]])
    assert listings[1] == SessionListing(sessions=(), total=0, complete=True)
    assert [len(listing.sessions) for listing in listings] == [2, 0, 2]
    assert listings[0] != listings[2] and all(listing.complete for listing in listings)


async def test_another_failure_in_one_part_fails_the_call(connect, sim_site: SimulatedSite) -> None:
    windows = live_parts(sim_site, parts=1, per_part=1)
    alice = connect(Credentials(site_name="acme", webex_id="alice", password="alice-pass"))
    bob = ListingWindow(
        start_from=windows[0].start_from, start_to=windows[0].start_to, host_webex_id="bob"
    )
    with pytest.raises(AccessDeniedError):
        await alice.list_live_sessions([windows[0], bob])


async def test_the_second_poll_recalls_its_rows(connect, sim_site: SimulatedSite) -> None:
    windows = live_parts(sim_site, parts=3, per_part=4)
    client = connect()
    first = await client.list_live_sessions(windows)
    hits, misses = client.row_memo_counts
    assert (hits, misses) == (0, 12)
    sim_site.host_joins(next(iter(keys(first[1]))))
    again = await client.list_live_sessions(windows)
    assert client.row_memo_counts == (hits + 11, misses + 1)
    assert again == await one_by_one(connect(), windows)
    assert again[0] == first[0] and again[1] != first[1]


async def test_foreign_multi_part_answers_read_as_ours(connect, sim_site: SimulatedSite) -> None:
    windows = live_parts(sim_site, parts=3, per_part=3)
    ours = await connect().list_live_sessions(windows)
    sim_site.foreign_listings = True
    client = connect()
    for _ in range(3):
        foreign = await client.list_live_sessions(windows)
        assert [keys(f) for f in foreign] == [keys(o) for o in ours]
        assert [sorted(f.sessions, key=lambda s: s.session_key) for f in foreign] == [
            sorted(o.sessions, key=lambda s: s.session_key) for o in ours
        ]
    # The first answer teaches the prefix, the second the rows, the third recalls them.
    assert client.row_memo_counts[0] == 9


async def test_the_feed_lists_every_part_in_one_request_and_sees_each_end(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    settings = WatchSettings(backoff=Backoff(base=10, cap=60, jitter=0), live_rows_per_query=2)
    now = sim_clock.now()
    started = [
        sim_site.schedule(host="bob", title=f"run {n}", start=now - timedelta(minutes=50 - 10 * n))
        for n in range(5)
    ]
    for key in started:
        sim_site.start(key)
    async with (
        XmlApiClient(sim_url, ADMIN, clock=sim_clock.now, read_timeout=5) as client,
        await open_store(f"sqlite:///{tmp_path / 'm.db'}") as store,
    ):
        await store.subscribe("C1", "all", None)
        watcher = Watcher(
            source=client,
            store=store,
            rules=Rules(),
            budget=SessionInfoBudget(hourly=0),
            clock=sim_clock.now,
            settings=settings,
            draw=lambda: 0.0,
        )
        await watcher.discover()
        await watcher.poll_live()  # the store has no history: a first look
        for key in (started[0], started[4]):  # the first and the last part
            sim_site.end(key)
        sim_clock.advance(timedelta(seconds=2))
        before = len(listing_requests(sim_site))
        events = await watcher.poll_live()
        sizes = listing_requests(sim_site)[before:]
        sim_clock.advance(timedelta(seconds=2))
        quiet = await watcher.poll_live()
    # Five candidates, two per part: three parts, in one request.
    assert sizes == [3]
    ended = {e.meeting_key for e in events if e.kind is EventKind.ENDED}
    assert ended == {started[0], started[4]}
    assert [e for e in quiet if e.kind is EventKind.ENDED] == []

"""The REST feed end to end on loopback: the REST simulator delivers signed
webhooks to the real ``/webex/webhooks`` route, the inbox drainer hands them to
the feed, and a real store turns the observations into lifecycle events.
Repeats, dropped deliveries caught up by a sweep, and a disabled webhook too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from aiohttp.test_utils import TestServer

from adapters.webex.rest.client import RestClient, RestSettings, Tokens
from adapters.webex.rest.feed.feed import RestFeed
from adapters.webex.rest.feed.jobs import HOOK_CHECK, SCHEDULE_TIMEOUT, RestFeedJobs
from adapters.webex.rest.simulator import RestSite
from bot.config import WEBHOOK_PATH, Settings
from bot.serve.web import create_web_app
from bot.serve.webex_webhooks import WebhookEndpoint, webhook_route
from bot.watch.inbox import InboxDrainer
from state.model import Event, EventKind, ListingScope, Observation, Rules
from state.store import Store, open_store
from tests.restsim import ADMIN_TOKEN, ALICE, BOB, new_site, running, schedule

K = EventKind
SECRET = "hook-secret-value"
RULES = Rules(waiting_grace=timedelta(0), host_left_grace=timedelta(0))


@dataclass
class StoreIntake:
    """The core's door as the store implements it: observations in, events out."""

    store: Store
    events: list[Event] = field(default_factory=list)
    #: Set whenever events were made.
    made: asyncio.Event = field(default_factory=asyncio.Event)

    async def observe(
        self,
        observations: Sequence[Observation],
        *,
        now: datetime,
        listing: ListingScope | None = None,
        listed: Collection[str] = (),
        settle_running_before: datetime | None = None,
    ) -> list[Event]:
        made = await self.store.observe(
            observations, now=now, rules=RULES, listing=listing, listed=listed
        )
        return self._keep(made)

    async def tick(self, *, now: datetime) -> list[Event]:
        return self._keep(await self.store.tick(now=now, rules=RULES))

    def _keep(self, made: list[Event]) -> list[Event]:
        self.events.extend(made)
        if made:
            self.made.set()
        return made

    def kinds(self, key: str) -> list[EventKind]:
        return [e.kind for e in self.events if e.meeting_key == key]


@dataclass
class Rig:
    site: RestSite
    store: Store
    intake: StoreIntake
    feeds: list[RestFeed]
    drainer: InboxDrainer
    client: RestClient
    target_url: str

    @property
    def feed(self) -> RestFeed:
        return self.feeds[0]

    async def restart_feed(self) -> None:
        """A new feed, as after a restart: it knows only what the store says."""
        fresh = RestFeed(
            self.client,
            self.intake,
            target_url=self.target_url,
            secret=SECRET,
            held=self.store.snapshot,
        )
        fresh.remember(await self.store.snapshots())
        self.feeds[0] = fresh

    async def settle(self) -> None:
        """Every delivery out, answered and processed."""
        await self.site.deliveries.settle()
        await self.drainer.drain()

    def now(self) -> datetime:
        return self.site.clock.now()


@asynccontextmanager
async def rig(site: RestSite | None = None) -> AsyncIterator[Rig]:
    site = site or new_site()
    async with running(site) as api, await open_store("sqlite:///:memory:") as store:
        intake = StoreIntake(store)
        feeds: list[RestFeed] = []
        drainer = InboxDrainer(store, lambda body, now: feeds[0].handle(body, now), site.clock.now)
        endpoint = WebhookEndpoint(
            secret=SECRET, inbox=store, on_delivery=drainer.wake, clock=site.clock.now
        )
        app = create_web_app(
            Settings(demo=True), None, lambda: True, hooks=[webhook_route(endpoint)]
        )
        front = TestServer(app, host="127.0.0.1")
        await front.start_server()
        client = RestClient(
            Tokens(access_token=ADMIN_TOKEN), settings=RestSettings(base_url=api.base)
        )
        try:
            target_url = str(front.make_url(WEBHOOK_PATH))
            feed = RestFeed(
                client,
                intake,
                target_url=target_url,
                secret=SECRET,
                owned_by="org",
                held=store.snapshot,
            )
            feeds.append(feed)
            await feed.register(site.clock.now())
            yield Rig(
                site=site,
                store=store,
                intake=intake,
                feeds=feeds,
                drainer=drainer,
                client=client,
                target_url=target_url,
            )
        finally:
            await client.close()
            await front.close()


async def test_registration_is_complete_and_a_second_one_adds_nothing() -> None:
    async with rig() as r:
        hooks = r.site.webhooks.all()
        assert sorted((h.resource, h.event) for h in hooks) == sorted(
            [("meetings", e) for e in ("started", "ended", "created", "updated", "deleted")]
            + [("meetingParticipants", "joined"), ("meetingParticipants", "left")]
        )
        assert {h.owned_by for h in hooks} == {"org"}
        await r.feed.register(r.now())
        assert len(r.site.webhooks.all()) == 7


async def test_a_new_secret_reaches_the_registered_webhooks_at_start() -> None:
    async with rig() as r:
        assert {h.secret for h in r.site.webhooks.all()} == {SECRET}
        rotated = RestFeed(r.client, r.intake, target_url=r.target_url, secret="rotated-secret")
        await rotated.register(r.now())
        hooks = r.site.webhooks.all()
        assert len(hooks) == 7
        assert {h.secret for h in hooks} == {"rotated-secret"}
        # Once per process: a later check lists the webhooks and changes nothing.
        calls = len(r.site.calls)
        await rotated.register(r.now())
        assert [c.method for c in r.site.calls[calls:]] == ["GET"]


async def test_every_event_kind_over_webhooks() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning")
        await r.settle()
        key = series.meeting_number
        snapshot = await r.store.snapshot(key)
        assert snapshot is not None
        assert (snapshot.title, snapshot.host_email) == ("Planning", ALICE)
        assert r.intake.kinds(key) == [K.SCHEDULED]

        r.site.lobby_join(series.id, BOB)
        await r.settle()
        assert r.intake.kinds(key)[1:] == [K.STARTED, K.ATTENDEES_WAITING]

        r.site.host_joins(series.id)
        r.site.admit(series.id, BOB)
        await r.settle()
        assert r.intake.kinds(key)[3:] == [K.HOST_JOINED]

        r.site.leave(series.id, ALICE)
        await r.settle()
        # Bob is still in: the host gone, he waits again.
        assert r.intake.kinds(key)[4:] == [K.HOST_LEFT, K.ATTENDEES_WAITING]

        r.site.end(series.id)
        await r.settle()
        assert r.intake.kinds(key)[6:] == [K.ENDED]
        assert await r.store.inbox_pending() == []


async def test_a_deleted_meeting_is_cancelled() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Retro")
        await r.settle()
        r.site.delete(series.id)
        await r.settle()
        assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED, K.CANCELLED]


async def test_after_a_restart_the_feed_knows_the_meetings_from_the_store() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Retro")
        await r.settle()
        await r.restart_feed()
        calls = len(r.site.calls)
        r.site.start(series.id)
        await r.settle()
        # Key and title known: the delivery costs no call to Webex.
        assert len(r.site.calls) == calls
        r.site.end(series.id)
        r.site.delete(series.id)
        await r.settle()
        assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED, K.STARTED, K.ENDED]
        later = schedule(r.site, ALICE, title="Next")
        await r.settle()
        await r.restart_feed()
        r.site.delete(later.id)
        await r.settle()
        assert r.intake.kinds(later.meeting_number) == [K.SCHEDULED, K.CANCELLED]


async def test_repeated_deliveries_announce_once() -> None:
    async with rig() as r:
        r.site.deliveries.duplicate_next(20)
        series = schedule(r.site, ALICE, title="Planning")
        r.site.start(series.id)
        r.site.host_joins(series.id)
        await r.settle()
        assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED, K.STARTED, K.HOST_JOINED]


async def test_dropped_deliveries_are_caught_up_by_the_sweep() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning")
        await r.settle()
        r.site.deliveries.drop_next(10)
        r.site.start(series.id)
        r.site.host_joins(series.id)
        r.site.join(series.id, BOB)
        await r.settle()
        key = series.meeting_number
        assert r.intake.kinds(key) == [K.SCHEDULED]
        await r.feed.sweep_live(r.now())
        assert r.intake.kinds(key) == [K.SCHEDULED, K.STARTED, K.HOST_JOINED]
        # An end whose delivery is lost: the meeting believed live is asked directly.
        r.site.deliveries.drop_next(10)
        r.site.end(series.id)
        await r.settle()
        await r.feed.sweep_live(r.now(), believed_live=[key])
        assert r.intake.kinds(key)[-1] is K.ENDED


async def test_the_schedule_sweep_finds_a_meeting_whose_creation_was_not_delivered() -> None:
    async with rig() as r:
        r.site.deliveries.drop_next(1)
        series = schedule(r.site, ALICE, title="Quiet one", minutes_ahead=120)
        await r.settle()
        assert await r.store.snapshot(series.meeting_number) is None
        await r.feed.sweep_schedule(r.now())
        # The admin's own schedule does not hold Alice's: her host is named.
        assert await r.store.snapshot(series.meeting_number) is None
        await r.feed.sweep_schedule(r.now(), hosts=[ALICE.upper()])
        snapshot = await r.store.snapshot(series.meeting_number)
        assert snapshot is not None and snapshot.title == "Quiet one"
        assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED]


async def test_a_disabled_webhook_is_reactivated_and_a_sweep_asked_for() -> None:
    async with rig() as r:
        r.feed.sweep_wanted = False
        (started,) = [h for h in r.site.webhooks.all() if h.event == "started"]
        started.status = "inactive"
        await r.feed.register(r.now())
        assert started.status == "active"
        assert r.feed.sweep_wanted
        assert len(r.site.webhooks.all()) == 7


async def test_a_meeting_first_seen_running_keeps_its_schedule() -> None:
    async with rig() as r:
        r.site.deliveries.drop_next(1)  # its creation
        series = schedule(r.site, ALICE, title="Planning")
        await r.settle()
        r.site.clock.advance(timedelta(minutes=3))  # it starts late
        r.site.start(series.id)
        await r.settle()
        key = series.meeting_number
        snapshot = await r.store.snapshot(key)
        assert snapshot is not None
        assert (snapshot.title, snapshot.start, snapshot.duration_minutes) == (
            "Planning",
            series.occurrences[0].start,
            60,
        )
        await r.feed.sweep_schedule(r.now(), hosts=[ALICE])
        assert r.intake.kinds(key) == [K.STARTED]


def jobs_of(r: Rig) -> RestFeedJobs:
    return RestFeedJobs(
        r.feed,
        r.store,
        poll_interval=timedelta(seconds=20),
        discovery_interval=timedelta(seconds=60),
    )


async def test_the_feed_runs_three_jobs() -> None:
    async with rig() as r:
        # None catches up: webhooks carry the live signal, the sweeps are the net.
        assert [(j.name, j.interval, j.catch_up) for j in jobs_of(r).jobs()] == [
            ("webhooks", HOOK_CHECK, False),
            ("sweep_live", timedelta(seconds=20), False),
            ("sweep_schedule", timedelta(seconds=60), False),
        ]


async def test_a_short_discovery_interval_leaves_the_schedule_sweep_minutes() -> None:
    # A sweep over 10,000 meetings takes longer than a 20 s discovery interval:
    # it must not be cancelled for that, and neither may the webhook check that
    # runs it after a gap. The live sweep keeps its own interval's bound.
    async with rig() as r:
        jobs = RestFeedJobs(
            r.feed,
            r.store,
            poll_interval=timedelta(seconds=60),
            discovery_interval=timedelta(seconds=20),
        )
        timeouts = {j.name: j.timeout for j in jobs.jobs()}
        assert timedelta(minutes=5) <= SCHEDULE_TIMEOUT
        assert timeouts == {
            "webhooks": SCHEDULE_TIMEOUT,
            "sweep_live": timedelta(seconds=60),
            "sweep_schedule": SCHEDULE_TIMEOUT,
        }


def schedule_sweeps(r: Rig) -> int:
    """How many schedule sweeps the site saw: each lists the token's own
    schedule once (then each named host's)."""
    return sum(
        1
        for c in r.site.calls
        if c.method == "GET"
        and c.path == "/v1/meetings"
        and "scheduledMeeting" in c.query
        and "hostEmail" not in c.query
    )


async def test_the_launch_sweeps_the_schedule_once() -> None:
    # At launch the webhook check's catch-up and the schedule job's first run
    # both ask for a sweep: one listing of the schedule serves both.
    async with rig() as r:
        await r.store.subscribe("C1", "host", ALICE)
        series = schedule(r.site, ALICE, title="Planning")
        jobs = jobs_of(r)
        await asyncio.gather(jobs.sweep_schedule(r.now()), jobs.check_webhooks(r.now()))
        assert schedule_sweeps(r) == 1
        assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED]
        # A request just after a sweep is served by it too; one a discovery
        # interval later sweeps again.
        await jobs.sweep_schedule(r.now())
        assert schedule_sweeps(r) == 1
        r.site.clock.advance(timedelta(seconds=60))
        await jobs.sweep_schedule(r.now())
        assert schedule_sweeps(r) == 2


async def test_a_reactivated_webhook_is_followed_by_both_sweeps() -> None:
    async with rig() as r:
        jobs = jobs_of(r)
        await jobs.check_webhooks(r.now())  # the start's sweep
        r.site.deliveries.drop_next(3)
        series = schedule(r.site, ALICE, title="Planning")
        r.site.start(series.id)
        r.site.host_joins(series.id)
        await r.settle()
        key = series.meeting_number
        assert r.intake.kinds(key) == []
        (started,) = [h for h in r.site.webhooks.all() if h.event == "started"]
        started.status = "inactive"
        await jobs.check_webhooks(r.now())
        assert started.status == "active"
        # The live sweep found it running with its host; a steady check sweeps no more.
        assert r.intake.kinds(key) == [K.STARTED, K.HOST_JOINED]
        calls = len(r.site.calls)
        await jobs.check_webhooks(r.now())
        assert [c.path for c in r.site.calls[calls:]] == ["/v1/webhooks"]


async def test_the_schedule_job_lists_the_hosts_the_core_knows() -> None:
    async with rig() as r:
        await r.store.subscribe("C1", "host", ALICE)
        r.site.deliveries.drop_next(1)
        series = schedule(r.site, ALICE, title="Quiet one", minutes_ahead=120)
        await r.settle()
        await jobs_of(r).sweep_schedule(r.now())
        assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED]


async def test_the_drainer_runs_on_each_wake() -> None:
    async with rig() as r:
        stop = asyncio.Event()
        running_drainer = asyncio.create_task(r.drainer.run(stop))
        try:
            series = schedule(r.site, ALICE, title="Planning")
            await r.site.deliveries.settle()
            async with asyncio.timeout(10):
                await r.intake.made.wait()
        finally:
            stop.set()
            await running_drainer
        assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED]


@pytest.mark.parametrize("body", ["not json", '{"id": "x"}'])
async def test_a_delivery_that_can_never_be_processed_is_set_aside(body: str) -> None:
    async with rig() as r:
        assert await r.store.inbox_put("bad", body, r.now())
        assert await r.drainer.drain() == 1
        assert await r.store.inbox_pending() == []


async def test_an_end_lost_across_a_restart_is_found_through_the_series() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        r.site.start(series.id)
        r.site.host_joins(series.id)
        await r.settle()
        key = series.meeting_number
        await r.restart_feed()  # it knows the series, not the instance
        r.site.deliveries.drop_next(2)  # the host's `left`, the `ended`
        r.site.end(series.id)
        await r.settle()
        await jobs_of(r).sweep_live(r.now())
        snapshot = await r.store.snapshot(key)
    assert snapshot is not None and not snapshot.in_progress
    assert r.intake.kinds(key)[-1] is K.ENDED

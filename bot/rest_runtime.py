"""The composition root of the REST backend (``WEBEX_API=rest``).

:func:`build_rest_core` builds what :func:`bot.serve.front.build_front` serves and
what watches over REST: the store, the REST client (starting from the newest
kept tokens, keeping every renewed set), the commands over
:class:`~adapters.webex.rest.meetings.RestMeetings`, the dispatcher, the
intake the feed hands its observations to, the feed's jobs on the same runner
as the XML feed's (:class:`~bot.watch.runner.FeedRunner`: webhook check, live
sweep, schedule sweep, and the time-driven rules), and,
with ``PUBLIC_URL``, the ``/webex/webhooks`` route and the inbox drainer.
:func:`bot.runtime.serve` runs it with Slack when ``WEBEX_API=rest``.

One process per database: the replica lease of the XML backend does not
cover the REST feed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from adapters.chat import ChatPort
from adapters.errors import WebexError
from adapters.webex.rest.client import RestClient, RestSettings
from adapters.webex.rest.feed.feed import RestFeed
from adapters.webex.rest.feed.jobs import RestFeedJobs
from adapters.webex.rest.index import MeetingIndex
from adapters.webex.rest.meetings import RestMeetings
from bot.commands.actions import CommandActions
from bot.config import Settings
from bot.health import HealthRegistry
from bot.intake import CoreIntake
from bot.notify.dispatcher import Dispatcher
from bot.rest_tokens import keep_tokens, oauth_client, starting_tokens
from bot.runtime import rules_from
from bot.serve.metrics import Metrics
from bot.serve.web import RouteHook
from bot.serve.webex_webhooks import WebhookEndpoint, webhook_route
from bot.watch.inbox import InboxDrainer
from bot.watch.runner import FeedRunner, Refusal
from bot.watch.schedule import Scheduler
from state.clock import Clock, utc_now
from state.model import Delivery
from state.store import Store, open_store

__all__ = ["RestCore", "build_rest_core"]

logger = logging.getLogger("meetbot.runtime")

#: How often the time-driven rules run (starting soon, waiting, host left).
TICK_INTERVAL = 5.0


@dataclass(kw_only=True)
class RestCore:
    """The running REST service's parts; ``async with`` starts and stops watching."""

    store: Store
    actions: CommandActions
    health: HealthRegistry
    scrape: Callable[[], Awaitable[bytes]]
    dispatcher: Dispatcher
    scheduler: Scheduler
    feed: RestFeed
    drainer: InboxDrainer
    routes: tuple[RouteHook, ...] = ()
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _draining: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.scheduler.running

    async def __aenter__(self) -> Self:
        self.scheduler.start()
        self.dispatcher.start()
        self._draining = asyncio.create_task(self.drainer.run(self._stop))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        await self.scheduler.stop()
        if self._draining is not None:
            await self._draining
        await self.dispatcher.stop()


async def build_rest_core(
    stack: AsyncExitStack,
    *,
    settings: Settings,
    chat: ChatPort,
    clock: Clock,
    chat_component: str | None = None,
) -> RestCore:
    """Build the REST service; ``stack`` closes the client and the store."""
    metrics = Metrics()
    health = HealthRegistry(utc_now)
    metrics.export_health(health)
    watching = ("webex", "dispatcher") + (() if chat_component is None else (chat_component,))
    for component in ("database", *watching):
        health.expect(component)
    store = await open_store(settings.database_url)
    stack.push_async_callback(store.close)
    health.report("database", ok=True, detail="opened and migrated")

    client = RestClient(
        starting_tokens(settings, await store.rest_tokens()),
        settings=RestSettings(base_url=settings.webex_rest_url),
        oauth=oauth_client(settings),
        on_tokens=keep_tokens(store, settings, clock),
    )
    stack.push_async_callback(client.close)
    owned_by = await _ownership(client)
    known = await store.snapshots(active_only=False)
    index = MeetingIndex()
    index.remember(known)

    def delivered(delivery: Delivery, acknowledged_at: datetime) -> None:
        metrics.observe_delay(delivery.created_at, acknowledged_at)

    def chat_access(accepted: bool, detail: str) -> None:
        if chat_component is not None:
            health.report(chat_component, ok=accepted, detail=detail)

    dispatcher = Dispatcher(
        store=store,
        chat=chat,
        clock=clock,
        on_delivered=delivered,
        on_access=chat_access,
        health=health,
    )
    intake = CoreIntake(
        store=store,
        rules=rules_from(settings),
        nudge=dispatcher.nudge,
        on_events=lambda events: metrics.count_events([e.kind for e in events]),
    )
    feed = RestFeed(
        client,
        intake,
        target_url=settings.webhook_url,
        secret=settings.webex_webhook_secret,
        owned_by=owned_by,
        site_url=settings.webex_site_url,
        index=index,
        held=store.snapshot,
    )
    feed.remember(known)
    jobs = RestFeedJobs(
        feed,
        store,
        poll_interval=timedelta(seconds=settings.poll_interval_seconds),
        discovery_interval=timedelta(seconds=settings.discovery_interval_seconds),
    )
    runner = FeedRunner(
        jobs.jobs(),
        intake=intake,
        clock=clock,
        tick_interval=TICK_INTERVAL,
        health=health,
        refused=Refusal(
            what="the REST credentials",
            fix="check WEBEX_ACCESS_TOKEN (and the refresh triple)",
        ),
    )
    scheduler = Scheduler(on_run=metrics.observe_job)
    runner.install(scheduler)
    drainer = InboxDrainer(store, feed.handle, clock)
    routes: tuple[RouteHook, ...] = ()
    if settings.webhook_url is not None and settings.webex_webhook_secret:
        endpoint = WebhookEndpoint(
            secret=settings.webex_webhook_secret, inbox=store, on_delivery=drainer.wake
        )
        routes = (webhook_route(endpoint),)
    actions = CommandActions(
        webex=RestMeetings(client, index, site_url=settings.webex_site_url),
        store=store,
        clock=clock,
    )

    async def scrape() -> bytes:
        now = clock()
        depth, oldest = await store.outbox_stats(now)
        metrics.refresh(
            outbox_depth=depth,
            outbox_oldest_age=oldest,
            sessions_by_state=await store.counts(),
            budget_remaining=0,
            blocked=False,
        )
        return metrics.render()

    return RestCore(
        store=store,
        actions=actions,
        health=health,
        scrape=scrape,
        dispatcher=dispatcher,
        scheduler=scheduler,
        feed=feed,
        drainer=drainer,
        routes=routes,
    )


async def _ownership(client: RestClient) -> str | None:
    """``org`` when the token is a full admin's (org-wide webhooks), else None."""
    try:
        me = await client.me()
    except WebexError as e:
        logger.warning("could not ask Webex whose token this is (%s); webhooks: own meetings", e)
        return None
    return "org" if me.is_full_admin else None

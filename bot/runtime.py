"""The composition root: every part built from the settings, run until told to stop.

One :class:`contextlib.AsyncExitStack` owns every resource. Parts are entered
in dependency order and left in reverse: on stop the watcher stops first (no
new polls, the delivery in progress finishes, the rest stays queued), then the
web server (commands in progress are drained), then the store and the Webex
client close.

Two functions build the two halves, and :func:`serve` only composes them:

- :func:`build_core`: the store, the Webex backend (wrapped for metrics), the
  chat, the watch (watcher, schedule, dispatcher), the command actions, metrics
  and health. It knows nothing of HTTP or Slack's inbound side.
- :func:`build_front` (in :mod:`bot.serve.front`): what reaches the core from
  outside: the Slack (bolt) app on ``/slack/events`` or over Socket Mode, and
  the HTTP routes (``/healthz``, ``/readyz``, ``/metrics`` and any a backend
  needs, such as a webhook receiver), served on one port.

The same wiring serves production (Slack, a real Webex site) and the demo (the
embedded simulator and the console chat, with a front end of HTTP routes only);
:mod:`bot.demo.embedded` only supplies the demo's parts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.chat import ChatPort
from adapters.slack.chat import SlackChat
from adapters.slack.client import make_web_client
from adapters.webex.xmlapi import Credentials, XmlApiClient
from adapters.webex.xmlapi.counted import InstrumentedWebex
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.source import XmlWebex
from bot.commands.actions import CommandActions
from bot.config import Settings
from bot.health import HealthRegistry
from bot.serve.front import FrontCore, build_front, start_web
from bot.serve.metrics import Metrics
from bot.watch.replica import LeaseTiming, Replica, Role
from bot.watch.service import WatchService
from bot.watch.signin import SignIn, sign_in
from bot.watch.watcher import WatchSettings
from state.clock import Clock, utc_now
from state.model import Delivery, Rules
from state.store import Store, open_store
from state.store_lease import Fence, PgLease

__all__ = [
    "Core",
    "FrontCore",
    "build_core",
    "build_front",
    "rules_from",
    "serve",
    "start_watching",
    "start_web",
    "webex_credentials",
]

logger = logging.getLogger("meetbot.runtime")


def rules_from(settings: Settings) -> Rules:
    """The lifecycle rules the settings ask for."""
    grace = timedelta(seconds=settings.waiting_grace_seconds)
    return Rules(
        starting_soon_lead=timedelta(minutes=settings.starting_soon_minutes),
        waiting_grace=grace,
        host_left_grace=grace,
    )


def webex_credentials(settings: Settings) -> Credentials:
    if settings.webex_access_token:
        return Credentials(
            site_name=settings.webex_site_name,
            webex_id=settings.webex_id,
            access_token=settings.webex_access_token,
        )
    return Credentials(
        site_name=settings.webex_site_name,
        webex_id=settings.webex_id,
        password=settings.webex_password or "",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Core:
    """The running service's parts, for the web app, the prompt and the demo.

    ``watch`` is the watch of a single process; a replica builds one per term of
    office with ``new_watch`` (all sharing ``watch.budget``)."""

    webex: XmlWebex
    store: Store
    watch: WatchService
    new_watch: Callable[[Store, Callable[[], bool]], WatchService]
    actions: CommandActions
    metrics: Metrics
    #: Refreshes the gauges and returns the Prometheus text (``GET /metrics``).
    scrape: Callable[[], Awaitable[bytes]]
    clock: Clock
    #: Where parts report their health (wall-clock time, also in the demo).
    health: HealthRegistry
    #: The health components only a watching process exercises: on a standby
    #: replica they never report, so they do not count for its readiness.
    watching_components: tuple[str, ...] = ()

    @property
    def running(self) -> bool:
        """True while the watch's schedule runs."""
        return self.watch.running


async def build_core(
    stack: AsyncExitStack,
    *,
    settings: Settings,
    webex: XmlApiClient,
    chat: ChatPort,
    clock: Clock,
    database_url: str,
    watch_settings: WatchSettings,
    chat_component: str | None = None,
) -> Core:
    """Open the store, wrap the Webex client for metrics and build the watcher and
    the command actions. ``stack`` closes the client and the store; start the
    watcher with :func:`start_watching` once everything else is up.

    ``chat_component`` names the health component (e.g. ``slack``) that says
    whether the chat accepts the bot's credentials; None for a chat that has
    none to check (the console)."""
    metrics = Metrics()
    health = HealthRegistry(utc_now)
    metrics.export_health(health)
    stack.push_async_callback(webex.close)
    source = InstrumentedWebex(webex, metrics.count_xmlapi_call)
    watching = ("webex", "dispatcher") + (() if chat_component is None else (chat_component,))
    for component in ("database", *watching):
        health.expect(component)
    store = await open_store(database_url)
    stack.push_async_callback(store.close)
    health.report("database", ok=True, detail="opened and migrated")

    def delivered(delivery: Delivery, acknowledged_at: datetime) -> None:
        metrics.observe_delay(delivery.created_at, acknowledged_at)

    def chat_access(accepted: bool, detail: str) -> None:
        if chat_component is not None:
            health.report(chat_component, ok=accepted, detail=detail)

    budget = SessionInfoBudget(hourly=settings.webex_sessioninfo_hourly_budget)
    webex.use_budget(budget)  # the site's 403 block, held once for every caller

    def new_watch(on: Store, may_send: Callable[[], bool] = lambda: True) -> WatchService:
        return WatchService(
            source=source,
            store=on,
            may_send=may_send,
            chat=chat,
            rules=rules_from(settings),
            clock=clock,
            settings=watch_settings,
            budget=budget,
            on_delivered=delivered,
            on_events=lambda events: metrics.count_events([e.kind for e in events]),
            on_job=metrics.observe_job,
            on_chat_access=chat_access,
            health=health,
        )

    watch = new_watch(store)
    actions = CommandActions(webex=source, store=store, clock=clock, budget=budget)

    async def scrape() -> bytes:
        now = clock()
        depth, oldest = await store.outbox_stats(now)
        counts = await store.counts()
        blocked_until = webex.session_info_blocked_until
        metrics.count_rowmemo(*webex.row_memo_counts)
        metrics.refresh(
            outbox_depth=depth,
            outbox_oldest_age=oldest,
            sessions_by_state=counts,
            budget_remaining=budget.available(now),
            blocked=blocked_until is not None and blocked_until > now,
        )
        return metrics.render()

    return Core(
        webex=source,
        store=store,
        watch=watch,
        new_watch=new_watch,
        actions=actions,
        metrics=metrics,
        scrape=scrape,
        clock=clock,
        health=health,
        watching_components=watching,
    )


def is_shared_database(url: str) -> bool:
    """True for a PostgreSQL URL: a database several replicas may share."""
    return url.startswith(("postgresql://", "postgres://"))


def lease_for(settings: Settings) -> PgLease | None:
    """The replica lease ``run`` takes on a database that replicas share (its
    ttl from the poll interval); None for SQLite."""
    if not is_shared_database(settings.database_url):
        return None
    timing = LeaseTiming.for_poll_interval(settings.poll_interval_seconds)
    return PgLease(settings.database_url, ttl=timing.ttl)


def replica_for(settings: Settings, core: Core) -> Replica | None:
    """The replica that decides when this process watches, for a database that
    replicas share; None for SQLite (one process per file: always active)."""
    lease = lease_for(settings)
    if lease is None:
        return None
    timing = LeaseTiming.for_poll_interval(settings.poll_interval_seconds)

    def watch_for(fence: Fence) -> WatchService:
        watch = core.new_watch(core.store.fenced(fence), fence.live)
        if core.watch.watcher.halted:  # the start's sign-in was refused
            watch.watcher.halt()
        return watch

    def on_role(role: Role, epoch: int | None) -> None:
        core.metrics.set_role(role, epoch)
        for component in core.watching_components:
            core.health.expect(component, required=role is Role.ACTIVE)
        detail = f"active (lease epoch {epoch})" if role is Role.ACTIVE else "standby"
        core.health.report("replica", ok=True, detail=detail)

    core.health.expect("replica", required=False, detail="standby")
    on_role(Role.STANDBY, None)
    return Replica(lease=lease, watch_for=watch_for, timing=timing, on_role=on_role)


async def start_watching(
    stack: AsyncExitStack, core: Core, *, site_name: str, replica: Replica | None = None
) -> None:
    """Sign in to the site once (the log says how it went), then start polling and
    delivering (with a ``replica``: whenever it is active); stopped first when
    ``stack`` unwinds. Refused credentials leave polling stopped, delivering and
    serving still up."""
    outcome = await sign_in(core.webex, site_name=site_name)
    if outcome is SignIn.REFUSED:
        core.watch.watcher.halt()
        core.health.report(
            "webex", ok=False, detail="credentials refused at sign-in; polling stopped"
        )
    elif outcome is SignIn.FAILED:
        core.health.report("webex", ok=False, detail="could not sign in; polls try again")
    await stack.enter_async_context(core.watch if replica is None else replica)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the production service (Slack + a real Webex site) until ``stop`` is set;
    ``WEBEX_API=rest`` runs it over the REST API (:mod:`bot.rest_runtime`)."""
    if settings.webex_api == "rest":
        await _serve_rest(settings, stop)
        return
    async with AsyncExitStack() as stack:
        slack = make_web_client(settings.slack_bot_token, settings.slack_api_url)
        core = await build_core(
            stack,
            settings=settings,
            webex=XmlApiClient(settings.webex_xml_url, webex_credentials(settings), clock=utc_now),
            chat=SlackChat(slack),
            clock=utc_now,
            database_url=settings.database_url,
            watch_settings=WatchSettings(
                discovery_interval=settings.discovery_interval_seconds,
                poll_interval=settings.poll_interval_seconds,
            ),
            chat_component="slack",
        )
        replica = replica_for(settings, core)
        await build_front(stack, settings, core, slack=slack, replica=replica)
        await start_watching(stack, core, site_name=settings.webex_site_name, replica=replica)
        await stop.wait()
        logger.info("stopping")


async def _serve_rest(settings: Settings, stop: asyncio.Event) -> None:
    """:func:`serve` over the REST API: webhooks first, sweeps as the safety net."""
    from bot.rest_runtime import build_rest_core  # it builds on this module

    async with AsyncExitStack() as stack:
        slack = make_web_client(settings.slack_bot_token, settings.slack_api_url)
        core = await build_rest_core(
            stack, settings=settings, chat=SlackChat(slack), clock=utc_now, chat_component="slack"
        )
        await build_front(stack, settings, core, slack=slack, routes=core.routes)
        await stack.enter_async_context(core)
        await stop.wait()
        logger.info("stopping")

"""The front half of the composition root: what reaches the core from outside.

:func:`build_front` serves a core (:class:`FrontCore`: the XML backend's
:class:`bot.runtime.Core` or the REST backend's) to the outside: the Slack
(bolt) app on ``/slack/events`` or over Socket Mode, and the HTTP routes
(``/healthz``, ``/readyz``, ``/metrics`` and any a backend needs, such as a
webhook receiver), served on one port. :mod:`bot.runtime` builds the core and
composes the two.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from functools import partial
from typing import Protocol

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from adapters.serving import serve_app
from adapters.slack.directory import SlackDirectory
from bot.commands.actions import CommandActions
from bot.config import Settings
from bot.health import HealthRegistry
from bot.serve.http_limits import BoundedSite, HttpLimits
from bot.serve.slack_app import SlackHandlers, create_slack_app
from bot.serve.slack_ingress import SlackEndpoint
from bot.serve.socket_mode import connect_socket_mode
from bot.serve.tasks import TaskOwner
from bot.serve.web import RouteHook, create_web_app, drain_on_shutdown, metrics_route
from bot.watch.replica import Replica, Role
from state.clock import utc_now
from state.store import Store

__all__ = ["FrontCore", "build_front", "liveness", "start_web"]

logger = logging.getLogger("meetbot.runtime")


class FrontCore(Protocol):
    """What :func:`build_front` serves: the commands, the store (Slack event ids),
    readiness, metrics, and whether the watching runs (liveness). A
    :class:`Core` is one; so is the REST backend's (:mod:`bot.rest_runtime`)."""

    @property
    def actions(self) -> CommandActions: ...

    @property
    def store(self) -> Store: ...

    @property
    def health(self) -> HealthRegistry: ...

    @property
    def scrape(self) -> Callable[[], Awaitable[bytes]]: ...

    @property
    def running(self) -> bool: ...


def liveness(core: FrontCore, replica: Replica | None = None) -> Callable[[], bool]:
    """/healthz: the watch's schedule runs and the database answered its last call.
    A replica's instead: it runs, and so does the database; a standby's store
    may sit idle for hours, so its lease, which it tries every few seconds,
    says whether the database is back."""

    def healthy() -> bool:
        if replica is None:
            return core.running and core.store.reachable
        if not replica.healthy() or not replica.reachable:
            return False
        return replica.role is Role.STANDBY or core.store.reachable

    return healthy


async def start_web(
    stack: AsyncExitStack,
    app: web.Application,
    *,
    host: str,
    port: int,
    limits: HttpLimits | None = None,
) -> int:
    """Serve ``app`` on host:port until ``stack`` unwinds, within ``limits``;
    returns the port bound (``port`` 0 picks a free one)."""
    limits = limits or HttpLimits()
    bound = await serve_app(
        stack,
        app,
        host=host,
        port=port,
        keepalive_timeout=limits.header_timeout,
        site=partial(BoundedSite, limits=limits),
    )
    logger.info(
        "serving on http://%s:%d (/slack/events, /healthz, /readyz, /metrics)", host, bound.port
    )
    return bound.port


async def build_front(
    stack: AsyncExitStack,
    settings: Settings,
    core: FrontCore,
    *,
    slack: AsyncWebClient | None = None,
    replica: Replica | None = None,
    host: str = "0.0.0.0",
    routes: Iterable[RouteHook] = (),
) -> int:
    """Serve the core to the outside on ``host``:PORT until ``stack`` unwinds;
    returns the port bound.

    Args:
        stack: stops serving (after draining the commands in progress) and
            closes the Socket Mode connection when it unwinds.
        settings: PORT, and the Slack signing secret and app token.
        core: from :func:`build_core`.
        slack: the bot's Slack Web API client: the ``/webex`` command and App
            Home are answered on ``/slack/events``, or over Socket Mode when
            SLACK_APP_TOKEN is set; None serves no Slack (the demo).
        replica: the replica whose role ``/healthz`` shows and follows.
        host: the address to listen on.
        routes: more routes, e.g. a push backend's webhook receiver.

    Raises:
        OSError: the port cannot be bound.
    """
    hooks = [metrics_route(core.scrape), *routes]
    endpoint = None
    bolt = None
    if slack is not None:
        tasks = TaskOwner()
        hooks.append(drain_on_shutdown(tasks))
        handlers = SlackHandlers(
            actions=core.actions, directory=SlackDirectory(slack), spawn=tasks.spawn
        )
        bolt = create_slack_app(
            client=slack,
            signing_secret=settings.slack_signing_secret,
            handlers=handlers,
            first_sighting=lambda event_id: core.store.first_sighting(event_id, utc_now()),
        )
        if not settings.socket_mode:
            endpoint = SlackEndpoint(app=bolt, signing_secret=settings.slack_signing_secret)
    app = create_web_app(
        settings,
        endpoint,
        health=liveness(core, replica),
        hooks=hooks,
        readiness=core.health,
        role=(lambda: replica.role) if replica else None,
    )
    port = await start_web(stack, app, host=host, port=settings.port)
    if bolt is not None and settings.slack_app_token:
        handler = await connect_socket_mode(bolt, settings.slack_app_token)
        stack.push_async_callback(handler.close_async)
        logger.info("connected to Slack in Socket Mode")
    return port

"""The HTTP face of the bot: Slack's events endpoint, liveness and readiness.

``/healthz`` (liveness) answers 200 while the process serves and its scheduler
runs: a failure there is one a restart cures. ``/readyz`` (readiness) answers
200 only while every required component of the :class:`bot.health.HealthRegistry`
is ok, 503 otherwise, with each component's state and since when as JSON.

bolt is mounted on one route of our own aiohttp application (never
``AsyncApp.start()``, which would take over the event loop), so the service's
resources can live in this application's ``cleanup_ctx``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from bot.config import Settings
from bot.health import HealthRegistry
from bot.serve.metrics import CONTENT_TYPE
from bot.serve.slack_ingress import SlackEndpoint, events_handler
from bot.serve.tasks import TaskOwner
from state.clock import utc_now

__all__ = [
    "EVENTS_PATH",
    "HEALTH_PATH",
    "METRICS_PATH",
    "READY_PATH",
    "SETTINGS_KEY",
    "RouteHook",
    "create_web_app",
    "drain_on_shutdown",
    "metrics_route",
]

logger = logging.getLogger("meetbot.web")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
#: Slack never sends more than a few kB; refuse anything far larger unread.
MAX_BODY_BYTES = 256 * 1024

#: Adds routes (e.g. ``/metrics``) or cleanup contexts to the application.
RouteHook = Callable[[web.Application], None]
SETTINGS_KEY = web.AppKey("settings", Settings)


def create_web_app(
    settings: Settings,
    slack: SlackEndpoint | None,
    health: Callable[[], bool],
    *,
    hooks: Iterable[RouteHook] = (),
    readiness: HealthRegistry | None = None,
    role: Callable[[], str] | None = None,
) -> web.Application:
    """Build the web application.

    Args:
        settings: the bot's settings, kept on the app under :data:`SETTINGS_KEY`.
        slack: what answers ``POST /slack/events`` (see :mod:`bot.serve.slack_ingress`);
            None (demo mode, Socket Mode) leaves the route out.
        health: True while the process serves and its scheduler runs (liveness).
        readiness: the components ``/readyz`` reports; None serves an empty
            registry (always ready).
        hooks: called with the application before it is returned.
        role: this replica's role ("active" or "standby"), shown by ``/healthz``;
            None: always "active" (a single process).
    """
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS_KEY] = settings

    async def healthz(_: web.Request) -> web.Response:
        try:
            ok = health()
        except Exception:
            logger.exception("health check raised")
            ok = False
        current = "active" if role is None else role()
        return web.json_response({"ok": ok, "role": current}, status=200 if ok else 503)

    registry = readiness if readiness is not None else HealthRegistry(utc_now)

    async def readyz(_: web.Request) -> web.Response:
        body = registry.as_json()
        return web.json_response(body, status=200 if body["ready"] else 503)

    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(READY_PATH, readyz)
    if slack is not None:
        app.router.add_post(EVENTS_PATH, events_handler(slack))
    for hook in hooks:
        hook(app)
    return app


def metrics_route(scrape: Callable[[], Awaitable[bytes]]) -> RouteHook:
    """A hook adding ``GET /metrics``: ``scrape`` refreshes the gauges and returns
    the Prometheus text (e.g. ``Metrics.refresh`` then ``Metrics.render``)."""

    async def metrics(_: web.Request) -> web.Response:
        body = await scrape()
        # CONTENT_TYPE carries parameters (version, charset) that aiohttp's
        # content_type argument refuses; set the header as it is.
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    def hook(app: web.Application) -> None:
        app.router.add_get(METRICS_PATH, metrics)

    return hook


def drain_on_shutdown(tasks: TaskOwner, *, grace_seconds: float = 10.0) -> RouteHook:
    """A hook that, when the application shuts down, stops new background work and
    waits up to ``grace_seconds`` for running commands to finish."""

    def hook(app: web.Application) -> None:
        async def drain(_: web.Application) -> None:
            await tasks.close(grace_seconds=grace_seconds)

        app.on_shutdown.append(drain)

    return hook

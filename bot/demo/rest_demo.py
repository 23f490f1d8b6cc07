"""The embedded demo over the REST API (``make demo-rest``, or ``WEBEX_API=rest``
with ``python -m bot demo``): the same console and script as ``make demo``, fed
by webhooks.

The REST simulator runs in-process on 127.0.0.1 with the demo's compressed
clock; the service registers its webhooks there, targeting its own
``/webex/webhooks`` on 127.0.0.1:PORT, and the simulator delivers each change
of the script, signed, as Cisco's would. The sweeps run every two real
seconds as the safety net. What the REST API cannot show (a meeting's lock)
is not played.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import TextIO

from adapters.chat import format_when
from adapters.console import ConsoleChat, Screen, logs_above_the_prompt
from adapters.serving import serve_app
from adapters.webex.rest.simulator import API_ROOT, create_app, example_org
from adapters.webex.simulator import SimClock
from bot.config import Settings
from bot.demo.embedded import DEMO_SPEED, play_until_stopped
from bot.demo.rest_site import RestDemoSite, demo_email
from bot.demo.script import demo_channel_names, demo_subscriptions
from bot.rest_runtime import build_rest_core
from bot.runtime import build_front
from state.model import Scope

__all__ = ["run_rest_demo"]

logger = logging.getLogger("meetbot.demo")

#: Real seconds between the demo's sweeps (a simulated minute at speed 30).
_SWEEP_SECONDS = 2


async def _serve(stack: AsyncExitStack, clock: SimClock, token: str) -> tuple[RestDemoSite, str]:
    """The example organisation on 127.0.0.1 (a free port); returns it and its API root."""
    site = example_org(clock=clock, token=token)
    bound = await serve_app(stack, create_app(site), host="127.0.0.1", port=0)
    return RestDemoSite(site), f"http://127.0.0.1:{bound.port}{API_ROOT}"


async def run_rest_demo(
    settings: Settings,
    stop: asyncio.Event,
    *,
    speed: float = DEMO_SPEED,
    output: TextIO | None = None,
    input_fd: int | None = None,
    clock: SimClock | None = None,
) -> None:
    """Run the REST demo until ``stop`` is set (arguments as :func:`bot.demo.embedded.run_demo`;
    it always serves HTTP on 127.0.0.1:PORT, where its webhooks arrive)."""
    async with AsyncExitStack() as stack:
        clock = clock or SimClock(start=None, speed=speed)
        token = secrets.token_urlsafe(16)
        site, url = await _serve(stack, clock, token)
        database_url = settings.database_url
        if not settings.database_url_given:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="meetbot-demo-"))
            database_url = f"sqlite:///{Path(folder) / 'meetbot.db'}"
        rest = replace(
            settings,
            webex_api="rest",
            webex_rest_url=url,
            webex_access_token=token,
            public_url=f"http://127.0.0.1:{settings.port}",
            webex_webhook_secret=secrets.token_urlsafe(16),
            database_url=database_url,
            poll_interval_seconds=_SWEEP_SECONDS,
            discovery_interval_seconds=_SWEEP_SECONDS,
        )
        screen = Screen(output)
        stack.enter_context(logs_above_the_prompt(screen))
        chat = ConsoleChat(
            screen=screen,
            channel_names=demo_channel_names(),
            display_tz=UTC,
            color=False if settings.no_color else None,
        )
        core = await build_rest_core(stack, settings=rest, chat=chat, clock=clock.now)
        for sub in demo_subscriptions():
            # Over REST a host is named by email.
            target = (
                demo_email(sub.target) if sub.scope is Scope.HOST and sub.target else sub.target
            )
            await core.store.subscribe(sub.channel, sub.scope, target)
        await build_front(stack, rest, core, host="127.0.0.1", routes=core.routes)
        logger.info(
            "demo started over the REST API: a simulated organisation at %s, its clock at %s"
            " and running %g× faster, webhooks to %s",
            url,
            format_when(clock.now()),
            clock.speed,
            rest.webhook_url,
        )
        await stack.enter_async_context(core)
        await play_until_stopped(
            site,
            clock,
            core.actions,
            speed=clock.speed,
            input_fd=input_fd,
            screen=screen,
            stop=stop,
        )

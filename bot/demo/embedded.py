"""The embedded default: the real service against a simulated site and a console chat.

``python -m bot demo`` (and ``python -m bot run`` with no credentials) starts
the Webex site simulator in-process on 127.0.0.1, signs in to it with the real
XML API client, and runs the same store, watcher, dispatcher and command
actions as production. Notifications go to the console; ``/webex`` commands
typed at the prompt go through the same command flow as Slack's
(:mod:`bot.commands.flow`) and are answered in plain text.

Time is compressed: the site's clock runs :data:`DEMO_SPEED` times faster than
the wall clock and the watcher uses it, so lifecycle rules (ten minutes' notice,
a minute's grace) play out in seconds. The state lives in a temporary database
unless DATABASE_URL says otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
from contextlib import AsyncExitStack
from datetime import UTC
from pathlib import Path
from typing import TextIO

from adapters.chat import format_when
from adapters.console import ConsoleChat, ConsolePrompt, Handler, Screen, logs_above_the_prompt
from adapters.console.render import channel_label, reply_text
from adapters.serving import serve_app
from adapters.webex.simulator import SimClock, SimulatedSite, create_app, example_site
from adapters.webex.simulator.xml.server import XML_PATH
from adapters.webex.xmlapi import Credentials, XmlApiClient
from bot.commands.actions import CommandActions, Requester
from bot.commands.flow import CommandFlow
from bot.config import Settings
from bot.demo.script import (
    DEMO_SCRIPT,
    DemoClock,
    DemoSite,
    add_demo_hosts,
    demo_channel_names,
    demo_subscriptions,
    run_demo_script,
)
from bot.runtime import build_core, build_front, start_watching
from bot.watch.watcher import WatchSettings

__all__ = [
    "DEMO_SPEED",
    "DEMO_USER",
    "DEMO_WATCH",
    "console_handler",
    "play_until_stopped",
    "run_demo",
]

logger = logging.getLogger("meetbot.demo")

#: Simulated seconds per real second.
DEMO_SPEED = 30.0
#: Real-time intervals of the demo's watcher: every change shows within seconds.
DEMO_WATCH = WatchSettings(discovery_interval=2.0, poll_interval=2.0, tick_interval=1.0)
#: Who types at the demo's prompt: the example site's host alice, in #general.
DEMO_USER = Requester(user_id="U0DEMO", channel_id="general", tz="UTC", email="alice@acme.example")

_SITE = "acme"
_ADMIN = "admin"


def console_handler(actions: CommandActions, requester: Requester = DEMO_USER) -> Handler:
    """Answers ``/webex ...`` lines typed at the console through the same command
    flow as Slack's listener, as plain text (times in UTC, like the cards)."""
    flow = CommandFlow(actions)
    channel = channel_label(requester.channel_id, demo_channel_names())

    async def handle(line: str) -> str:
        text = line.strip().removeprefix("/webex").strip()
        reply = await flow.answer(text, requester)
        return reply_text(reply, channel=channel, display_tz=UTC)

    return handle


async def play_until_stopped(
    site: DemoSite,
    clock: DemoClock,
    actions: CommandActions,
    *,
    speed: float,
    input_fd: int | None,
    screen: Screen,
    stop: asyncio.Event,
) -> None:
    """Play the demo script on ``site`` beside the console prompt until ``stop``
    is set, then cancel both and wait for them. Either demo's last step."""
    tasks = [
        asyncio.create_task(run_demo_script(site, clock, DEMO_SCRIPT, speed=speed)),
        asyncio.create_task(
            ConsolePrompt(console_handler(actions), input_fd=input_fd, screen=screen).run()
        ),
    ]
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        logger.info("demo stopping")


async def _serve_simulator(
    stack: AsyncExitStack, clock: SimClock, password: str
) -> tuple[SimulatedSite, str]:
    """The example site on 127.0.0.1 (a free port); returns it and its XML API URL."""
    site = example_site(clock=clock, admin_id=_ADMIN, admin_password=password, site_name=_SITE)
    add_demo_hosts(site)
    bound = await serve_app(stack, create_app(site), host="127.0.0.1", port=0)
    return site, f"http://127.0.0.1:{bound.port}{XML_PATH}"


async def run_demo(
    settings: Settings,
    stop: asyncio.Event,
    *,
    speed: float = DEMO_SPEED,
    output: TextIO | None = None,
    input_fd: int | None = None,
    serve_http: bool = True,
    clock: SimClock | None = None,
) -> None:
    """Run the demo until ``stop`` is set (over the REST API when ``WEBEX_API=rest``:
    :mod:`bot.demo.rest_demo`).

    Args:
        settings: DATABASE_URL, PORT, NO_COLOR and the lifecycle settings are used.
        stop: set it to stop cleanly.
        speed: simulated seconds per real second.
        output: where the console chat writes (stdout by default).
        input_fd: where the prompt reads commands (stdin by default).
        serve_http: also serve /healthz and /metrics on 127.0.0.1:PORT.
        clock: the simulated clock (made here, at ``speed``, when None); pass
            one to date the log by it as well (:func:`bot.logs.clock_in_logs`).
    """
    if settings.webex_api == "rest":
        from bot.demo.rest_demo import run_rest_demo  # it builds on this module

        await run_rest_demo(
            settings, stop, speed=speed, output=output, input_fd=input_fd, clock=clock
        )
        return
    async with AsyncExitStack() as stack:
        clock = clock or SimClock(start=None, speed=speed)
        password = secrets.token_urlsafe(16)
        site, url = await _serve_simulator(stack, clock, password)
        if settings.database_url_given:
            database_url = settings.database_url
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="meetbot-demo-"))
            database_url = f"sqlite:///{Path(folder) / 'meetbot.db'}"
        client = XmlApiClient(
            url, Credentials(site_name=_SITE, webex_id=_ADMIN, password=password), clock=clock.now
        )
        # Cards and replies share one screen: on a terminal, its webex> prompt
        # stays under the latest card.
        screen = Screen(output)
        stack.enter_context(logs_above_the_prompt(screen))
        chat = ConsoleChat(
            screen=screen,
            channel_names=demo_channel_names(),
            # UTC, as in the notifications' text and the log: one clock on screen.
            display_tz=UTC,
            color=False if settings.no_color else None,
        )
        core = await build_core(
            stack,
            settings=settings,
            webex=client,
            chat=chat,
            clock=clock.now,
            database_url=database_url,
            watch_settings=DEMO_WATCH,
        )
        for sub in demo_subscriptions():
            await core.store.subscribe(sub.channel, sub.scope, sub.target)
        if serve_http:
            try:
                await build_front(stack, settings, core, host="127.0.0.1")
            except OSError as e:
                logger.warning(
                    "not serving /healthz, /readyz and /metrics on port %d: %s", settings.port, e
                )
        logger.info(
            "demo started: a simulated Webex site at %s, its clock at %s and running %g× faster",
            url,
            format_when(clock.now()),
            clock.speed,
        )
        await start_watching(stack, core, site_name=_SITE)
        await play_until_stopped(
            site, clock, core.actions, speed=speed, input_fd=input_fd, screen=screen, stop=stop
        )

"""Serving an aiohttp application on a port, the one way every server here does it.

The service's own front end, the Webex simulators (XML and REST) and the
benchmarks' fake Slack all serve an :class:`aiohttp.web.Application` on a TCP
port until an :class:`contextlib.AsyncExitStack` unwinds. It sits at the top of
adapters/ because both bot/ and the simulators (which import nothing of bot/
or state/) use it; it holds plumbing only, no protocol.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any, NamedTuple

from aiohttp import web

__all__ = ["Bound", "SiteFactory", "serve_app"]

#: Builds the listening site for a runner, host and port (``web.TCPSite`` or a
#: subclass that bounds its connections).
SiteFactory = Callable[[web.AppRunner, str, int], web.BaseSite]


class Bound(NamedTuple):
    """Where a served application listens (the port the system picked for 0)."""

    host: str
    port: int


async def serve_app(
    stack: AsyncExitStack,
    app: web.Application,
    *,
    host: str,
    port: int,
    access_log: logging.Logger | None = None,
    keepalive_timeout: float | None = None,
    site: SiteFactory = web.TCPSite,
) -> Bound:
    """Serve ``app`` on ``host``:``port`` until ``stack`` unwinds (the runner's
    cleanup runs the application's shutdown and cleanup hooks then).

    Args:
        stack: owns the server's lifetime.
        app: the application to serve.
        host: the address to bind.
        port: the port; 0 lets the system pick a free one.
        access_log: where a line per request goes; None writes none.
        keepalive_timeout: seconds an idle connection (or one still sending
            its headers) is kept; None keeps aiohttp's default.
        site: builds the listening site.

    Returns:
        The address really bound.

    Raises:
        OSError: the address cannot be bound (the runner is still cleaned up
            when ``stack`` unwinds).
    """
    options: dict[str, Any] = {"access_log": access_log}
    if keepalive_timeout is not None:
        options["keepalive_timeout"] = keepalive_timeout
    runner = web.AppRunner(app, **options)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await site(runner, host, port).start()
    bound_host, bound_port = runner.addresses[0][:2]
    return Bound(str(bound_host), int(bound_port))

"""Serve the example site: ``python -m adapters.webex.simulator --port 8080``.

:func:`serve_and_print_url` serves any simulator app the same way (bench/watch_site.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from aiohttp import web
from aiohttp.log import access_logger

from .clock import SimClock
from .seed import example_site
from .server import XML_PATH, create_app


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m adapters.webex.simulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback default)")
    parser.add_argument("--site-name", default="acme")
    parser.add_argument("--webex-id", default="admin", help="the site admin's webExID")
    parser.add_argument("--password", default="admin-pass", help="the site admin's password")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    return parser.parse_args(argv)


async def serve_and_print_url(
    app: web.Application, host: str, port: int, *, access_log: bool = True
) -> None:
    """Serve ``app`` on ``host``:``port`` until cancelled, once bound writing its
    XML API URL as one line on stdout (how a parent process learns the port).

    Args:
        app: a simulator app (:func:`create_app`), with any routes added.
        host: the address to bind.
        port: the port; 0 lets the system pick a free one.
        access_log: False for no per-request access log lines.
    """
    runner = web.AppRunner(app, access_log=access_logger if access_log else None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        # With port 0 the system picks the port: print the one really bound.
        bound_host, bound_port = runner.addresses[0][:2]
        sys.stdout.write(f"http://{bound_host}:{bound_port}{XML_PATH}\n")
        sys.stdout.flush()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def _serve(args: argparse.Namespace) -> None:
    site = example_site(
        clock=SimClock(speed=args.speed),
        admin_id=args.webex_id,
        admin_password=args.password,
        site_name=args.site_name,
    )
    await serve_and_print_url(create_app(site), args.host, args.port)


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(_arguments(argv)))


if __name__ == "__main__":
    main()

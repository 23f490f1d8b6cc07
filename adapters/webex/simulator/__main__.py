"""Serve the example site: ``python -m adapters.webex.simulator --port 8080``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from aiohttp import web

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


async def _serve(args: argparse.Namespace) -> None:
    site = example_site(
        clock=SimClock(speed=args.speed),
        admin_id=args.webex_id,
        admin_password=args.password,
        site_name=args.site_name,
    )
    runner = web.AppRunner(create_app(site))
    await runner.setup()
    try:
        await web.TCPSite(runner, args.host, args.port).start()
        # With --port 0 the system picks the port: print the one really bound.
        host, port = runner.addresses[0][:2]
        sys.stdout.write(f"http://{host}:{port}{XML_PATH}\n")
        sys.stdout.flush()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(_arguments(argv)))


if __name__ == "__main__":
    main()

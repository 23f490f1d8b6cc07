"""``python -m adapters.webex.simulator --api rest --port P --token T``.

Serves the example organisation (:func:`~.seed.example_org`) with the API at
``http://<host>:P/v1/`` and ``Bearer T`` accepted as an org full admin. Once
bound it prints that base URL (the first line, how a parent process learns
the port), then the ``.env`` lines that point meetbot at it. SIGTERM and
SIGINT stop it, also when SIGINT was ignored by whoever started it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from contextlib import AsyncExitStack
from datetime import timedelta

from aiohttp.log import access_logger

from adapters.serving import serve_app
from adapters.webex.simulator.xml.clock import SimClock

from .seed import example_org
from .server import API_ROOT, create_app
from .site import RestSite

__all__ = ["dotenv_lines", "main"]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.webex.simulator --api rest",
        description="A simulated Webex organisation speaking the Webex REST API (meetings,"
        " participants, webhooks). Prints its base URL, then the .env lines that point"
        " meetbot at it; SIGTERM or Ctrl-C stops it.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--api", choices=("rest",), default="rest", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=8080, help="the port; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="the address to bind")
    parser.add_argument(
        "--token", default="sim-admin-token", help="the org full admin's access token"
    )
    parser.add_argument("--admin-email", default="admin@acme.example", help="whose token it is")
    parser.add_argument("--site-url", default="acme.webex.com", help="the site (WEBEX_SITE_URL)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    parser.add_argument(
        "--client-id", help="register an OAuth client and print a refresh token for it"
    )
    parser.add_argument("--client-secret", default="sim-client-secret", help="its secret")
    parser.add_argument(
        "--realistic",
        action="store_true",
        help="meeting listings trail reality by 15 minutes, as Cisco documents",
    )
    return parser.parse_args(argv)


def dotenv_lines(url: str, site: RestSite, token: str, refresh: dict[str, str]) -> list[str]:
    """The ``.env`` lines that point meetbot at the site served at ``url``."""
    lines = [
        "# meetbot's Webex settings for this simulated organisation (.env):",
        "WEBEX_API=rest",
        f"WEBEX_REST_URL={url}",
        f"WEBEX_ACCESS_TOKEN={token}",
        f"WEBEX_SITE_URL={site.site_url}",
    ]
    lines += [f"{name}={value}" for name, value in refresh.items()]
    return lines


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    lag = timedelta(minutes=15) if args.realistic else timedelta(0)
    site = example_org(
        clock=SimClock(speed=args.speed),
        token=args.token,
        admin_email=args.admin_email,
        site_url=args.site_url,
        listing_lag=lag,
    )
    refresh: dict[str, str] = {}
    if args.client_id:
        site.tokens.add_client(args.client_id, args.client_secret)
        refresh = {
            "WEBEX_CLIENT_ID": args.client_id,
            "WEBEX_CLIENT_SECRET": args.client_secret,
            "WEBEX_REFRESH_TOKEN": site.tokens.issue_refresh_token(
                args.client_id, args.admin_email, admin=True
            ),
        }
    try:
        async with AsyncExitStack() as stack:
            bound = await serve_app(
                stack, create_app(site), host=args.host, port=args.port, access_log=access_logger
            )
            # With port 0 the system picks the port: print the one really bound.
            url = f"http://{bound.host}:{bound.port}{API_ROOT}"
            lines = [url, *dotenv_lines(url, site, args.token, refresh)]
            sys.stdout.write("".join(f"{line}\n" for line in lines))
            sys.stdout.flush()
            await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def main(argv: list[str] | None = None) -> None:
    asyncio.run(_serve(_arguments(argv)))

"""Serve the example site: ``python -m adapters.webex.simulator --port 8080``.

Once bound it prints the site's XML API URL (the first line, how a parent
process learns the port), then the ``.env`` lines that point meetbot at it.
SIGTERM and SIGINT (Ctrl-C) stop it, also when it was started with SIGINT
ignored (a background job, ``nohup``, some CI runners): the handlers are the
event loop's, as in ``python -m bot``.

:func:`serve_and_print_url` serves any simulator app the same way (bench/watch_site.py).
``--api rest`` serves the REST simulator instead (:mod:`adapters.webex.rest.simulator.cli`).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack

from aiohttp import web
from aiohttp.log import access_logger

from adapters.serving import serve_app
from adapters.webex.rest.simulator.cli import main as rest_main

from .xml.clock import SimClock
from .xml.seed import bulk_site, example_site
from .xml.server import XML_PATH, create_app
from .xml.site import SESSIONINFO_HOURLY_LIMIT, SimulatedSite


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.webex.simulator",
        description="A simulated Webex Meetings site (the example site) speaking the XML API."
        " Prints its URL, then the .env lines that point meetbot at it; SIGTERM or"
        " Ctrl-C stops it.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8080, help="the port; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="the address to bind")
    parser.add_argument("--site-name", default="acme", help="the site name (WEBEX_SITE_NAME)")
    parser.add_argument("--webex-id", default="admin", help="the site admin's webExID (WEBEX_ID)")
    parser.add_argument(
        "--password", default="admin-pass", help="the site admin's password (WEBEX_PASSWORD)"
    )
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    parser.add_argument(
        "--api",
        choices=("xml", "rest"),
        default="xml",
        help="the API to serve; see --api rest --help for the REST simulator's options",
    )
    bulk = parser.add_argument_group("a large site (for benches)")
    bulk.add_argument(
        "--sessions", type=int, default=0, help="add this many sessions, over hosts host0..."
    )
    bulk.add_argument("--hosts", type=int, default=50, help="hosts the added sessions spread over")
    bulk.add_argument(
        "--live-share", type=float, default=0.0, help="the share of added sessions in progress"
    )
    bulk.add_argument(
        "--body-content-limit", type=int, default=10, help="bodyContent allowed per request"
    )
    bulk.add_argument(
        "--listing-latency",
        type=float,
        default=0.0,
        help="seconds each LstsummarySession page takes to answer",
    )
    bulk.add_argument(
        "--foreign",
        action="store_true",
        help="answer listings as another XML stack would (other order, prefixes, encoding)",
    )
    bulk.add_argument(
        "--limited-admin",
        action="append",
        default=[],
        metavar="WEBEXID:PASSWORD",
        help="another admin account, held to a real site's GetSessionInfo limit"
        f" ({SESSIONINFO_HOURLY_LIMIT} items an hour, then HTTP 403 for two hours)"
        " even where --sessions lifts it",
    )
    args = parser.parse_args(argv)
    if any(not a.partition(":")[0] or not a.partition(":")[2] for a in args.limited_admin):
        parser.error("--limited-admin takes WEBEXID:PASSWORD")
    if args.sessions < 0 or args.hosts < 1 or not 0 <= args.live_share <= 1:
        parser.error("--sessions >= 0, --hosts >= 1 and 0 <= --live-share <= 1")
    if args.body_content_limit < 1 or args.listing_latency < 0:
        parser.error("--body-content-limit >= 1 and --listing-latency >= 0")
    return args


def build_site(args: argparse.Namespace) -> SimulatedSite:
    """The example site, grown and switched as the command line asks."""
    site = example_site(
        clock=SimClock(speed=args.speed),
        admin_id=args.webex_id,
        admin_password=args.password,
        site_name=args.site_name,
    )
    if args.sessions:
        live = round(args.sessions * args.live_share)
        bulk_site(site, sessions=args.sessions, hosts=args.hosts, live=live)
    site.body_content_limit = args.body_content_limit
    site.listing_latency = args.listing_latency
    site.foreign_listings = args.foreign
    for account in args.limited_admin:
        webex_id, _, password = account.partition(":")
        email = f"{webex_id}@{args.site_name}.example"
        site.add_user(webex_id, password, email=email, admin=True)
        site.sessioninfo_account_limits[webex_id.lower()] = SESSIONINFO_HOURLY_LIMIT
    return site


def _api(argv: list[str] | None) -> str:
    """Which simulator ``argv`` asks for (``--api xml|rest``)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--api", choices=("xml", "rest"), default="xml")
    return str(parser.parse_known_args(argv)[0].api)


def dotenv_lines(url: str, *, site_name: str, webex_id: str, password: str) -> list[str]:
    """The ``.env`` lines that point meetbot at the site served at ``url``."""
    return [
        "# meetbot's Webex settings for this simulated site (.env):",
        f"WEBEX_XML_URL={url}",
        f"WEBEX_SITE_NAME={site_name}",
        f"WEBEX_ID={webex_id}",
        f"WEBEX_PASSWORD={password}",
    ]


async def serve_and_print_url(
    app: web.Application,
    host: str,
    port: int,
    *,
    access_log: bool = True,
    stop: asyncio.Event | None = None,
    describe: Callable[[str], list[str]] | None = None,
) -> None:
    """Serve ``app`` on ``host``:``port`` until ``stop`` is set (or the task is
    cancelled), once bound writing its XML API URL as the first line on stdout.

    Args:
        app: a simulator app (:func:`create_app`), with any routes added.
        host: the address to bind.
        port: the port; 0 lets the system pick a free one.
        access_log: False for no per-request access log lines.
        stop: set it to stop serving; None serves until cancelled.
        describe: more lines to print after the URL, given the URL.
    """
    async with AsyncExitStack() as stack:
        bound = await serve_app(
            stack, app, host=host, port=port, access_log=access_logger if access_log else None
        )
        # With port 0 the system picks the port: print the one really bound.
        url = f"http://{bound.host}:{bound.port}{XML_PATH}"
        lines = [url, *(describe(url) if describe is not None else [])]
        sys.stdout.write("".join(f"{line}\n" for line in lines))
        sys.stdout.flush()
        await (stop or asyncio.Event()).wait()


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # The loop's handlers work whatever the process inherited: with SIGINT
    # ignored, asyncio.run installs no KeyboardInterrupt handler of its own.
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    site = build_site(args)
    try:
        await serve_and_print_url(
            create_app(site),
            args.host,
            args.port,
            stop=stop,
            describe=lambda url: dotenv_lines(
                url, site_name=args.site_name, webex_id=args.webex_id, password=args.password
            ),
        )
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def main(argv: list[str] | None = None) -> None:
    if _api(argv) == "rest":
        rest_main(argv)
        return
    asyncio.run(_serve(_arguments(argv)))


if __name__ == "__main__":
    main()

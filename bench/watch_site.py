"""A large simulated site in its own process, for bench_watch.

``python -m bench.watch_site --sessions 10000 --live 500`` prints its XML URL
on stdout, then serves until killed. Besides the simulator's own control
routes (``GET /control/requests`` counts what it was asked) it answers
nothing more: the bench counts without sharing memory.
"""

from __future__ import annotations

import argparse
import asyncio

from adapters.webex.simulator import SimClock, SimulatedSite, create_app, example_site
from adapters.webex.simulator.__main__ import serve_and_print_url
from adapters.webex.simulator.xml.seed import bulk_site

HOSTS = 50


def build(sessions: int, live: int) -> SimulatedSite:
    site = example_site(clock=SimClock(speed=1))
    return bulk_site(site, sessions=sessions, hosts=HOSTS, live=live)


async def serve(sessions: int, live: int) -> None:
    await serve_and_print_url(create_app(build(sessions, live)), "127.0.0.1", 0, access_log=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--live", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(serve(args.sessions, args.live))

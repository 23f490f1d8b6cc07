"""A large simulated site in its own process, for bench_watch.

``python -m bench.watch_site --sessions 10000 --live 500`` prints its XML URL
on stdout, then serves until killed. Besides the simulator's own control
routes it answers ``GET /bench/requests`` with request counts by operation
(bodyContent items, so a batched GetSessionInfo counts each session) and the
number of HTTP requests, so the bench can count without sharing memory.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from datetime import timedelta

from aiohttp import web

from adapters.webex.simulator import SimClock, SimulatedSite, create_app, example_site
from adapters.webex.simulator.__main__ import serve_and_print_url

HOSTS = 50


def build(sessions: int, live: int) -> SimulatedSite:
    site = example_site(clock=SimClock(speed=1))
    site.sessioninfo_hourly_limit = 10**9
    for h in range(HOSTS):
        site.add_user(f"host{h}", "pw", email=f"host{h}@acme.example")
    now = site.clock.now().replace(microsecond=0)
    # Live sessions started within the last hour; the rest spread over the
    # discovery window (a day back to a week ahead), none due soon.
    for i in range(live):
        key = site.schedule(
            host=f"host{i % HOSTS}",
            title=f"Live {i}",
            start=now - timedelta(minutes=1 + i % 55),
            duration_minutes=120,
        )
        site.start(key)
        if i % 2:
            site.host_joins(key)
        if i % 3:
            site.attendee_joins(key)
    span = int(timedelta(days=7, hours=20).total_seconds())
    for i in range(sessions - live):
        offset = timedelta(hours=-23) + timedelta(seconds=(i * 7919) % span)
        if timedelta(minutes=-1) < offset < timedelta(minutes=40):
            offset += timedelta(hours=2)
        site.schedule(
            host=f"host{i % HOSTS}", title=f"Meeting {i}", start=now + offset, duration_minutes=30
        )
    return site


async def serve(sessions: int, live: int) -> None:
    site = build(sessions, live)
    app = create_app(site)

    async def counts(_request: web.Request) -> web.Response:
        ops = Counter(op.lower() for r in site.requests for op in r.operation_names)
        return web.json_response({"http": len(site.requests), "items": dict(ops)})

    app.router.add_get("/bench/requests", counts)
    await serve_and_print_url(app, "127.0.0.1", 0, access_log=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--live", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(serve(args.sessions, args.live))

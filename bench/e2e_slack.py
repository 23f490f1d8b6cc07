"""The fake Slack Web API in its own process, for bench_e2e.

``python -m bench.e2e_slack`` serves :class:`tests.fakes.slack_api.FakeSlack`
on a free loopback port, prints its API URL (``http://127.0.0.1:N/api/``) on
stdout, then serves until killed. It notes when each Web API call arrived
(wall clock, so the bench can compare it with when it changed the site) and
answers ``GET /bench/calls?since=<index>`` with those calls from ``since`` on:
``{"calls": [[arrival, method, body_text], ...]}``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

from aiohttp import web

from adapters.serving import serve_app
from tests.fakes.slack_api import FakeSlack

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app() -> web.Application:
    fake = FakeSlack()
    arrivals: list[tuple[float, str, str]] = []

    @web.middleware
    async def note(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/api/"):
            arrived = time.time()
            text = (await request.read()).decode("utf-8", "replace")
            arrivals.append((arrived, request.path.removeprefix("/api/"), text))
        return await handler(request)

    async def calls(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"calls": arrivals[since:]})

    app = fake.app()
    app.middlewares.append(note)
    app.router.add_get("/bench/calls", calls)
    return app


async def serve() -> None:
    async with AsyncExitStack() as stack:
        bound = await serve_app(stack, create_app(), host="127.0.0.1", port=0)
        sys.stdout.write(f"http://127.0.0.1:{bound.port}/api/\n")
        sys.stdout.flush()
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve())

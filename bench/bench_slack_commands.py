"""How fast is /webex acknowledged? Parsing alone, and signed requests end to end.

Slack gives a slash command 3 s; the acknowledgement must never wait on Webex.
The second half sends signed `create` commands through the real web app, bolt
and handlers (Webex: a recording source; Slack: the loopback fake) and reports
the acknowledgement latency; the work after the ack runs in owned tasks.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime

from adapters.webex.memory import MemoryWebex
from bot.commands.grammar import parse
from state.store import open_store
from tests.fakes.slack_api import running_fake_slack
from tests.fakes.slack_bot import running_bot

TEXTS = [
    'create "Design review" at 14:00 for 45m private autolock 5 lobby',
    "create Standup in 10m",
    "create Check in with Bob",
    "subscribe meeting 123456789 events started,ended",
    "status 2345 678 901",
    "list",
    "frobnicate the meeting",
]
PARSES = 50_000
REQUESTS = 300
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _parse() -> None:
    began = time.perf_counter()
    for i in range(PARSES):
        parse(TEXTS[i % len(TEXTS)])
    elapsed = time.perf_counter() - began
    print(f"   parse() x {PARSES}: {elapsed:.3f} s ({elapsed / PARSES * 1e6:.1f} us each)")


async def _acks() -> None:
    async with running_fake_slack() as slack, await open_store("sqlite:///:memory:") as store:
        slack.add_user("UALICE", name="Alice", email="alice@acme.test", tz="Europe/Berlin")
        webex = MemoryWebex(clock=lambda: NOW)
        async with running_bot(slack, webex, store, clock=lambda: NOW) as bot:
            await bot.command("list")  # bolt's one-time auth.test
            await bot.tasks.join()
            latencies = []
            began = time.perf_counter()
            for i in range(REQUESTS):
                sent = time.perf_counter()
                response = await bot.command(f"create Meeting {i} in 30m")
                latencies.append(time.perf_counter() - sent)
                assert response.status == 200
            await bot.tasks.join()
            total = time.perf_counter() - began
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)]
    print(
        f"   signed create x {REQUESTS}: ack p50 {statistics.median(latencies) * 1e3:.1f} ms,"
        f" p95 {p95 * 1e3:.1f} ms, max {latencies[-1] * 1e3:.1f} ms;"
        f" all done (incl. answers) in {total:.2f} s; meetings created: {len(webex.created)}"
    )


def main() -> None:
    _parse()
    asyncio.run(_acks())

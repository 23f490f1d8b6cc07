"""How long are the channels without a watcher when the active replica goes away?

Two real service processes (``python -m bot run``) on one PostgreSQL database
that this benchmark starts from the local server binaries, with
POLL_INTERVAL_SECONDS=1 (so the promise is 2 x 1 + 5 = 7 s). The active one is
stopped again and again, and each time the time from the stop until the
standby's ``/healthz`` says ``active`` is measured:

- SIGKILL (a node going down): the standby waits for the lease to expire;
- SIGTERM (a deploy): the stopping replica releases the lease first.

Skipped, with one line, where the PostgreSQL binaries are missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from adapters.webex.simulator import SimClock, example_site
from tests.fakes.sim import running_site
from tests.fakes.slack_api import running_fake_slack
from tests.postgres import find_binaries, start_server
from tests.replica_rig import WEBEX_PASSWORD, ReplicaProcess, replica_env, wait_for_role

ROUNDS = 8
POLL_INTERVAL = 1
PROMISE = 2 * POLL_INTERVAL + 5


def _summary(label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"   {label:<34} median {statistics.median(ordered):5.2f} s   p95 {p95:5.2f} s"
        f"   max {ordered[-1]:5.2f} s   ({len(ordered)} takeovers; promise {PROMISE} s)"
    )


async def _takeovers(database_url: str, folder: Path) -> None:
    site = example_site(clock=SimClock(speed=1), admin_password=WEBEX_PASSWORD)
    async with (
        running_site(site) as (_server, site_url),
        running_fake_slack() as slack,
        aiohttp.ClientSession() as http,
    ):
        env = replica_env(slack, site_url, database_url)
        replicas = [ReplicaProcess(n, env, folder / f"{n}.log") for n in ("a", "b")]
        try:
            for replica in replicas:
                await replica.start()
            for how in ("kill", "terminate"):
                measured = []
                for _ in range(ROUNDS):
                    active, _seen = await wait_for_role(http, replicas, "active")
                    standby = next(r for r in replicas if r is not active)
                    await wait_for_role(http, [standby], "standby")
                    await asyncio.sleep(1.0)  # somewhere inside a renewal period
                    stopped_at = time.monotonic()
                    await (active.kill() if how == "kill" else active.terminate())
                    _, seen = await wait_for_role(http, [standby], "active")
                    measured.append(seen - stopped_at)
                    await active.start()
                label = "SIGKILL (lease expires)" if how == "kill" else "SIGTERM (lease released)"
                _summary(label, measured)
        finally:
            for replica in replicas:
                if replica.alive:
                    with contextlib.suppress(Exception):
                        await replica.terminate()


def main() -> None:
    bindir = find_binaries()
    if bindir is None:
        print("   skipped: needs the PostgreSQL server binaries (apt-get install postgresql)")
        return
    server = start_server(bindir)
    try:
        with tempfile.TemporaryDirectory(prefix="meetbot-takeover-") as folder:
            asyncio.run(_takeovers(server.create_database(), Path(folder)))
    finally:
        server.stop()

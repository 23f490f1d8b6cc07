"""Two real service processes (``python -m bot run``) on one PostgreSQL database.

Failover: a scripted stream of meeting changes plays on the simulated site
while the active replica is SIGKILLed at random moments, at least MIN_KILLS
times, and restarted as a standby each time. Every change must be announced
exactly once: each scripted change is one event in the store and one reply in
the fake Slack, no delivery key reaches Slack twice, and no outbox row is left.
The takeover times (kill -> the standby's /healthz says active) are reported,
not asserted: the machine is shared.

Partition: the active replica is cut off from the database (its role may no
longer log in and its connections are terminated with pg_terminate_backend)
while the standby takes over; from the moment the standby is active the
cut-off replica sends Slack nothing, also once it can connect again.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from adapters.slack.mrkdwn import delivery_keys
from adapters.webex.simulator import SimClock, SimulatedSite, example_site
from tests.fakes.sim import running_site
from tests.fakes.slack_api import FakeSlack, running_fake_slack
from tests.fakes.slack_bot import command_body, signed_headers
from tests.postgres import PostgresServer
from tests.replica_rig import (
    SIGNING_SECRET,
    WEBEX_PASSWORD,
    ReplicaProcess,
    replica_env,
    wait_for_role,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MIN_KILLS = 10
CHANNEL = "C1"
#: What each scripted meeting goes through, and the event each step must cause.
STEPS = (("host_joins", "started"), ("lock", "locked"), ("unlock", "unlocked"), ("end", "ended"))


@dataclass
class Rig:
    site: SimulatedSite
    slack: FakeSlack
    http: aiohttp.ClientSession
    db: asyncpg.Connection
    replicas: list[ReplicaProcess]

    async def events(self, key: str, kind: str) -> int:
        count: int = await self.db.fetchval(
            "SELECT count(*) FROM events WHERE meeting_key = $1 AND kind = $2", key, kind
        )
        return count

    async def command(self, replica: ReplicaProcess, text: str) -> None:
        body = command_body(text, response_url=self.slack.response_url(replica.name))
        async with self.http.post(
            f"{replica.base}/slack/events",
            data=body.encode(),
            headers=signed_headers(body, SIGNING_SECRET),
        ) as response:
            assert response.status == 200, await response.text()

    async def settled(self) -> bool:
        left = await self.db.fetchval(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')"
        )
        return bool(left == 0)

    async def until_settled(self, within: float = 120) -> None:
        """Until the outbox is empty (every delivery delivered or dead)."""
        async with asyncio.timeout(within):
            while True:
                if await self.settled():
                    return
                await asyncio.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(f"--- {r.name}\n{r.tail()}" for r in self.replicas)


@pytest.fixture
async def rig(postgres_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    site = example_site(clock=SimClock(speed=1), admin_password=WEBEX_PASSWORD)
    site.sessioninfo_hourly_limit = 1_000_000
    async with (
        running_site(site) as (_server, site_url),
        running_fake_slack() as slack,
        aiohttp.ClientSession() as http,
    ):
        for user in ("alice", "bob", "chen"):
            slack.add_user(f"U{user.upper()}", name=user, email=f"{user}@acme.example")
        env = replica_env(slack, site_url, postgres_url)
        replicas = [ReplicaProcess(n, env, tmp_path / f"{n}.log") for n in ("a", "b")]
        db = await asyncpg.connect(postgres_url)
        try:
            yield Rig(site=site, slack=slack, http=http, db=db, replicas=replicas)
        finally:
            for replica in replicas:
                if replica.alive:
                    await replica.kill()
            await db.close()


async def start_pair(rig: Rig) -> tuple[ReplicaProcess, ReplicaProcess]:
    """Start both replicas, the first alone until it is active; subscribe the
    channel through the standby (commands work on every replica)."""
    first, second = rig.replicas
    await first.start()
    await wait_for_role(rig.http, [first], "active")
    await second.start()
    await wait_for_role(rig.http, [second], "standby")
    await rig.command(second, "subscribe all")
    async with asyncio.timeout(30):  # the answer goes to the response URL
        while True:
            if await rig.db.fetchval(
                "SELECT count(*) FROM subscriptions WHERE channel = $1", CHANNEL
            ):
                break
            await asyncio.sleep(0.1)
    return first, second


async def play(rig: Rig, rng: random.Random, count: int = 6) -> list[str]:
    """Schedule ``count`` meetings and take each through STEPS, interleaved; each
    step waits until its event is in the store, so no change goes unseen."""
    now = rig.site.clock.now()
    keys = [
        rig.site.schedule(host=h, title=f"Failover {i}", start=now + timedelta(minutes=2))
        for i, h in enumerate(["alice", "bob", "chen"] * (count // 3))
    ]
    queues = {k: list(STEPS) for k in keys}
    while any(queues.values()):
        key = rng.choice([k for k, q in queues.items() if q])
        action, kind = queues[key].pop(0)
        getattr(rig.site, action)(key)
        async with asyncio.timeout(120):
            while True:
                if await rig.events(key, kind):
                    break
                await asyncio.sleep(0.1)
        await asyncio.sleep(rng.uniform(0.1, 1.0))
    return keys


def slack_writes(slack: FakeSlack, tokens: set[str] | None = None) -> list[tuple[str, str]]:
    """(method, delivery key) of every message post or edit, optionally only
    those sent with one of ``tokens``."""
    found = []
    for call in slack.calls:
        if call.method not in ("chat.postMessage", "chat.update"):
            continue
        token = call.headers.get("Authorization", "").removeprefix("Bearer ")
        if tokens is not None and token not in tokens:
            continue
        keys = delivery_keys({"metadata": call.body.get("metadata")})
        found.append((call.method, keys[-1] if keys else ""))
    return found


async def assert_announced_exactly_once(rig: Rig, keys: list[str]) -> None:
    for key in keys:
        for _, kind in STEPS:
            assert await rig.events(key, kind) == 1, (key, kind)
    outbox = await rig.db.fetch("SELECT delivery_key, state FROM outbox")
    assert outbox and {r["state"] for r in outbox} == {"delivered"}
    posted = Counter(k for method, k in slack_writes(rig.slack) if method == "chat.postMessage")
    assert [k for k, n in posted.items() if n > 1] == [], "a message was posted twice"
    expected = {r["delivery_key"] for r in outbox}
    assert expected <= set(posted), "an outbox row never reached Slack"
    replies = {
        key
        for m in rig.slack.channel_messages(CHANNEL)
        if m.get("thread_ts")
        for key in delivery_keys(m)
    }
    for key in keys:  # each scripted change is one reply in its meeting's thread
        for _, kind in STEPS:
            event_id = await rig.db.fetchval(
                "SELECT id FROM events WHERE meeting_key = $1 AND kind = $2", key, kind
            )
            assert f"{event_id}:{CHANNEL}" in replies, (key, kind)


def report(request: pytest.FixtureRequest, label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    line = (
        f"{label}: {len(ordered)} takeovers, median {statistics.median(ordered):.2f} s,"
        f" p95 {p95:.2f} s, max {ordered[-1]:.2f} s"
    )
    # Past the output capture: the figures are for the reader of every run.
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)


async def test_the_active_replica_killed_again_and_again_announces_every_change_once(
    rig: Rig, request: pytest.FixtureRequest
) -> None:
    rng = random.Random(os.environ.get("CRASH_SEED", "failover"))
    await start_pair(rig)
    takeovers: list[float] = []
    done = asyncio.Event()

    async def killer() -> None:
        kills = 0
        while not done.is_set() or kills < MIN_KILLS:
            active, _ = await wait_for_role(rig.http, rig.replicas, "active")
            await asyncio.sleep(rng.uniform(0.3, 3.0))
            killed_at = time.monotonic()
            await active.kill()
            kills += 1
            standby = next(r for r in rig.replicas if r is not active)
            _, seen = await wait_for_role(rig.http, [standby], "active")
            takeovers.append(seen - killed_at)
            await active.start()
            await wait_for_role(rig.http, [active], "standby")

    killing = asyncio.create_task(killer())
    try:
        keys = await play(rig, rng)
        done.set()
        await killing
        await rig.until_settled()
    finally:
        killing.cancel()
    assert sum(r.kills for r in rig.replicas) >= MIN_KILLS
    for replica in rig.replicas:
        assert await replica.terminate() == 0, replica.tail()
    await assert_announced_exactly_once(rig, keys)
    report(request, "failover (SIGKILL of the active replica)", takeovers)


async def test_a_replica_cut_off_from_the_database_sends_nothing_once_replaced(
    rig: Rig, postgres_server: PostgresServer, postgres_url: str, request: pytest.FixtureRequest
) -> None:
    rng = random.Random("partition")
    # Each replica signs in as a role of its own, so that one can be cut off.
    roles: dict[str, str] = {}
    for replica in rig.replicas:
        role = f"cut_{os.getpid()}_{secrets.token_hex(4)}_{replica.name}"
        postgres_server.psql(f"CREATE ROLE {role} LOGIN SUPERUSER")
        roles[replica.name] = role
        own = postgres_url.replace("postgresql://postgres@", f"postgresql://{role}@", 1)
        replica.env = {**replica.env, "DATABASE_URL": own}
    first, second = await start_pair(rig)
    playing = asyncio.create_task(play(rig, rng))
    try:
        await asyncio.sleep(4)  # the stream is flowing through the first replica
        cut_at = time.monotonic()
        postgres_server.psql(f"ALTER ROLE {roles[first.name]} NOLOGIN")
        postgres_server.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE usename = '{roles[first.name]}'"
        )
        _, replaced = await wait_for_role(rig.http, [second], "active")
        report(request, "partition (database cut from the active replica)", [replaced - cut_at])
        sent_before = len(slack_writes(rig.slack, first.tokens()))
        await asyncio.sleep(2)
        postgres_server.psql(f"ALTER ROLE {roles[first.name]} LOGIN")  # it comes back
        await wait_for_role(rig.http, [first], "standby")
        keys = await playing
        await rig.until_settled()
    finally:
        playing.cancel()
    assert len(slack_writes(rig.slack, first.tokens())) == sent_before, (
        "the replaced replica sent to Slack"
    )
    assert await first.role(rig.http) == "standby"
    assert sent_before > 0, "the first replica delivered before it was cut off"
    for replica in rig.replicas:
        assert await replica.terminate() == 0, replica.tail()
    await assert_announced_exactly_once(rig, keys)


async def test_a_standby_is_ready_to_serve_commands_while_another_watches(rig: Rig) -> None:
    """A load balancer's readiness probe on /readyz keeps a standby in rotation:
    it serves commands; what only the active replica exercises does not count."""
    first, second = await start_pair(rig)

    async def readiness(replica: ReplicaProcess) -> tuple[int, dict[str, Any]]:
        async with rig.http.get(f"{replica.base}/readyz") as r:
            return r.status, await r.json()

    status, body = await readiness(second)
    assert status == 200, body
    assert body["components"]["replica"]["detail"] == "standby"
    assert body["components"]["database"]["required"] is True
    for watching in ("webex", "dispatcher", "slack"):
        assert body["components"][watching]["required"] is False, body
    async with asyncio.timeout(60):  # the active one is ready once it has polled and sent
        while True:
            status, body = await readiness(first)
            if status == 200:
                break
            await asyncio.sleep(0.2)
    for watching in ("webex", "dispatcher", "slack"):
        assert body["components"][watching]["required"] is True, body

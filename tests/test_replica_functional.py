"""Replicas in one process, on one real PostgreSQL database: exactly one watches;
a standby takes over when the active one's database is cut off or it stops;
a replica that cannot renew stops its watch at once.

Each replica signs in to PostgreSQL as a role of its own, so that the test can
cut one replica off (``ALTER ROLE … NOLOGIN`` and ``pg_terminate_backend``) and
leave the other connected, as a network partition would.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import pytest

from adapters.webex.simulator import SimClock
from adapters.webex.xmlapi import XmlApiClient
from bot.watch.replica import LeaseTiming, Replica, Role
from bot.watch.service import WatchService
from bot.watch.watcher import WatchSettings
from state.model import Rules
from state.store import Store, open_store
from state.store_lease import Fence, PgLease
from tests.fakes.chat import RecordingChat
from tests.fakes.sim import ADMIN
from tests.postgres import PostgresServer

FAST = LeaseTiming.for_poll_interval(1)
#: Roles are the server's, not one database's: unique names for the whole run.
_ROLES = itertools.count(1)


@dataclass
class Node:
    """One replica with its own database role, store (on the shared database)
    and watches."""

    name: str
    replica: Replica
    lease: PgLease
    watches: list[WatchService] = field(default_factory=list)
    fences: list[Fence] = field(default_factory=list)
    roles: list[tuple[Role, int | None]] = field(default_factory=list)


def role_url(server: PostgresServer, url: str, role: str) -> str:
    server.psql(f"CREATE ROLE {role} LOGIN SUPERUSER")
    return url.replace("postgresql://postgres@", f"postgresql://{role}@", 1)


def cut_off(server: PostgresServer, role: str) -> None:
    """The role can no longer connect, and its open connections are closed."""
    server.psql(f"ALTER ROLE {role} NOLOGIN")
    server.psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")


async def until(predicate: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Until ``predicate`` holds; ``what`` names it for the reader."""
    try:
        async with asyncio.timeout(limit):
            while True:
                if predicate():
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out waiting until {what}") from None


@pytest.fixture
async def nodes_for(
    postgres_server: PostgresServer,
    postgres_url: str,
    sim_url: str,
    sim_clock: SimClock,
) -> AsyncIterator[Callable[[LeaseTiming], Awaitable[list[Node]]]]:
    async with AsyncExitStack() as stack:
        client = XmlApiClient(sim_url, ADMIN, clock=sim_clock.now)
        stack.push_async_callback(client.close)

        async def build(timing: LeaseTiming, count: int = 2) -> list[Node]:
            built: list[Node] = []
            for _ in range(count):
                name = f"replica_{os.getpid()}_{next(_ROLES)}"
                url = role_url(postgres_server, postgres_url, name)
                store = await open_store(url)
                stack.push_async_callback(store.close)
                lease = PgLease(url, ttl=timing.ttl)
                watches: list[WatchService] = []
                fences: list[Fence] = []

                def watch_for(
                    fence: Fence,
                    store: Store = store,
                    watches: list[WatchService] = watches,
                    fences: list[Fence] = fences,
                ) -> WatchService:
                    fences.append(fence)
                    watch = WatchService(
                        source=client,
                        store=store.fenced(fence),
                        chat=RecordingChat(),
                        rules=Rules(),
                        clock=sim_clock.now,
                        settings=WatchSettings(discovery_interval=0.5, poll_interval=0.5),
                        may_send=fence.live,
                    )
                    watches.append(watch)
                    return watch

                roles: list[tuple[Role, int | None]] = []

                def on_role(
                    role: Role, epoch: int | None, roles: list[tuple[Role, int | None]] = roles
                ) -> None:
                    roles.append((role, epoch))

                replica = Replica(
                    lease=lease,
                    watch_for=watch_for,
                    timing=timing,
                    on_role=on_role,
                    stop_grace=0.5,
                )
                built.append(
                    Node(
                        name=name,
                        replica=replica,
                        lease=lease,
                        watches=watches,
                        fences=fences,
                        roles=roles,
                    )
                )
            return built

        yield build


def active(nodes: list[Node]) -> list[Node]:
    return [n for n in nodes if n.replica.role is Role.ACTIVE]


async def test_one_replica_watches_and_a_standby_takes_over_when_it_is_cut_off(
    nodes_for: Callable[[LeaseTiming], Awaitable[list[Node]]], postgres_server: PostgresServer
) -> None:
    nodes = await nodes_for(FAST)
    async with AsyncExitStack() as stack:
        for node in nodes:
            await stack.enter_async_context(node.replica)
        await until(lambda: len(active(nodes)) == 1, "one replica becomes active")
        first = active(nodes)[0]
        other = next(n for n in nodes if n is not first)
        await until(lambda: first.watches[-1].running, "the active replica watches")
        assert other.watches == [] and other.replica.role is Role.STANDBY
        assert other.replica.healthy() and first.replica.healthy()

        cut_off(postgres_server, first.name)
        await until(lambda: first.replica.role is Role.STANDBY, "the cut-off replica steps down")
        assert not first.watches[-1].running, "it stopped watching when it could not renew"
        assert not first.fences[-1].live(), "nothing more leaves under its term"
        await until(lambda: other.replica.role is Role.ACTIVE, "the standby takes over")
        await until(lambda: other.watches[-1].running, "the new active replica watches")
        assert other.replica.epoch == 2
        assert first.roles == [(Role.ACTIVE, 1), (Role.STANDBY, None)]
        assert first.replica.role is Role.STANDBY and len(first.watches) == 1
        assert first.replica.healthy(), "a standby that cannot reach the lease still serves"
        await until(lambda: not first.replica.reachable, "it tells the database is gone")
        postgres_server.psql(f"ALTER ROLE {first.name} LOGIN")
        await until(lambda: first.replica.reachable, "it tells the database is back")
        assert (first.replica.role, other.replica.role) == (Role.STANDBY, Role.ACTIVE)


async def test_a_clean_stop_hands_over_without_waiting_for_the_expiry(
    nodes_for: Callable[[LeaseTiming], Awaitable[list[Node]]],
) -> None:
    # A term far longer than the test may last: only a release lets the standby in.
    slow = LeaseTiming(ttl=600, renew_every=100, check_every=0.2)
    nodes = await nodes_for(slow)
    async with AsyncExitStack() as stack:
        for node in nodes:
            await stack.enter_async_context(node.replica)
        await until(lambda: len(active(nodes)) == 1, "one replica becomes active")
        first = active(nodes)[0]
        other = next(n for n in nodes if n is not first)
        await first.replica.__aexit__(None, None, None)
        assert first.replica.role is Role.STANDBY and not first.watches[-1].running
        assert not first.replica.healthy()
        await until(lambda: other.replica.role is Role.ACTIVE, "the standby takes over")
        assert other.replica.epoch == 2

"""The replica lease on a real PostgreSQL server: one holder at a time, a new
epoch per term, renewal only within the term, and a fence that orders a writer's
commit before the next term begins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest

from state.errors import FencedError
from state.store_lease import LeaseUnavailableError, PgLease
from tests.postgres import PostgresServer

#: Long enough never to run out by accident on a busy machine.
LONG = 60.0


@pytest.fixture
async def leases(postgres_url: str) -> AsyncIterator[tuple[PgLease, PgLease]]:
    first, second = PgLease(postgres_url, ttl=LONG), PgLease(postgres_url, ttl=LONG)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def expire(url: str) -> None:
    """End the current term as if its holder had stopped renewing it long ago."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE meetbot_lease SET expires_at = clock_timestamp()")
    finally:
        await conn.close()


async def test_one_holder_at_a_time_and_a_new_epoch_per_term(
    leases: tuple[PgLease, PgLease], postgres_url: str
) -> None:
    first, second = leases
    term = await first.acquire()
    assert term is not None and term.epoch == 1 and term.holder == first.holder
    assert await second.acquire() is None
    assert await first.acquire() is None  # not even the holder takes a second term
    renewed = await first.renew(term)
    assert renewed is not None and renewed.epoch == 1
    assert renewed.deadline >= term.deadline

    await expire(postgres_url)
    assert await first.renew(term) is None  # an expired term is over
    taken = await second.acquire()
    assert taken is not None and taken.epoch == 2
    assert await first.renew(term) is None
    assert await second.renew(taken) is not None


async def test_release_hands_over_at_once(leases: tuple[PgLease, PgLease]) -> None:
    first, second = leases
    term = await first.acquire()
    assert term is not None
    await first.release(term)
    taken = await second.acquire()
    assert taken is not None and taken.epoch == 2
    await first.release(term)  # releasing an old term leaves the new one alone
    assert await second.renew(taken) is not None


async def test_the_fence_refuses_writes_of_an_ended_term(
    leases: tuple[PgLease, PgLease], postgres_url: str
) -> None:
    first, second = leases
    term = await first.acquire()
    assert term is not None
    conn = await asyncpg.connect(postgres_url)
    try:
        async with conn.transaction():
            await first.fence(term).check(conn)
        await expire(postgres_url)
        with pytest.raises(FencedError):
            async with conn.transaction():
                await first.fence(term).check(conn)
        taken = await second.acquire()
        assert taken is not None
        with pytest.raises(FencedError):
            async with conn.transaction():
                await first.fence(term).check(conn)
        async with conn.transaction():
            await second.fence(taken).check(conn)
        # A term that ran out by the writer's own clock is refused at once.
        with pytest.raises(FencedError):
            async with conn.transaction():
                await replace(second.fence(taken), live=lambda: False).check(conn)
    finally:
        await conn.close()


async def test_a_new_term_waits_for_the_commit_of_a_checked_write(postgres_url: str) -> None:
    """A write that passed the fence commits before another replica's term
    begins, even when the term runs out while the write is still open."""
    first, second = PgLease(postgres_url, ttl=2.0), PgLease(postgres_url, ttl=LONG)
    writer, watcher = await asyncpg.connect(postgres_url), await asyncpg.connect(postgres_url)
    try:
        await writer.execute("CREATE TABLE written (epoch bigint)")
        term = await first.acquire()
        assert term is not None
        tx = writer.transaction()
        await tx.start()
        await first.fence(term).check(writer)
        await writer.execute("INSERT INTO written VALUES ($1)", term.epoch)
        await asyncio.sleep(max(0.0, term.remaining()) + 0.2)  # the term runs out
        acquiring = asyncio.create_task(second.acquire())
        holder_pid = writer.get_server_pid()
        while True:  # until the acquire is seen blocked behind the writer
            blocked = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                holder_pid,
            )
            if blocked:
                break
            assert not acquiring.done(), acquiring
            await asyncio.sleep(0.05)
        assert not acquiring.done()
        await tx.commit()
        taken = await acquiring
        assert taken is not None and taken.epoch == 2
        assert await writer.fetchval("SELECT epoch FROM written") == 1
        with pytest.raises(FencedError):
            async with writer.transaction():
                await first.fence(term).check(writer)
    finally:
        await writer.close()
        await watcher.close()
        await first.close()
        await second.close()


async def test_a_cut_connection_is_reported_then_reopened(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    lease = PgLease(postgres_url, ttl=LONG)
    try:
        term = await lease.acquire()
        assert term is not None
        postgres_server.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()",
            database=postgres_url.rsplit("/", 1)[1],
        )
        with pytest.raises(LeaseUnavailableError) as raised:
            await lease.renew(term)
        assert postgres_url not in str(raised.value)
        assert await lease.renew(term) is not None  # a new connection, the same term
    finally:
        await lease.close()


async def test_an_unreachable_database_is_reported_without_the_url(
    postgres_server: PostgresServer,
) -> None:
    url = f"postgresql://postgres:secret-pw@127.0.0.1:{postgres_server.port + 1}/none"
    lease = PgLease(url, ttl=LONG, timeout=2)
    try:
        with pytest.raises(LeaseUnavailableError) as raised:
            await lease.acquire()
        assert "secret-pw" not in str(raised.value)
    finally:
        await lease.close()

"""What only the PostgreSQL store has to show: it is picked by URL, several
processes share one database, and it rides out a lost connection. The
contract both stores keep is in tests/test_store.py."""

from __future__ import annotations

import asyncio

import pytest

from state.errors import FencedError, StoreError, StoreUnavailable
from state.model import EventKind, Rules
from state.pg.schema import MIGRATIONS
from state.pg.store import PostgresStore
from state.store import Store, open_store
from state.store_lease import PgLease
from tests.postgres import PostgresServer, _free_port
from tests.rawsql import raw
from tests.test_store import NOW, START, row

pytestmark = pytest.mark.postgres

K = EventKind
RULES = Rules()


def reachable(store: Store) -> bool:
    """Read afresh each time (a property the checker would narrow)."""
    return store.reachable


async def test_both_spellings_of_the_scheme_pick_postgresql(postgres_url: str) -> None:
    for url in (postgres_url, postgres_url.replace("postgresql://", "postgres://", 1)):
        async with await open_store(url) as store:
            assert isinstance(store, PostgresStore)
            assert reachable(store)


async def test_an_unreachable_server_is_unavailable_and_the_password_stays_out() -> None:
    url = f"postgresql://meetbot:s3cret@127.0.0.1:{_free_port()}/meetbot"
    with pytest.raises(StoreUnavailable) as caught:
        await open_store(url)
    assert "s3cret" not in str(caught.value)


async def test_a_refused_login_is_a_store_error(postgres_server: PostgresServer) -> None:
    with pytest.raises(StoreError) as caught:
        await open_store(postgres_server.url("no_such_database"))
    assert not isinstance(caught.value, StoreUnavailable)


async def test_processes_starting_together_migrate_once(postgres_url: str) -> None:
    stores = await asyncio.gather(*(open_store(postgres_url) for _ in range(3)))
    for store in stores:
        await store.close()
    recorded = await raw(postgres_url, "SELECT name FROM meetbot_migrations ORDER BY name")
    assert recorded == [(name,) for name, _ in MIGRATIONS]


async def test_two_writers_compute_each_event_once(postgres_url: str) -> None:
    async with await open_store(postgres_url) as a, await open_store(postgres_url) as b:
        await a.subscribe("C1", "all", None)
        results = await asyncio.gather(
            *(s.observe([row()], now=NOW, rules=RULES) for s in (a, b, a, b))
        )
        assert sorted(len(events) for events in results) == [0, 0, 0, 1]
        # b remembered the meeting; a moves it; b must not trust what it remembers.
        assert await b.snapshot("100") is not None
        moved = row(start=START.replace(hour=START.hour + 1))
        assert [e.kind for e in await a.observe([moved], now=NOW, rules=RULES)] == [K.RESCHEDULED]
        assert await b.observe([moved], now=NOW, rules=RULES) == []
        seen = await b.snapshot("100")
        assert seen is not None and seen.start == moved.start
    assert await raw(postgres_url, "SELECT COUNT(*) FROM outbox") == [(2,)]


async def test_a_cut_connection_is_reported_then_replaced_and_nothing_is_lost_or_doubled(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    async with await open_store(postgres_url) as store:
        await store.subscribe("C1", "all", None)
        assert await store.snapshot("100") is None  # the store's connection is open
        postgres_server.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )
        with pytest.raises(StoreUnavailable):
            await store.observe([row()], now=NOW, rules=RULES)
        assert not reachable(store)
        # Back off, then reconnect on a later call by itself.
        events = None
        for _ in range(100):
            try:
                events = await store.observe([row()], now=NOW, rules=RULES)
                break
            except StoreUnavailable:
                await asyncio.sleep(0.1)
        assert reachable(store)
        assert events is not None and [e.kind for e in events] == [K.SCHEDULED]
        assert await store.observe([row()], now=NOW, rules=RULES) == []
        (delivery,) = await store.due_deliveries(NOW)
        assert delivery.event.kind is K.SCHEDULED


async def test_a_database_that_goes_away_and_comes_back(postgres_server: PostgresServer) -> None:
    """New connections are refused too (not one connection cut): calls fail,
    fast while backing off, and the store finds the database when it is back."""
    url = postgres_server.create_database()
    async with await open_store(url) as store:
        await store.subscribe("C1", "all", None)
        name = url.rsplit("/", 1)[1]
        # No new connections to this database, and the present ones cut: gone.
        postgres_server.psql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        postgres_server.psql(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )
        for _ in range(3):
            with pytest.raises(StoreUnavailable):
                await store.watched()
            assert not reachable(store)
            await asyncio.sleep(0.3)
        postgres_server.psql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        found = None
        for _ in range(200):
            try:
                found = await store.watched()
                break
            except StoreError:
                await asyncio.sleep(0.1)
        assert found == (True, frozenset(), frozenset())
        assert reachable(store)


async def test_a_fenced_view_writes_only_while_its_term_lasts(postgres_url: str) -> None:
    lease, rival = PgLease(postgres_url, ttl=60), PgLease(postgres_url, ttl=60)
    try:
        async with await open_store(postgres_url) as store:
            await store.subscribe("C1", "all", None)
            term = await lease.acquire()
            assert term is not None
            active = store.fenced(lease.fence(term))
            assert [e.kind for e in await active.observe([row()], now=NOW, rules=RULES)] == [
                K.SCHEDULED
            ]
            (delivery,) = await active.due_deliveries(NOW)
            await active.mark_in_flight(delivery.id, NOW)
            # The term ends (as if renewals stopped) and another replica takes over.
            await raw(postgres_url, "UPDATE meetbot_lease SET expires_at = clock_timestamp()")
            assert await rival.acquire() is not None
            with pytest.raises(FencedError):
                await active.mark_delivered(delivery.id, "C1", "1.1", NOW)
            with pytest.raises(FencedError):
                await active.save_card_ref("100", "C1", "1.1")
            with pytest.raises(FencedError):
                await active.observe([row(duration_minutes=45)], now=NOW, rules=RULES)
            with pytest.raises(FencedError):
                await active.tick(now=NOW, rules=RULES)
            (left,) = await store.in_flight()
            assert left.id == delivery.id
            assert await raw(postgres_url, "SELECT COUNT(*) FROM events") == [(1,)]
            assert await store.card_ref("100", "C1") is None
            # Unfenced work (commands, on any replica) goes on; so does the new term.
            await store.subscribe("C2", "all", None)
            moved = await store.observe([row(duration_minutes=45)], now=NOW, rules=RULES)
            assert [e.kind for e in moved] == [K.RESCHEDULED]
    finally:
        await lease.close()
        await rival.close()

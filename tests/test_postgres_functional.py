"""The PostgreSQL test server itself: real, isolated per test, reachable with asyncpg."""

from __future__ import annotations

import asyncpg

from tests.postgres import PostgresServer


async def test_each_test_gets_a_fresh_empty_database(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    conn = await asyncpg.connect(postgres_url)
    try:
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables == 0
        await conn.execute("CREATE TABLE marker (id int PRIMARY KEY)")
        await conn.execute("INSERT INTO marker VALUES (1)")
        assert await conn.fetchval("SELECT id FROM marker") == 1
    finally:
        await conn.close()

    other = await asyncpg.connect(postgres_server.create_database())
    try:
        assert await other.fetchval("SELECT to_regclass('public.marker')") is None
    finally:
        await other.close()


async def test_a_backend_can_be_cut_from_the_server_side(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    conn = await asyncpg.connect(postgres_url)
    try:
        pid = conn.get_server_pid()
        killed = postgres_server.psql(f"SELECT pg_terminate_backend({pid})")
        assert killed.strip() == "t"
        try:
            await conn.fetchval("SELECT 1")
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, ConnectionError):
            pass
        else:
            raise AssertionError("the terminated connection still answered")
    finally:
        await conn.close()

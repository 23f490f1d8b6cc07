"""Each store migrates a database the previous schema made, its rows converted:
0004 names a meeting's zone by IANA name (from the XML API's timeZoneID) and
calls its host column ``host_id``. SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from sqlite_utils import Database

from adapters.webex.timezones import default_table
from state.legacy_zones import LEGACY_ZONE_IDS
from state.pg.schema import MIGRATIONS as PG_MIGRATIONS
from state.store import open_store
from state.store_runner import database_path
from state.store_schema import MIGRATIONS
from tests.rawsql import raw
from tests.test_store import NOW, START

ZONES = "0004_zone_names_and_host_ids"
POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)

# Three meetings as the previous schema held them: Tokyo, an id a site added
# (no IANA name), and no zone at all.
_OLD_ROWS = (
    "INSERT INTO meetings (key, title, host_webex_id, host_email, start, duration_minutes,"
    " time_zone_id, in_progress, last_seen, last_source, missed_listings) VALUES"
    f" ('1', 'Tokyo sync', 'alice', 'alice@acme.example', '{START.isoformat()}', 30, 49, 0,"
    f" '{NOW.isoformat()}', 'listing', 0),"
    f" ('2', 'Added zone', 'bob', NULL, '{START.isoformat()}', 30, 900, 0,"
    f" '{NOW.isoformat()}', 'listing', 0),"
    f" ('3', 'No zone', 'carol', NULL, '{START.isoformat()}', 30, NULL, 0,"
    f" '{NOW.isoformat()}', 'listing', 0)"
)


async def _previous_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/old.db"
    db = Database(database_path(url))
    MIGRATIONS.apply(db, stop_before=ZONES)
    db.close()
    return url


async def _previous_postgres(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE meetbot_migrations (name text PRIMARY KEY, applied_at text NOT NULL)"
        )
        for name, ddl in PG_MIGRATIONS[: [n for n, _ in PG_MIGRATIONS].index(ZONES)]:
            await conn.execute(ddl)
            await conn.execute(
                "INSERT INTO meetbot_migrations VALUES ($1, $2)", name, NOW.isoformat()
            )
    finally:
        await conn.close()
    return url


@pytest.fixture(params=["sqlite", POSTGRES])
async def previous_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database the schema before 0004 made, holding :data:`_OLD_ROWS`."""
    if request.param == "postgres":
        url = await _previous_postgres(request.getfixturevalue("postgres_url"))
    else:
        url = await _previous_sqlite(tmp_path)
    await raw(url, _OLD_ROWS)
    return url


async def test_zone_ids_become_iana_names_and_hosts_keep_their_ids(previous_url: str) -> None:
    async with await open_store(previous_url) as store:
        tokyo, added, none = [await store.snapshot(key) for key in ("1", "2", "3")]
    assert tokyo is not None and added is not None and none is not None
    assert (tokyo.time_zone, tokyo.host_id, tokyo.title) == ("Asia/Tokyo", "alice", "Tokyo sync")
    assert (added.time_zone, added.host_id) == (None, "bob")
    assert (none.time_zone, none.host_id) == (None, "carol")
    assert tokyo.start == START and tokyo.duration_minutes == 30


async def test_the_xml_zone_column_is_gone_after_migrating(previous_url: str) -> None:
    async with await open_store(previous_url):
        pass
    if previous_url.startswith("sqlite:///"):
        columns = {r[1] for r in await raw(previous_url, "PRAGMA table_info(meetings)")}
    else:
        sql = "SELECT column_name FROM information_schema.columns WHERE table_name = 'meetings'"
        columns = {r[0] for r in await raw(previous_url, sql)}
    assert {"time_zone", "host_id"} <= columns
    assert columns.isdisjoint({"time_zone_id", "host_webex_id"})


def test_the_frozen_zone_ids_are_the_xml_edges_bundled_table() -> None:
    table = default_table()
    bundled = {zone_id: table.iana_zone(zone_id) for zone_id in range(62)}
    assert {k: v.key for k, v in bundled.items() if v is not None} == dict(LEGACY_ZONE_IDS)

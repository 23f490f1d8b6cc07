"""The PostgreSQL store: :class:`state.store_api.Store` over asyncpg.

Poll results and ticks are serialised twice: within the process by an
asyncio lock (two polls must not compute events from the same snapshot), and
across processes by a transaction-scoped advisory lock, so even two
processes writing at once compute each event once (rule 3 of the contract).

Like the SQLite store, it keeps the snapshots it read or wrote, decoded,
between polls: decoding a site's thousands of rows each cycle would cost
more than the poll. The cache is trusted only while ``meetings_version``
(bumped by every write to ``meetings``, in the same transaction) still holds
the value this process last saw; otherwise, and after any failed unit, it is
emptied. Reading the version costs one round trip and writes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from state.fanout import destinations
from state.lifecycle import Transition, is_stale
from state.model import Event, ListingScope, MeetingSnapshot, Observation, Rules
from state.pg.db import Conn, Database, connect_pool
from state.pg.outbox import PgOutbox, check_fence
from state.pg.rest import PgRest
from state.pg.schema import migrate
from state.pg.subscriptions import PgSubscriptions, fetch_subscriptions
from state.poll_result import apply_absences, apply_observations, apply_ticks, changes
from state.store_api import EVENT_ID_RETENTION
from state.store_lease import Fence
from state.store_schema import (
    SNAPSHOT_FIELDS,
    event_row,
    snapshot_from_row,
    snapshot_row,
    to_db_time,
)

__all__ = ["PostgresStore"]

logger = logging.getLogger("meetbot.state.store")

#: pg_advisory_xact_lock key held by every write of poll results ("meetbot" + 2).
WRITER_LOCK = 0x6D656574626F7402
_CACHE_LIMIT = 50_000
_DEFAULT_RULES = Rules()
_COLUMNS = ", ".join(SNAPSHOT_FIELDS)
_UPSERT = (
    f"INSERT INTO meetings ({_COLUMNS}) VALUES"
    f" ({', '.join(f'${i}' for i in range(1, len(SNAPSHOT_FIELDS) + 1))})"
    " ON CONFLICT (key) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in SNAPSHOT_FIELDS if name != "key")
)
_LIVE = "cancelled = 0 AND (in_progress = 1 OR (ended_at IS NULL AND start >= $1 AND start <= $2))"


class _Memory:
    """What one process remembers of the meetings table, shared by the store and
    its fenced views (all use it under ``lock``)."""

    def __init__(self) -> None:
        self.cache: dict[str, MeetingSnapshot] = {}
        self.version: int | None = None
        self.lock = asyncio.Lock()


class PostgresStore(PgSubscriptions, PgOutbox, PgRest):
    """Async facade over one PostgreSQL database. Open with :meth:`open`, then
    ``close`` (or ``async with``). Any number of processes may share a database."""

    def __init__(self, db: Database, memory: _Memory | None = None, fence: Fence | None = None):
        """Private: use :meth:`open` (and :meth:`fenced`)."""
        self._db = db
        self._memory = memory or _Memory()
        self._fence = fence

    def fenced(self, fence: Fence) -> PostgresStore:
        """See :meth:`state.store_api.Store.fenced`."""
        return PostgresStore(self._db, self._memory, fence)

    @classmethod
    async def open(cls, url: str) -> PostgresStore:
        """Connect to ``url`` (``postgresql://`` or ``postgres://``) and apply the
        pending migrations under an advisory lock.

        Raises:
            StoreUnavailable: the server cannot be reached.
            StoreError: the connection was refused, or a migration failed.
        """
        db = Database(await connect_pool(url))
        try:
            applied = await db.run(migrate)
        except BaseException:
            await db.close()
            raise
        if applied:
            logger.info("applied store migrations: %s", ", ".join(applied))
        return cls(db)

    @property
    def reachable(self) -> bool:
        """False from a call that found the database gone until one that reached it."""
        return self._db.reachable

    async def close(self) -> None:
        """Close the pool. Safe to call twice."""
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def total_changes(self) -> int:
        """Rows this store has written since it opened."""
        return self._db.rows_written

    async def first_sighting(self, event_id: str, now: datetime) -> bool:
        """See :meth:`state.store_api.Store.first_sighting`."""
        cutoff = to_db_time(now - EVENT_ID_RETENTION)

        async def work(conn: Conn) -> bool:
            await self._db.execute(conn, "DELETE FROM slack_events WHERE received_at < $1", cutoff)
            inserted = await self._db.execute(
                conn,
                "INSERT INTO slack_events (event_id, received_at) VALUES ($1, $2)"
                " ON CONFLICT (event_id) DO NOTHING",
                event_id,
                to_db_time(now),
            )
            return inserted == 1

        return await self._db.run(work)

    async def observe(
        self,
        observations: Sequence[Observation],
        *,
        now: datetime,
        rules: Rules,
        listing: ListingScope | None = None,
        listed: Collection[str] = (),
    ) -> list[Event]:
        """See :meth:`state.store_api.Store.observe`."""

        async def work(conn: Conn) -> tuple[list[Event], dict[str, Any]]:
            observed = {o.key for o in observations}
            current = await self._load(conn, observed)
            results = apply_observations(observations, current, now, rules)
            if listing is not None:
                seen = observed.union(listed)
                # Sessions known in the listing's window that it did not show.
                in_window = await conn.fetch(
                    "SELECT key FROM meetings WHERE cancelled = 0 AND start >= $1 AND start < $2",
                    to_db_time(listing.start_from),
                    to_db_time(listing.start_to),
                )
                known = await self._load(conn, {r[0] for r in in_window} - seen)
                results += apply_absences(known, listing, seen, current, now, rules)
            return await self._write(conn, results, current, now), current

        return await self._writing(work)

    async def tick(self, *, now: datetime, rules: Rules) -> list[Event]:
        """See :meth:`state.store_api.Store.tick`."""

        async def work(conn: Conn) -> tuple[list[Event], dict[str, Any]]:
            # Running sessions, and those whose starting_soon may be due.
            due = await self._select(
                conn,
                "cancelled = 0 AND (in_progress = 1"
                " OR (ended_at IS NULL AND start > $1 AND start <= $2))",
                to_db_time(now),
                to_db_time(now + rules.starting_soon_lead),
            )
            current = {s.key: s for s in due}
            results = apply_ticks(due, current, now, rules)
            return await self._write(conn, results, current, now), current

        return await self._writing(work)

    async def _writing(self, work: Any) -> list[Event]:
        """Run a poll-result ``work`` under both locks, then remember what it read
        and wrote; a failure empties the cache (its transaction rolled back, or
        its commit is unknown)."""
        async with self._memory.lock:
            try:
                async with self._db.unit() as conn:
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITER_LOCK)
                    await check_fence(conn, self._fence)
                    await self._validate_cache(conn)
                    events, current = await work(conn)
            except BaseException:
                self._forget()
                raise
            self._remember(current)
            return list(events)

    async def _validate_cache(self, conn: Conn) -> None:
        version = await conn.fetchval("SELECT version FROM meetings_version")
        if version != self._memory.version:
            self._memory.cache.clear()
            self._memory.version = version

    def _forget(self) -> None:
        self._memory.cache.clear()
        self._memory.version = None

    def _remember(self, snapshots: dict[str, MeetingSnapshot]) -> None:
        if len(self._memory.cache) + len(snapshots) > _CACHE_LIMIT:
            self._memory.cache.clear()
        self._memory.cache.update(snapshots)

    async def _load(self, conn: Conn, keys: Iterable[str]) -> dict[str, MeetingSnapshot]:
        found: dict[str, MeetingSnapshot] = {}
        wanted: list[str] = []
        for key in keys:
            cached = self._memory.cache.get(key)
            if cached is None:
                wanted.append(key)
            else:
                found[key] = cached
        if wanted:
            rows = await conn.fetch("SELECT * FROM meetings WHERE key = ANY($1::text[])", wanted)
            for row in rows:
                found[row["key"]] = snapshot_from_row(dict(row))
        return found

    async def _select(self, conn: Conn, where: str, *args: Any) -> list[MeetingSnapshot]:
        keys = [
            r[0]
            for r in await conn.fetch(
                f"SELECT key FROM meetings WHERE {where} ORDER BY start, key", *args
            )
        ]
        found = await self._load(conn, keys)
        return [found[key] for key in keys]

    async def _write(
        self,
        conn: Conn,
        results: Sequence[Transition],
        current: dict[str, MeetingSnapshot],
        now: datetime,
    ) -> list[Event]:
        """Write changed snapshots, then each event and its outbox rows, and bump
        the version. Writes nothing when nothing changed."""
        changed, events = changes(results)
        if not changed and not events:
            return []
        if changed:
            rows = [snapshot_row(current[key]) for key in changed]
            await conn.executemany(_UPSERT, [[r[n] for n in SNAPSHOT_FIELDS] for r in rows])
            self._db.rows_written += len(rows)
        self._memory.version = await conn.fetchval(
            "UPDATE meetings_version SET version = version + 1 RETURNING version"
        )
        self._db.rows_written += 1
        if not events:
            return []
        subscriptions = await fetch_subscriptions(conn, None, True)
        stamp = to_db_time(now)
        outbox: list[tuple[object, ...]] = []
        # Ids first, in one round trip, so the events go in as one batch.
        ids = sorted(
            r[0]
            for r in await conn.fetch(
                "SELECT nextval(pg_get_serial_sequence('events', 'id'))"
                " FROM generate_series(1, $1)",
                len(events),
            )
        )
        await conn.executemany(
            "INSERT INTO events (id, meeting_key, kind, at, previous_start,"
            " previous_duration_minutes, ran_minutes) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                (event_id, *event_row(event).values())
                for event_id, event in zip(ids, events, strict=True)
            ],
        )
        for event_id, event in zip(ids, events, strict=True):
            meeting = current[event.meeting_key]
            for destination in destinations(event, meeting, subscriptions):
                outbox.append(
                    (event_id, f"{event_id}:{destination}", destination, meeting.key, stamp)
                )
        self._db.rows_written += len(events)
        if outbox:
            await conn.executemany(
                "INSERT INTO outbox (event_id, delivery_key, destination, meeting_key, state,"
                " attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0,"
                " $5, $5) ON CONFLICT (delivery_key) DO NOTHING",
                outbox,
            )
            self._db.rows_written += len(outbox)
        return events

    async def _reading(self, where: str, *args: Any) -> list[MeetingSnapshot]:
        async with self._memory.lock:
            try:
                async with self._db.unit(write=False) as conn:
                    await self._validate_cache(conn)
                    return await self._select(conn, where, *args)
            except BaseException:
                self._forget()
                raise

    async def snapshot(self, key: str) -> MeetingSnapshot | None:
        """The last known snapshot of session ``key``, or None. Read-only."""
        async with self._memory.lock:
            try:
                async with self._db.unit(write=False) as conn:
                    await self._validate_cache(conn)
                    return (await self._load(conn, [key])).get(key)
            except BaseException:
                self._forget()
                raise

    async def snapshots(
        self, *, active_only: bool = True, now: datetime | None = None
    ) -> list[MeetingSnapshot]:
        """See :meth:`state.store_api.Store.snapshots`."""
        where = "cancelled = 0 AND (in_progress = 1 OR ended_at IS NULL)" if active_only else "true"
        found = await self._reading(where)
        if active_only and now is not None:
            found = [s for s in found if not is_stale(s, now, _DEFAULT_RULES)]
        return found

    async def live_snapshots(self, now: datetime, horizon: timedelta) -> list[MeetingSnapshot]:
        """See :meth:`state.store_api.Store.live_snapshots`."""
        return await self._reading(
            _LIVE, to_db_time(now - timedelta(days=1)), to_db_time(now + horizon)
        )

    async def next_start_after(self, now: datetime) -> datetime | None:
        """The earliest start after ``now`` of a live, not-yet-running session."""
        found = await self._db.read(
            lambda conn: conn.fetchval(
                "SELECT MIN(start) FROM meetings WHERE cancelled = 0 AND in_progress = 0"
                " AND ended_at IS NULL AND start > $1",
                to_db_time(now),
            )
        )
        return None if found is None else datetime.fromisoformat(found)

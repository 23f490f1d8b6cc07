"""The SQLite store (the default), and :func:`open_store`, which picks a store by URL.

:class:`SqliteStore` implements :class:`state.store_api.Store`: meeting
snapshots, the event log, subscriptions and the outbox.

The only modules that touch SQLite are this one and its store_*.py parts. One
dedicated thread owns the connection (store_runner.py), so no blocking call
runs on the event loop. Each unit of work is one transaction: a poll result's
snapshot changes, its events and their outbox rows commit together or not at
all, and a poll that changed nothing writes nothing (not even last_seen).

Every sqlite3 failure, and any stored row that no longer decodes, surfaces as
:class:`state.errors.StoreError` raised ``from`` the original.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlite_utils import Database

from state.errors import StoreError
from state.fanout import destinations
from state.lifecycle import Transition, is_stale
from state.model import Event, ListingScope, MeetingSnapshot, Observation, Rules
from state.poll_result import apply_absences, apply_observations, apply_ticks, changes
from state.store_api import EVENT_ID_RETENTION, Store
from state.store_outbox import OutboxQueries
from state.store_rest import RestQueries
from state.store_runner import DEFAULT_DATABASE_URL, database_path
from state.store_schema import MIGRATIONS, event_row, snapshot_from_row, snapshot_row, to_db_time
from state.store_subscriptions import SubscriptionQueries

if TYPE_CHECKING:
    from state.store_lease import Fence

__all__ = ["DEFAULT_DATABASE_URL", "SqliteStore", "Store", "open_store"]

logger = logging.getLogger("meetbot.state.store")

T = TypeVar("T")

_CHUNK = 500  # keys per IN (...) query, well under SQLite's parameter limit
_DEFAULT_RULES = Rules()
#: Decoded snapshots kept between polls. A site-wide listing re-reads every
#: session each cycle; decoding them again would cost more than the poll.
_CACHE_LIMIT = 50_000


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


async def open_store(url: str = DEFAULT_DATABASE_URL) -> Store:
    """Open the store ``url`` names, applying pending migrations: PostgreSQL for
    ``postgresql://`` and ``postgres://`` URLs, SQLite for ``sqlite:///``.

    Raises:
        StoreError: a URL of neither kind (not echoed: it may hold a password),
            or the database could not be opened or migrated.
    """
    if url.startswith(POSTGRES_SCHEMES):
        from state.pg.store import PostgresStore  # asyncpg only where it is used

        return await PostgresStore.open(url)
    if url.startswith("sqlite:///"):
        return await SqliteStore.open(url)
    raise StoreError(
        "DATABASE_URL must look like sqlite:///path/to/file.db or postgresql://user@host/db"
    )


class SqliteStore(SubscriptionQueries, OutboxQueries, RestQueries):
    """Async facade over one SQLite database. Open with :meth:`open`, then ``close``
    (or use ``async with``). One process per database file.

    The store thread keeps the snapshots it has read or written, decoded, in
    ``_cache``: only that thread touches it, it is updated only after a
    transaction commits, and emptied when one fails, so it always says what the
    database says (nothing else writes the meetings table).
    """

    def __init__(self, path: str) -> None:
        """Private: use :meth:`open`."""
        super().__init__(path)
        self._cache: dict[str, MeetingSnapshot] = {}

    @classmethod
    async def open(cls, url: str = DEFAULT_DATABASE_URL) -> SqliteStore:
        """Open (creating if needed) the database at ``url`` and apply pending migrations.

        Raises:
            StoreError: bad URL, unreadable file, or a migration that failed.
        """
        store = cls(database_path(url))
        try:
            await store._run(store._migrate)
        except BaseException:
            await store.close()
            raise
        return store

    def fenced(self, fence: Fence) -> Store:
        """The store as the active replica writes to it: every write that belongs
        to watching and delivering first runs ``fence.check`` in its transaction.
        SQLite keeps one process per database file, so there is nothing to fence:
        the store itself."""
        return self

    @staticmethod
    def _migrate(db: Database) -> None:
        pending = [m.name for m in MIGRATIONS.pending(db)]
        MIGRATIONS.apply(db)
        if pending:
            logger.info("applied store migrations: %s", ", ".join(pending))

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

        def work(db: Database) -> list[Event]:
            with db.atomic():
                observed = {o.key for o in observations}
                current = self._load(db, observed)
                results = apply_observations(observations, current, now, rules)
                if listing is not None:
                    seen = observed.union(listed)
                    # Sessions known in the listing's window that it did not show.
                    known = self._load(db, self._keys_in_window(db, listing) - seen)
                    results += apply_absences(known, listing, seen, current, now, rules)
                events = self._write(db, results, current, now)
            self._remember(current)
            return events

        return await self._cached(work)

    async def tick(self, *, now: datetime, rules: Rules) -> list[Event]:
        """Fire time-driven events (starting_soon, host_left, attendees_waiting) that
        are due, in one transaction. Writes nothing when nothing is due."""

        def work(db: Database) -> list[Event]:
            with db.atomic():
                # Running sessions, and those whose starting_soon may be due.
                due = self._select(
                    db,
                    "cancelled = 0 AND (in_progress = 1"
                    " OR (ended_at IS NULL AND start > ? AND start <= ?))",
                    [to_db_time(now), to_db_time(now + rules.starting_soon_lead)],
                )
                current = {s.key: s for s in due}
                results = apply_ticks(due, current, now, rules)
                events = self._write(db, results, current, now)
            self._remember(current)
            return events

        return await self._cached(work)

    async def _cached(self, work: Callable[[Database], T]) -> T:
        """Run ``work`` on the store thread; a failure empties the cache, since the
        transaction it belonged to was rolled back."""

        def guarded(db: Database) -> T:
            try:
                return work(db)
            except BaseException:
                self._cache.clear()
                raise

        return await self._run(guarded)

    def _remember(self, snapshots: dict[str, MeetingSnapshot]) -> None:
        """After a commit: keep what was read and written. Store thread only."""
        if len(self._cache) + len(snapshots) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache.update(snapshots)

    def _load(self, db: Database, keys: Iterable[str]) -> dict[str, MeetingSnapshot]:
        """The snapshots of ``keys`` that exist, from the cache or the database.
        Store thread only."""
        found: dict[str, MeetingSnapshot] = {}
        wanted: list[str] = []
        for key in keys:
            cached = self._cache.get(key)
            if cached is None:
                wanted.append(key)
            else:
                found[key] = cached
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in db.query(f"SELECT * FROM meetings WHERE key IN ({marks})", chunk):
                found[row["key"]] = snapshot_from_row(row)
        return found

    def _select(
        self, db: Database, where: str, params: Sequence[object] = ()
    ) -> list[MeetingSnapshot]:
        """The snapshots of the meetings ``where`` picks, by start time, decoded
        only when not cached. Store thread only."""
        keys = [
            row[0]
            for row in db.execute(
                f"SELECT key FROM meetings WHERE {where} ORDER BY start", params
            ).fetchall()
        ]
        found = self._load(db, keys)
        return [found[key] for key in keys]

    @staticmethod
    def _keys_in_window(db: Database, scope: ListingScope) -> set[str]:
        rows = db.execute(
            "SELECT key FROM meetings WHERE cancelled = 0 AND start >= ? AND start < ?",
            [to_db_time(scope.start_from), to_db_time(scope.start_to)],
        ).fetchall()
        return {row[0] for row in rows}

    def _write(
        self,
        db: Database,
        results: Sequence[Transition],
        current: dict[str, MeetingSnapshot],
        now: datetime,
    ) -> list[Event]:
        """Write changed snapshots, then each event and its outbox rows. Runs inside
        the caller's transaction; writes nothing when nothing changed."""
        # ``current`` holds each key's final snapshot; several results may touch one key.
        changed, events = changes(results)
        if changed:
            db.table("meetings").insert_all(
                (snapshot_row(current[key]) for key in changed), pk="key", replace=True
            )
        if not events:
            return []
        subscriptions = self._subscriptions(db, None, enabled_only=True)
        stamp = to_db_time(now)
        for event in events:
            cursor = db.execute(
                "INSERT INTO events (meeting_key, kind, at, previous_start,"
                " previous_duration_minutes, ran_minutes) VALUES (:meeting_key, :kind, :at,"
                " :previous_start, :previous_duration_minutes, :ran_minutes)",
                event_row(event),
            )
            event_id = cursor.lastrowid
            meeting = current[event.meeting_key]
            for destination in destinations(event, meeting, subscriptions):
                db.execute(
                    "INSERT OR IGNORE INTO outbox (event_id, delivery_key, destination,"
                    " meeting_key, state, attempts, next_attempt_at, created_at)"
                    " VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
                    [event_id, f"{event_id}:{destination}", destination, meeting.key, stamp, stamp],
                )
        return events

    async def snapshot(self, key: str) -> MeetingSnapshot | None:
        """The last known snapshot of session ``key``, or None. Read-only."""
        found = await self._cached(lambda db: self._load(db, [key]))
        return found.get(key)

    async def snapshots(
        self, *, active_only: bool = True, now: datetime | None = None
    ) -> list[MeetingSnapshot]:
        """Known sessions by start time. ``active_only`` drops cancelled and ended
        ones and, when ``now`` is given, stale ones (per the default rules).
        Read-only."""
        where = "cancelled = 0 AND (in_progress = 1 OR ended_at IS NULL)" if active_only else "1"
        found = await self._cached(lambda db: self._select(db, where))
        if active_only and now is not None:
            found = [s for s in found if not is_stale(s, now, _DEFAULT_RULES)]
        return found

    async def live_snapshots(self, now: datetime, horizon: timedelta) -> list[MeetingSnapshot]:
        """Sessions in progress, and those not ended that start by ``now +
        horizon`` (and no earlier than a day ago: no meeting is longer), by start
        time. What a live poll looks at; cheaper than :meth:`snapshots` on a big
        site. Read-only."""

        return await self._cached(
            lambda db: self._select(
                db,
                "cancelled = 0 AND (in_progress = 1"
                " OR (ended_at IS NULL AND start >= ? AND start <= ?))",
                [to_db_time(now - timedelta(days=1)), to_db_time(now + horizon)],
            )
        )

    async def next_start_after(self, now: datetime) -> datetime | None:
        """The earliest start after ``now`` of a live, not-yet-running session."""

        def work(db: Database) -> str | None:
            rows = db.execute(
                "SELECT MIN(start) FROM meetings WHERE cancelled = 0 AND in_progress = 0"
                " AND ended_at IS NULL AND start > ?",
                [to_db_time(now)],
            ).fetchall()
            value: str | None = rows[0][0]
            return value

        found = await self._run(work)
        return None if found is None else datetime.fromisoformat(found)

    async def first_sighting(self, event_id: str, now: datetime) -> bool:
        """Record Slack event ``event_id``; True the first time it is recorded,
        False for a repeat (a retry). Ids older than :data:`EVENT_ID_RETENTION`
        are forgotten on the way (Slack retries within about an hour).

        Raises:
            StoreError: the database refused the write.
        """
        cutoff = to_db_time(now - EVENT_ID_RETENTION)

        def work(db: Database) -> bool:
            with db.atomic():
                db.execute("DELETE FROM slack_events WHERE received_at < ?", [cutoff])
                cursor = db.execute(
                    "INSERT INTO slack_events (event_id, received_at) VALUES (?, ?)"
                    " ON CONFLICT (event_id) DO NOTHING",
                    [event_id, to_db_time(now)],
                )
            return bool(cursor.rowcount == 1)

        return await self._run(work)

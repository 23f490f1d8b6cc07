"""The PostgreSQL store's outbox and card queries (see state/store_outbox.py for
the states a delivery moves through), and the fence check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from state.errors import StoreError
from state.model import Delivery
from state.pg.db import Conn, Database
from state.store_lease import Fence
from state.store_outbox import (
    COUNT_QUERIES,
    COUNTERS,
    HEAD_OF_QUEUE,
    IN_FLIGHT_LEASE,
    MAX_ERROR_CHARS,
    SELECT_DELIVERIES,
    UNCOUNT_ATTEMPT,
)
from state.store_schema import delivery_from_row, from_db_time, to_db_time

__all__ = ["PgOutbox", "check_fence"]

#: The counters in one round trip.
_COUNTS = " UNION ALL ".join(COUNT_QUERIES)
_REPLIES = (
    "SELECT COUNT(*) FROM outbox o WHERE o.meeting_key = $1 AND o.destination = $2"
    " AND o.state = 'delivered' AND o.next_attempt_at > $3 AND NOT EXISTS (SELECT 1"
    " FROM cards c WHERE c.meeting_key = o.meeting_key AND c.ts = o.posted_ts)"
)


async def check_fence(conn: Conn, fence: Fence | None) -> None:
    """First thing in a write's transaction: refuse it (FencedError) once the
    fence's term is over. Its share lock lasts until the transaction ends, so a
    takeover waits for this write's commit."""
    if fence is not None:
        await fence.check(conn)


class PgOutbox:
    """Outbox rows for the dispatcher, and the card each channel shows per meeting."""

    _db: Database
    _fence: Fence | None

    async def due_deliveries(self, now: datetime, limit: int = 50) -> list[Delivery]:
        """See :meth:`state.store_api.Store.due_deliveries`."""
        sql = (
            f"{SELECT_DELIVERIES} WHERE o.state IN ('pending', 'in_flight') AND o.next_attempt_at <= $1"
            f" AND {HEAD_OF_QUEUE} ORDER BY o.id LIMIT $2"
        )
        return await self._deliveries(sql, to_db_time(now), limit)

    async def in_flight(self) -> list[Delivery]:
        """Deliveries a crash left in flight, oldest first: reconcile these first."""
        return await self._deliveries(
            f"{SELECT_DELIVERIES} WHERE o.state = 'in_flight' ORDER BY o.id"
        )

    async def _deliveries(self, sql: str, *args: Any) -> list[Delivery]:
        rows = await self._db.read(lambda conn: conn.fetch(sql, *args))
        try:
            return [delivery_from_row(dict(r)) for r in rows]
        except (ValueError, KeyError, TypeError) as e:
            raise StoreError(f"an outbox row no longer decodes: {e}") from e

    async def mark_in_flight(self, delivery_id: int, now: datetime) -> None:
        """See :meth:`state.store_api.Store.mark_in_flight`."""
        await self._update(
            delivery_id,
            "state = 'in_flight', attempts = attempts + 1, next_attempt_at = $2",
            [to_db_time(now + IN_FLIGHT_LEASE)],
            undelivered_only=True,
        )

    async def mark_delivered(
        self,
        delivery_id: int,
        channel: str,
        ts: str,
        now: datetime,
    ) -> None:
        """See :meth:`state.store_api.Store.mark_delivered`."""
        await self._update(
            delivery_id,
            "state = 'delivered', posted_channel = $2, posted_ts = $3, last_error = NULL,"
            " next_attempt_at = $4",
            [channel, ts, to_db_time(now)],
        )

    async def mark_retry(self, delivery_id: int, next_attempt_at: datetime, error: str) -> None:
        """A retryable failure: back to pending until ``next_attempt_at``."""
        await self._update(
            delivery_id,
            "state = 'pending', next_attempt_at = $2, last_error = $3",
            [to_db_time(next_attempt_at), error[:MAX_ERROR_CHARS]],
        )

    async def mark_held(self, delivery_id: int, next_attempt_at: datetime, error: str) -> None:
        """See :meth:`state.store_api.Store.mark_held`."""
        await self._update(
            delivery_id,
            f"state = 'pending', attempts = {UNCOUNT_ATTEMPT}, next_attempt_at = $2,"
            " last_error = $3",
            [to_db_time(next_attempt_at), error[:MAX_ERROR_CHARS]],
            undelivered_only=True,
        )

    async def mark_dead(self, delivery_id: int, error: str) -> None:
        """Given up: the row stays for inspection and unblocks its queue."""
        await self._update(
            delivery_id, "state = 'dead', last_error = $2", [error[:MAX_ERROR_CHARS]]
        )

    async def _update(
        self,
        delivery_id: int,
        assignments: str,
        params: list[Any],
        *,
        undelivered_only: bool = False,
    ) -> None:
        """Raises StoreError when no such row exists (or, with ``undelivered_only``,
        when it is already delivered or dead: it must not be sent again)."""
        guard = " AND state IN ('pending', 'in_flight')" if undelivered_only else ""

        async def work(conn: Conn) -> int:
            await check_fence(conn, self._fence)
            return await self._db.execute(
                conn, f"UPDATE outbox SET {assignments} WHERE id = $1{guard}", delivery_id, *params
            )

        if await self._db.run(work) == 0:
            raise StoreError(f"no undelivered delivery with id {delivery_id}")

    async def replies_since(self, meeting_key: str, channel: str, since: datetime) -> int:
        """See :meth:`state.store_api.Store.replies_since`."""
        count: int = await self._db.read(
            lambda conn: conn.fetchval(_REPLIES, meeting_key, channel, to_db_time(since))
        )
        return count

    async def card_ref(self, meeting_key: str, channel: str) -> tuple[str, str] | None:
        """(channel, ts) of the card ``channel`` shows for the meeting, or None."""
        row = await self._db.read(
            lambda conn: conn.fetchrow(
                "SELECT channel, ts FROM cards WHERE meeting_key = $1 AND channel = $2",
                meeting_key,
                channel,
            )
        )
        return None if row is None else (row["channel"], row["ts"])

    async def save_card_ref(self, meeting_key: str, channel: str, ts: str) -> None:
        """Remember (or replace) the card's message ``ts`` for the meeting in ``channel``."""

        async def work(conn: Conn) -> None:
            await check_fence(conn, self._fence)
            await self._db.execute(
                conn,
                "INSERT INTO cards (meeting_key, channel, ts) VALUES ($1, $2, $3)"
                " ON CONFLICT (meeting_key, channel) DO UPDATE SET ts = excluded.ts",
                meeting_key,
                channel,
                ts,
            )

        await self._db.run(work)

    async def outbox_stats(self, now: datetime) -> tuple[int, float | None]:
        """(undelivered rows, age in seconds of the oldest one or None)."""
        row = await self._db.read(
            lambda conn: conn.fetchrow(
                "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox"
                " WHERE state IN ('pending', 'in_flight')"
            )
        )
        assert row is not None  # an aggregate always has its row
        oldest = row["oldest"]
        return row["n"], None if oldest is None else (now - from_db_time(oldest)).total_seconds()

    async def counts(self) -> dict[str, int]:
        """Gauges for metrics: meetings by state, outbox rows by state, subscriptions."""
        rows = await self._db.read(lambda conn: conn.fetch(_COUNTS))
        found = dict.fromkeys(COUNTERS, 0)
        found.update({r[0]: r[1] for r in rows})
        return found

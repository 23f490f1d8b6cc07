"""The store's outbox and card queries: what the dispatcher reads and records.

A delivery moves pending -> in_flight -> delivered | dead, or back to pending
with a later ``next_attempt_at`` on a retryable failure. Within one (meeting,
destination) queue only the oldest undelivered row is ever handed out, so
messages arrive in event order and a later one never overtakes an earlier one
that is still being retried.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from state.errors import StoreError
from state.model import Delivery
from state.store_runner import Runner
from state.store_schema import delivery_from_row, from_db_time, to_db_time

__all__ = ["COUNTERS", "COUNT_QUERIES", "HEAD_OF_QUEUE", "SELECT_DELIVERIES", "OutboxQueries"]

# A delivery left in flight this long is handed out again: its sender crashed or
# hung. The dispatcher reconciles by delivery key before posting it again.
IN_FLIGHT_LEASE = timedelta(minutes=5)
MAX_ERROR_CHARS = 500
#: The attempt count with the last claim taken back (never below zero).
UNCOUNT_ATTEMPT = "CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"

#: Portable SQL (no parameters) shared with the PostgreSQL store.
SELECT_DELIVERIES = (
    "SELECT o.*, e.kind AS e_kind, e.at AS e_at, e.previous_start AS e_previous_start,"
    " e.previous_duration_minutes AS e_previous_duration_minutes,"
    " e.ran_minutes AS e_ran_minutes FROM outbox o JOIN events e ON e.id = o.event_id"
)
HEAD_OF_QUEUE = (
    "o.id = (SELECT MIN(q.id) FROM outbox q WHERE q.meeting_key = o.meeting_key"
    " AND q.destination = o.destination AND q.state IN ('pending', 'in_flight'))"
)
#: The gauges :meth:`OutboxQueries.counts` returns, each 0 unless counted.
COUNTERS = (
    "meetings_scheduled",
    "meetings_in_progress",
    "meetings_ended",
    "meetings_cancelled",
    "outbox_pending",
    "outbox_in_flight",
    "outbox_delivered",
    "outbox_dead",
    "subscriptions_enabled",
    "subscriptions_disabled",
)
_MEETING_STATE = (
    "CASE WHEN cancelled = 1 THEN 'cancelled' WHEN in_progress = 1 THEN"
    " 'in_progress' WHEN ended_at IS NOT NULL THEN 'ended' ELSE 'scheduled' END"
)
#: (counter name, count) rows for COUNTERS.
COUNT_QUERIES = (
    f"SELECT 'meetings_' || {_MEETING_STATE}, COUNT(*) FROM meetings GROUP BY 1",
    "SELECT 'outbox_' || state, COUNT(*) FROM outbox GROUP BY 1",
    (
        "SELECT 'subscriptions_' || CASE WHEN enabled = 1 THEN 'enabled'"
        " ELSE 'disabled' END, COUNT(*) FROM subscriptions GROUP BY 1"
    ),
)

#: A meeting's replies in one channel since a time (see replies_since).
_REPLIES = (
    "SELECT COUNT(*) FROM outbox o WHERE o.meeting_key = ? AND o.destination = ?"
    " AND o.state = 'delivered' AND o.next_attempt_at > ? AND NOT EXISTS (SELECT 1"
    " FROM cards c WHERE c.meeting_key = o.meeting_key AND c.ts = o.posted_ts)"
)


class OutboxQueries(Runner):
    """Outbox rows for the dispatcher, and the card each channel shows per meeting."""

    async def due_deliveries(self, now: datetime, limit: int = 50) -> list[Delivery]:
        """Deliveries to attempt now, oldest first: the head of each (meeting,
        destination) queue, if pending (or in flight past its lease) and due."""
        sql = (
            f"{SELECT_DELIVERIES} WHERE o.state IN ('pending', 'in_flight') AND o.next_attempt_at <= ?"
            f" AND {HEAD_OF_QUEUE} ORDER BY o.id LIMIT ?"
        )
        return await self._deliveries(sql, [to_db_time(now), limit])

    async def in_flight(self) -> list[Delivery]:
        """Deliveries a crash left in flight, oldest first: reconcile these first."""
        return await self._deliveries(
            f"{SELECT_DELIVERIES} WHERE o.state = 'in_flight' ORDER BY o.id", []
        )

    async def _deliveries(self, sql: str, params: list[Any]) -> list[Delivery]:
        return await self._run(lambda db: [delivery_from_row(r) for r in db.query(sql, params)])

    async def mark_in_flight(self, delivery_id: int, now: datetime) -> None:
        """About to send: counts an attempt and leases the row for IN_FLIGHT_LEASE."""
        await self._update(
            delivery_id,
            "state = 'in_flight', attempts = attempts + 1, next_attempt_at = ?",
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
        """Sent: records where the message landed. ``now`` becomes next_attempt_at
        (no longer used for scheduling; kept as the delivery time)."""
        await self._update(
            delivery_id,
            "state = 'delivered', posted_channel = ?, posted_ts = ?, last_error = NULL,"
            " next_attempt_at = ?",
            [channel, ts, to_db_time(now)],
        )

    async def mark_retry(self, delivery_id: int, next_attempt_at: datetime, error: str) -> None:
        """A retryable failure: back to pending until ``next_attempt_at``."""
        await self._update(
            delivery_id,
            "state = 'pending', next_attempt_at = ?, last_error = ?",
            [to_db_time(next_attempt_at), error[:MAX_ERROR_CHARS]],
        )

    async def mark_held(self, delivery_id: int, next_attempt_at: datetime, error: str) -> None:
        """Nothing was tried: back to pending, the claim's attempt taken back."""
        await self._update(
            delivery_id,
            f"state = 'pending', attempts = {UNCOUNT_ATTEMPT}, next_attempt_at = ?, last_error = ?",
            [to_db_time(next_attempt_at), error[:MAX_ERROR_CHARS]],
            undelivered_only=True,
        )

    async def mark_dead(self, delivery_id: int, error: str) -> None:
        """Given up: the row stays for inspection and unblocks its queue."""
        await self._update(delivery_id, "state = 'dead', last_error = ?", [error[:MAX_ERROR_CHARS]])

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

        def work(db: Database) -> int:
            with db.atomic():
                cursor = db.execute(
                    f"UPDATE outbox SET {assignments} WHERE id = ?{guard}", [*params, delivery_id]
                )
            return cursor.rowcount

        if await self._run(work) == 0:
            raise StoreError(f"no undelivered delivery with id {delivery_id}")

    async def replies_since(self, meeting_key: str, channel: str, since: datetime) -> int:
        """Delivered rows of the pair after ``since`` (a delivered row keeps its
        delivery time in next_attempt_at) whose message is not the card."""

        def work(db: Database) -> int:
            count: int = db.execute(_REPLIES, [meeting_key, channel, to_db_time(since)]).fetchone()[
                0
            ]
            return count

        return await self._run(work)

    async def card_ref(self, meeting_key: str, channel: str) -> tuple[str, str] | None:
        """(channel, ts) of the card ``channel`` shows for the meeting, or None."""

        def work(db: Database) -> tuple[str, str] | None:
            rows = db.execute(
                "SELECT channel, ts FROM cards WHERE meeting_key = ? AND channel = ?",
                [meeting_key, channel],
            ).fetchall()
            return (rows[0][0], rows[0][1]) if rows else None

        return await self._run(work)

    async def save_card_ref(self, meeting_key: str, channel: str, ts: str) -> None:
        """Remember (or replace) the card's message ``ts`` for the meeting in ``channel``."""

        def work(db: Database) -> None:
            with db.atomic():
                db.execute(
                    "INSERT INTO cards (meeting_key, channel, ts) VALUES (?, ?, ?)"
                    " ON CONFLICT (meeting_key, channel) DO UPDATE SET ts = excluded.ts",
                    [meeting_key, channel, ts],
                )

        await self._run(work)

    async def outbox_stats(self, now: datetime) -> tuple[int, float | None]:
        """(undelivered rows, age in seconds of the oldest one or None)."""

        def work(db: Database) -> tuple[int, str | None]:
            count, oldest = db.execute(
                "SELECT COUNT(*), MIN(created_at) FROM outbox"
                " WHERE state IN ('pending', 'in_flight')"
            ).fetchone()
            return count, oldest

        count, oldest = await self._run(work)
        age = None if oldest is None else (now - from_db_time(oldest)).total_seconds()
        return count, age

    async def counts(self) -> dict[str, int]:
        """Gauges for metrics: meetings by state, outbox rows by state, subscriptions."""

        def work(db: Database) -> dict[str, int]:
            found = dict.fromkeys(COUNTERS, 0)
            for sql in COUNT_QUERIES:
                for name, count in db.execute(sql).fetchall():
                    found[name] = count
            return found

        return await self._run(work)

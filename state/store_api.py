"""The store's contract: what every implementation (SQLite, PostgreSQL) promises.

``DATABASE_URL`` picks the implementation (:func:`state.store.open_store`);
everything outside state/ types against :class:`Store` only. Both run the
same migrations (by name, in order; see state/store_schema.py and
state/pg/schema.py) over the same tables and value encodings, and keep these
rules, checked by tests/test_store.py over both:

1. One transaction per unit of work. A poll result's snapshot changes, its
   events and their outbox rows commit together or not at all; a failed unit
   leaves no trace, not even in what the store remembers between calls.
2. A poll or tick that changes nothing writes nothing (not even last_seen).
3. Events are computed from the committed state: applying the same
   observation twice (a retry after a lost connection whose commit did, or
   did not, happen) yields its events once.
4. A delivery moves pending -> in_flight -> delivered | dead (or back to
   pending on a retryable failure); within one (meeting, destination) queue
   only the oldest undelivered row is handed out.
5. Every driver failure surfaces as :class:`state.errors.StoreError` raised
   ``from`` the original; a lost database as its subclass
   :class:`state.errors.StoreUnavailable`, after which the store reconnects
   by itself (the next call tries again) and :attr:`Store.reachable` says
   whether the database answered last time.
6. Fencing: :meth:`Store.fenced` gives the store as the active replica
   writes to it. Each of its writes that belongs to watching and delivering
   (poll results, ticks, claiming, committing, retrying or burying a
   delivery, a card) first runs the fence's check inside its own
   transaction, so a replica whose term of office is over writes nothing
   (:class:`state.errors.FencedError`); see state/store_lease.py. SQLite has
   one process per file and nothing to fence.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from state.model import (
    Delivery,
    Event,
    EventKind,
    ListingScope,
    MeetingSnapshot,
    Observation,
    Rules,
    Subscription,
)

if TYPE_CHECKING:
    from state.rest_model import InboxItem, StoredTokens
    from state.store_lease import Fence

__all__ = ["EVENT_ID_RETENTION", "Store"]

#: How long a Slack event id is remembered for recognising retries.
EVENT_ID_RETENTION = timedelta(days=1)


class Store(Protocol):
    """The service's state: meeting snapshots, the event log, subscriptions, the
    outbox and the cards. Open with :meth:`open` (or
    :func:`state.store.open_store`); close with :meth:`close` (or ``async with``)."""

    @classmethod
    async def open(cls, url: str) -> Store:
        """The store ``url`` names, migrated: see :func:`state.store.open_store`."""
        from state.store import open_store

        return await open_store(url)

    @property
    def reachable(self) -> bool:
        """False from a call that found the database gone until one that reached it."""
        ...

    async def close(self) -> None:
        """Release the connection(s). Safe to call twice; later calls raise StoreError."""
        ...

    def fenced(self, fence: Fence) -> Store:
        """This store as the active replica writes to it (rule 6): sharing the
        connection(s) and what the store remembers."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    # Poll results (rules 1-3).

    async def observe(
        self,
        observations: Sequence[Observation],
        *,
        now: datetime,
        rules: Rules,
        listing: ListingScope | None = None,
        listed: Collection[str] = (),
    ) -> list[Event]:
        """Apply one poll result in ONE transaction and return the new events.

        Args:
            observations: what the poll saw; several for one key apply in order.
            listing: pass only for a COMPLETE listing: its scope. Known live
                sessions in that scope that neither an observation nor
                ``listed`` mentions count one absence; the second consecutive
                one makes them gone.
            listed: with ``listing``: keys the listing showed that are not
                observed here (rows unchanged since the last listing, or
                observed by an earlier call); they are present, nothing more.

        Returns an empty list, having written nothing, when nothing changed.
        """
        ...

    async def tick(self, *, now: datetime, rules: Rules) -> list[Event]:
        """Fire time-driven events (starting_soon, host_left, attendees_waiting)
        that are due, in one transaction. Writes nothing when nothing is due."""
        ...

    async def snapshot(self, key: str) -> MeetingSnapshot | None:
        """The last known snapshot of session ``key``, or None. Read-only."""
        ...

    async def snapshots(
        self, *, active_only: bool = True, now: datetime | None = None
    ) -> list[MeetingSnapshot]:
        """Known sessions by start time. ``active_only`` drops cancelled and ended
        ones and, when ``now`` is given, stale ones. Read-only."""
        ...

    async def live_snapshots(self, now: datetime, horizon: timedelta) -> list[MeetingSnapshot]:
        """Sessions in progress, and those not ended that start by ``now +
        horizon`` (and no earlier than a day ago), by start time. Read-only."""
        ...

    async def next_start_after(self, now: datetime) -> datetime | None:
        """The earliest start after ``now`` of a live, not-yet-running session."""
        ...

    # Subscriptions.

    async def subscribe(
        self,
        channel: str,
        scope: str,
        target: str | None,
        kinds: frozenset[EventKind] = frozenset(),
    ) -> Subscription:
        """Add (or re-enable and replace the kinds of) a channel's subscription.

        Raises:
            ValueError: unknown scope, or a target that does not fit the scope.
        """
        ...

    async def unsubscribe(self, channel: str, scope: str, target: str | None) -> bool:
        """Remove one subscription; False when there was none."""
        ...

    async def subscriptions(self, channel: str | None = None) -> list[Subscription]:
        """Every subscription (enabled or not), or one channel's, oldest first."""
        ...

    async def disable_destination(self, channel: str, reason: str) -> int:
        """Disable every enabled subscription of ``channel``; returns how many."""
        ...

    async def watched_hosts(self) -> tuple[bool, frozenset[str]]:
        """(whether an enabled subscription covers every meeting, the enabled host
        targets, casefolded)."""
        ...

    async def watched(self) -> tuple[bool, frozenset[str], frozenset[str]]:
        """:meth:`watched_hosts` and the meeting keys enabled subscriptions name."""
        ...

    # The outbox and the cards (rule 4).

    async def due_deliveries(self, now: datetime, limit: int = 50) -> list[Delivery]:
        """Deliveries to attempt now, oldest first: the head of each (meeting,
        destination) queue, if pending (or in flight past its lease) and due."""
        ...

    async def in_flight(self) -> list[Delivery]:
        """Deliveries a crash left in flight, oldest first: reconcile these first."""
        ...

    async def mark_in_flight(self, delivery_id: int, now: datetime) -> None:
        """Claim: counts an attempt and leases the row for a while.

        Raises:
            StoreError: no such row, or it is already delivered or dead.
        """
        ...

    async def mark_delivered(
        self,
        delivery_id: int,
        channel: str,
        ts: str,
        now: datetime,
    ) -> None:
        """Commit: sent, and where the message landed.

        Raises:
            StoreError: no such row.
        """
        ...

    async def mark_retry(self, delivery_id: int, next_attempt_at: datetime, error: str) -> None:
        """A retryable failure: back to pending until ``next_attempt_at``."""
        ...

    async def mark_held(self, delivery_id: int, next_attempt_at: datetime, error: str) -> None:
        """Nothing was tried (the chat refused the bot's credentials): back to
        pending until ``next_attempt_at``, and the attempt :meth:`mark_in_flight`
        counted is taken back, so no outage brings a delivery nearer its
        dead-letter."""
        ...

    async def mark_dead(self, delivery_id: int, error: str) -> None:
        """Given up: the row stays for inspection and unblocks its queue."""
        ...

    async def replies_since(self, meeting_key: str, channel: str, since: datetime) -> int:
        """Thread replies of the meeting that reached ``channel`` after ``since``:
        its deliveries there recorded as delivered then, except those whose
        message is the meeting's card (a change the card stood in for)."""
        ...

    async def card_ref(self, meeting_key: str, channel: str) -> tuple[str, str] | None:
        """(channel, ts) of the card ``channel`` shows for the meeting, or None."""
        ...

    async def save_card_ref(self, meeting_key: str, channel: str, ts: str) -> None:
        """Remember (or replace) the card's message ``ts`` for the meeting."""
        ...

    async def outbox_stats(self, now: datetime) -> tuple[int, float | None]:
        """(undelivered rows, age in seconds of the oldest one or None)."""
        ...

    async def counts(self) -> dict[str, int]:
        """Gauges for metrics: meetings by state, outbox rows by state, subscriptions."""
        ...

    async def total_changes(self) -> int:
        """Rows this store has written since it opened (for tests and the bench)."""
        ...

    async def first_sighting(self, event_id: str, now: datetime) -> bool:
        """Record Slack event ``event_id``: True the first time, False for a
        repeat (a retry). Ids older than :data:`EVENT_ID_RETENTION` are forgotten on the way (Slack
        retries within about an hour). Not fenced: any replica may answer
        Slack, and acting once matters whichever one it is."""
        ...

    # The REST backend: its newest tokens and the webhook inbox (rules in
    # state/rest_model.py). Not fenced: any replica may renew a token or take
    # a delivery, and either must be kept whichever does.

    async def rest_tokens(self) -> StoredTokens | None:
        """The newest persisted REST tokens, or None. Read-only."""
        ...

    async def save_rest_tokens(self, tokens: StoredTokens) -> None:
        """Persist ``tokens`` in place of any earlier set."""
        ...

    async def inbox_put(self, identity: str, body: str, now: datetime) -> bool:
        """Persist a verified webhook delivery before it is acknowledged: True when
        stored, False when the inbox already holds one with the same ``identity``
        (a repeat). Processed deliveries older than ``INBOX_RETENTION`` are
        forgotten on the way."""
        ...

    async def inbox_pending(self, limit: int = 100) -> list[InboxItem]:
        """Deliveries not processed yet, in the order they arrived. Read-only."""
        ...

    async def inbox_done(self, item_id: int, now: datetime) -> None:
        """Mark a delivery processed (kept a while to recognise its repeats); marking
        it twice, or one already forgotten, changes nothing."""
        ...

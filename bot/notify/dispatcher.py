"""The dispatcher: delivers outbox rows to a ChatPort, at least once and, with
reconciliation, exactly once as far as the channel can tell.

For each delivery the store hands out (only the head of each meeting's queue,
so order within a meeting holds):

1. mark it in flight, so a crash leaves a trace;
2. channel destination: make sure the meeting's card exists (post it once,
   keyed ``card:<meeting>:<channel>``, or update it in place when its rendering
   changed), then post the event as a short reply in the card's thread;
   ``dm:<email>`` destination: send the host a direct message;
3. record the message id (``mark_delivered``).

A delivery that may already have reached the chat (in flight when the
process died, or tried before and failed ambiguously, e.g. a timeout) is
reconciled first: ``find_delivery`` is asked whether a message with its
delivery key exists, and only if not is it sent. The same goes for a card
whose reference was never saved.

Failures: ChatRateLimitedError waits its ``retry_after``; ChatTransientError
(and any unexpected ChatError) backs off with jitter, and after
``max_attempts`` the delivery is dead-lettered; ChatDestinationGoneError
disables the destination and dead-letters; ChatRejectedError dead-letters.
A refused lookup (ChatLookupRefusedError) means "cannot check", never "gone":
the delivery is sent (a rare duplicate beats a lost message). Nothing escapes
the loop.

ChatUnauthorizedError (the bot's token refused) pauses delivery for every
destination: the failed delivery goes back to the outbox, nothing
else is tried, one warning is logged, and the chat's ``check_access`` is asked
again on a long backoff (:mod:`bot.notify.access`). On the first accepted check the
held deliveries go out oldest first, each once. A channel delivery held longer
than ``summarise_after`` for a meeting that has since ended or been cancelled
is not replayed: its card is brought up to date (it says how the meeting
ended) and the delivery is recorded against the card. Likewise, past
``replies_per_hour`` replies of one meeting in one channel within an hour
(:mod:`bot.notify.quota`, counted from the outbox, so a restart does not reset it),
a change only updates the card.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from adapters.chat import Card, CardTone, ChatPort, MessageRef
from adapters.errors import (
    ChatDestinationGoneError,
    ChatError,
    ChatLookupRefusedError,
    ChatRateLimitedError,
    ChatRejectedError,
    ChatUnauthorizedError,
)
from bot.backoff import Backoff
from bot.health import FailureStreak, HealthRegistry
from bot.notify.access import ACCESS_BACKOFF, SUMMARISE_AFTER, superseded
from bot.notify.chat_gate import ChatGate, OnAccess
from bot.notify.quota import REPLIES_PER_HOUR, ReplyQuota, Verdict
from bot.notify.render import render_card, render_event, render_host_dm
from state.clock import Clock
from state.errors import FencedError, StoreError
from state.fanout import DM_PREFIX
from state.model import Delivery, MeetingSnapshot
from state.store import Store

__all__ = ["Dispatcher", "OnAccess", "OnDelivered", "card_delivery_key"]

log = logging.getLogger(__name__)

OnDelivered = Callable[[Delivery, datetime], None]


def card_delivery_key(meeting_key: str, channel: str) -> str:
    """The delivery key of a meeting's card in one channel (one card per pair)."""
    return f"card:{meeting_key}:{channel}"


class Dispatcher:
    """Delivers the store's outbox to one chat.

    Args:
        store: the meeting store (outbox, snapshots, card references).
        chat: where messages go.
        clock: returns the current aware UTC time.
        backoff: wait policy after transient failures.
        max_attempts: failed attempts after which a delivery is dead-lettered.
        interval: seconds between outbox checks when not nudged.
        batch: deliveries fetched per check.
        on_delivered: called with each delivered (or reconciled) delivery and
            the time the chat acknowledged it, e.g. to record the notification
            delay; must not raise.
        draw: random numbers in [0, 1) for backoff jitter.
        access_backoff: wait policy between credential checks while refused.
        summarise_after: how old a channel delivery of an ended (or cancelled)
            meeting may be before its card stands in for it.
        on_access: told when it is first known, and whenever it changes, whether
            the chat accepts the credentials (asked once at start, then learnt
            from deliveries and re-checks).
        replies_per_hour: thread replies one meeting may post to one channel
            in an hour before further changes only update its card.
        may_send: asked after each claim, before anything is sent: False (this
            replica's lease term may be over) leaves the delivery in flight,
            unsent, for the active replica to reconcile, and fails the round.
        health: where ``dispatcher`` (a heartbeat per completed round: failing
            when none completes within ``stuck_after``, which must exceed the
            longest wait a round may spend in the chat, e.g. a 429's
            Retry-After) and ``database`` (failing when a round fails on the
            store) are reported.
        stuck_after: see ``health``.
    """

    def __init__(
        self,
        *,
        store: Store,
        chat: ChatPort,
        clock: Clock,
        backoff: Backoff | None = None,
        max_attempts: int = 8,
        interval: float = 2.0,
        batch: int = 50,
        on_delivered: OnDelivered | None = None,
        draw: Callable[[], float] = random.random,
        access_backoff: Backoff = ACCESS_BACKOFF,
        summarise_after: timedelta = SUMMARISE_AFTER,
        on_access: OnAccess | None = None,
        replies_per_hour: int = REPLIES_PER_HOUR,
        health: HealthRegistry | None = None,
        stuck_after: timedelta = timedelta(minutes=5),
        may_send: Callable[[], bool] = lambda: True,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._store = store
        self._chat = chat
        self._clock = clock
        self._backoff = backoff or Backoff(base=2.0, cap=300.0)
        self._max_attempts = max_attempts
        self._interval = interval
        self._batch = batch
        self._on_delivered = on_delivered
        self._draw = draw
        self._may_send = may_send
        self._gate = ChatGate(
            chat=chat,
            clock=clock,
            backoff=access_backoff,
            draw=draw,
            held=self._held,
            on_access=on_access,
        )
        self._summarise_after = summarise_after
        self._quota = ReplyQuota(per_hour=replies_per_hour)
        self._health = health
        self._stuck_after = stuck_after
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # The card last sent per (meeting, channel): skip updates that change nothing.
        self._cards: dict[tuple[str, str], Card] = {}
        self._failures = FailureStreak("dispatcher", logger=log, attempts="rounds")

    @property
    def authorised(self) -> bool:
        """False while the chat refuses the bot's credentials."""
        return self._gate.open

    async def _held(self, now: datetime) -> int:
        return (await self._store.outbox_stats(now))[0]

    # -- lifecycle -------------------------------------------------------
    def nudge(self) -> None:
        """Wake the loop now (e.g. right after the store produced events)."""
        self._wake.set()

    def start(self) -> None:
        """Run the loop as a task of the running event loop."""
        if self._task is None or self._task.done():
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self.run(), name="dispatcher")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the delivery in progress (up to ``grace`` s), then stop."""
        self._stop.set()
        self._wake.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Reconcile what a previous process left in flight, then deliver until
        :meth:`stop`. Never raises (except cancellation)."""
        reconciled = False
        while not self._stop.is_set():
            busy = False
            try:
                if not reconciled:
                    await self._gate.first_check()
                    await self.reconcile()
                    reconciled = True
                busy = await self.run_once() >= self._batch
                if self._health is not None:
                    self._health.beat(
                        "dispatcher",
                        within=self._stuck_after,
                        detail="delivering" if busy else "idle",
                        expired=(
                            "no delivery round completed for"
                            f" {self._stuck_after.total_seconds():g} s"
                        ),
                    )
                self._failures.succeeded()
            # The loop boundary: nothing may end the dispatcher but stop().
            except Exception as e:
                in_a_row = self._failures.failed()
                if isinstance(e, StoreError) and self._health is not None:
                    self._health.report("database", ok=False, detail=str(e))
                wait = self._backoff.delay(in_a_row, self._draw())
                log.warning(
                    "dispatcher round failed (%d in a row): %s",
                    in_a_row,
                    e,
                    exc_info=e if not isinstance(e, (StoreError, ChatError)) else None,
                )
                await self._sleep(wait)
                continue
            if not busy:
                await self._sleep(self._interval)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    # -- one round -------------------------------------------------------
    async def reconcile(self) -> int:
        """Settle deliveries a previous process left in flight; returns how many."""
        stuck = await self._store.in_flight()
        for delivery in stuck:
            if not self._gate.open:
                break  # the rest stay in flight; their lease brings them back
            await self._deliver(delivery, suspect=True)
        if stuck:
            log.info("reconciled %d deliveries left in flight", len(stuck))
        return len(stuck)

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many deliveries were handled.
        While the credentials are refused, only checks them when due."""
        if not await self._gate.reopen():
            return 0
        due = await self._store.due_deliveries(self._clock(), limit=self._batch)
        for delivery in due:
            if self._stop.is_set() or not self._gate.open:
                break
            await self._deliver(delivery, suspect=delivery.attempts > 0)
        return len(due)

    async def _deliver(self, delivery: Delivery, *, suspect: bool) -> None:
        now = self._clock()
        snapshot = await self._store.snapshot(delivery.meeting_key)
        if snapshot is None:
            await self._store.mark_dead(delivery.id, "the meeting is unknown to the store")
            log.warning("delivery %s dead: unknown meeting", delivery.delivery_key)
            return
        if delivery.destination.startswith(DM_PREFIX) and superseded(
            delivery, snapshot, now, self._summarise_after
        ):
            await self._dead(delivery, "superseded: the meeting ended before it could be sent")
            return
        await self._store.mark_in_flight(delivery.id, now)
        if not self._may_send():
            # Claimed, but this replica's term may be over: the row stays in
            # flight for the next active replica to reconcile.
            raise FencedError(f"delivery {delivery.delivery_key} not sent: the lease ran out")
        try:
            ref = await self._send(delivery, snapshot, now=now, suspect=suspect)
        except ChatUnauthorizedError as e:
            # Nothing was sent: the delivery waits with the rest of the outbox,
            # its attempt not counted (an outage must not dead-letter it).
            await self._store.mark_held(delivery.id, now, str(e))
            self._gate.refused(e, now)
            return
        except ChatRateLimitedError as e:
            when = now + timedelta(seconds=e.retry_after)
            await self._store.mark_retry(delivery.id, when, str(e))
            return
        except ChatDestinationGoneError as e:
            await self._store.disable_destination(e.channel, e.reason)
            await self._dead(delivery, f"destination gone: {e.reason}")
            return
        except ChatRejectedError as e:
            await self._dead(delivery, f"rejected: {e}")
            return
        except StoreError:
            raise  # the round fails; the delivery stays in flight and is reconciled
        # ChatTransientError and any other failure, including a bug that this one
        # delivery triggers: retry with backoff, and dead-letter it eventually
        # rather than let it block its queue or stop the loop.
        except Exception as e:
            if not isinstance(e, ChatError):
                log.error("delivery %s failed unexpectedly", delivery.delivery_key, exc_info=e)
            attempts = delivery.attempts + 1
            if attempts >= self._max_attempts:
                await self._dead(delivery, f"gave up after {attempts} attempts: {e}")
                return
            wait = self._backoff.delay(attempts, self._draw())
            await self._store.mark_retry(delivery.id, now + timedelta(seconds=wait), str(e))
            return
        if ref is None:
            await self._dead(delivery, "no chat user with the host's email")
            return
        acked = self._clock()
        self._gate.delivered()
        await self._store.mark_delivered(delivery.id, ref.channel, ref.ts, acked)
        if self._health is not None:
            self._health.report("database", ok=True, detail="recorded a delivery")
        if self._on_delivered is not None:
            self._on_delivered(delivery, acked)

    async def _dead(self, delivery: Delivery, reason: str) -> None:
        await self._store.mark_dead(delivery.id, reason)
        log.warning(
            "delivery %s to %s dead-lettered: %s",
            delivery.delivery_key,
            delivery.destination,
            reason,
        )

    async def _send(
        self, delivery: Delivery, snapshot: MeetingSnapshot, *, now: datetime, suspect: bool
    ) -> MessageRef | None:
        destination = delivery.destination
        if destination.startswith(DM_PREFIX):
            if suspect and (found := await self._find_dm(destination, delivery)) is not None:
                return found
            return await self._chat.direct_message(
                destination.removeprefix(DM_PREFIX),
                render_host_dm(delivery.event, snapshot),
                delivery_key=delivery.delivery_key,
            )
        card = await self._ensure_card(snapshot, destination, now=now, suspect=suspect)
        if superseded(delivery, snapshot, now, self._summarise_after):
            # The card, now showing how the meeting ended, stands in for the reply.
            return card
        if suspect and (found := await self._find(destination, delivery.delivery_key, card)):
            return found
        pair = (snapshot.key, destination)
        sent = await self._store.replies_since(*pair, self._quota.since(now))
        verdict = self._quota.check(pair, sent)
        if verdict is not Verdict.POST:
            if verdict is Verdict.CAP_BEGINS:
                log.info(
                    "meeting %s posted %d replies to %s within an hour: its further"
                    " changes only update its card until the hour has room",
                    snapshot.key,
                    self._quota.per_hour,
                    destination,
                )
            return card  # updated above: it shows the change this reply would announce
        return await self._chat.reply(
            card, render_event(delivery.event, snapshot), delivery_key=delivery.delivery_key
        )

    def _remember(self, memo: tuple[str, str], card: Card) -> None:
        # A finished meeting rarely gets another event: forget its card so the
        # memo does not grow with every meeting ever shown (a late event costs
        # one redundant update).
        if card.tone in (CardTone.ENDED, CardTone.CANCELLED):
            self._cards.pop(memo, None)
        else:
            self._cards[memo] = card

    async def _find(
        self, channel: str, key: str, thread: MessageRef | None = None
    ) -> MessageRef | None:
        """Reconcile in a channel. A refused lookup means "cannot check", never
        "gone": then the message is sent (a rare duplicate beats a lost one)."""
        try:
            return await self._chat.find_delivery(channel, key, thread=thread)
        except ChatLookupRefusedError as e:
            log.warning("cannot check %s for an earlier copy of %s (%s); sending", channel, key, e)
            return None

    async def _find_dm(self, destination: str, delivery: Delivery) -> MessageRef | None:
        """Reconcile a direct message. A chat that cannot search DM conversations
        by ``dm:<email>`` refuses the lookup; then the message is sent again
        (a possible duplicate DM beats a lost one)."""
        try:
            return await self._chat.find_delivery(destination, delivery.delivery_key)
        except (ChatDestinationGoneError, ChatRejectedError) as e:
            log.info("cannot check %s for an earlier copy (%s); sending", destination, e)
            return None

    async def _ensure_card(
        self, snapshot: MeetingSnapshot, channel: str, *, now: datetime, suspect: bool
    ) -> MessageRef:
        card = render_card(snapshot, now)
        key = card_delivery_key(snapshot.key, channel)
        memo = (snapshot.key, channel)
        saved = await self._store.card_ref(snapshot.key, channel)
        if saved is None:
            found = await self._find(channel, key) if suspect else None
            if found is None:
                found = await self._chat.post_card(channel, card, delivery_key=key)
            else:
                await self._chat.update_card(found, card, delivery_key=key)
            await self._store.save_card_ref(snapshot.key, found.channel, found.ts)
            self._remember(memo, card)
            return found
        ref = MessageRef(channel=saved[0], ts=saved[1])
        if self._cards.get(memo) != card:
            await self._chat.update_card(ref, card, delivery_key=key)
            self._remember(memo, card)
        return ref

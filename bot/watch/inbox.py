"""Processing the webhook inbox: persisted deliveries -> the REST feed, in arrival order.

The front end (bot/serve/webex_webhooks.py) writes each verified delivery to
the store's inbox and wakes the drainer; the drainer hands each pending
delivery to the feed and marks it done once the feed took it. Rules:

1. In order: a delivery that cannot be processed now (Webex or the database
   unreachable, a 429) stops the round; it and those after it wait for the
   next round (the next wake, or ``interval`` later), so nothing is lost and
   nothing overtakes it.
2. A delivery that can never be processed (not an envelope, data that is no
   meeting, a meeting Webex no longer has) is set aside: marked done, one
   log line, so it cannot block the inbox.
3. A crash between the feed taking a delivery and its mark leaves it pending:
   it is processed again after the restart, which the lifecycle makes harmless
   (the same observation twice yields its events once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from adapters.errors import NotFoundError, WebexDecodeError, WebexError, WebhookError
from state.clock import Clock
from state.errors import StoreError
from state.store_api import Store

__all__ = ["InboxDrainer"]

logger = logging.getLogger("meetbot.watch")

#: Processes one delivery's body at ``now`` (the REST feed's ``handle``).
Handle = Callable[[str, datetime], Awaitable[None]]
_NEVER = (WebhookError, WebexDecodeError, NotFoundError)


class InboxDrainer:
    """Drains the inbox into ``handle`` (rules above).

    Args:
        store: the store holding the inbox.
        handle: the feed's processing of one delivery.
        clock: the wall clock (aware UTC).
        interval: seconds between rounds when nothing wakes the drainer.
    """

    def __init__(
        self,
        store: Store,
        handle: Handle,
        clock: Clock,
        *,
        interval: float = 30.0,
        batch: int = 100,
    ) -> None:
        self._store = store
        self._handle = handle
        self._clock = clock
        self._interval = interval
        self._batch = batch
        self._wake = asyncio.Event()
        self._failing = False

    def wake(self) -> None:
        """Ask for a round now (never blocks: called by the HTTP handler)."""
        self._wake.set()

    async def drain(self) -> int:
        """One round: process pending deliveries until none is left or one
        cannot be processed now. Returns how many were taken or set aside.

        Raises:
            StoreError: the inbox could not be read or marked.
        """
        done = 0
        while True:
            pending = await self._store.inbox_pending(self._batch)
            if not pending:
                break
            for item in pending:
                now = self._clock()
                try:
                    await self._handle(item.body, now)
                except _NEVER as e:
                    logger.warning(
                        "set aside Webex delivery %s: %s: %s", item.id, type(e).__name__, e
                    )
                except (WebexError, StoreError) as e:
                    if not self._failing:
                        logger.warning(
                            "Webex deliveries wait (%s: %s); trying again later",
                            type(e).__name__,
                            e,
                        )
                    self._failing = True
                    return done
                await self._store.inbox_done(item.id, self._clock())
                done += 1
        if self._failing:
            logger.info("Webex deliveries are processed again")
            self._failing = False
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Rounds until ``stop`` is set: at each wake, and every ``interval``."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.drain()
            except StoreError as e:
                logger.warning("the webhook inbox could not be read: %s", e)
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait(
                    {waiter, stopper}, timeout=self._interval, return_when="FIRST_COMPLETED"
                )
            finally:
                waiter.cancel()
                stopper.cancel()

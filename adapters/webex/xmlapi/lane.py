"""The request lane of one account: one request in flight, urgent ones first.

Public clients report that one Webex account tolerates almost no
concurrency, so every request of a client takes its turn on one lane. Turns
are not first come, first served: a *background* request (a discovery page)
is granted the lane only when no other request is waiting for it and no
:meth:`Lane.urgent` scope is open. So a live poll that becomes due while
discovery pages through a slow site waits for the one page in flight, never
for the pages after it, and a command's request overtakes queued pages too.

The lane knows nothing of timeouts: a request holds its turn for as long as
the transport lets it run.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["Lane"]


class Lane:
    """One turn at a time; urgent turns before background ones, FIFO within each.

    Background turns wait while an :meth:`urgent` scope is open, so a sequence
    of urgent requests (with work between them) is not interleaved with
    background ones. A scope that never closes starves background turns: keep
    scopes to one short job.
    """

    def __init__(self) -> None:
        self._busy = False
        self._scopes = 0
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()

    @property
    def busy(self) -> bool:
        """True while a turn is held."""
        return self._busy

    @property
    def waiting(self) -> tuple[int, int]:
        """Turns waiting: (urgent, background)."""
        return len(self._urgent), len(self._background)

    @asynccontextmanager
    async def turn(self, *, background: bool = False) -> AsyncIterator[None]:
        """Hold the lane for one request."""
        await self._acquire(background)
        try:
            yield
        finally:
            self._release()

    @asynccontextmanager
    async def urgent(self) -> AsyncIterator[None]:
        """While open, background turns are not granted (the one held goes on)."""
        self._scopes += 1
        try:
            yield
        finally:
            self._scopes -= 1
            self._grant()

    def _may_go(self, background: bool) -> bool:
        if self._busy or self._urgent:
            return False
        return not background or (self._scopes == 0 and not self._background)

    async def _acquire(self, background: bool) -> None:
        if self._may_go(background):
            self._busy = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._background if background else self._urgent
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # granted as it was cancelled: pass the turn on
            else:
                if waiter in queue:  # a grant may have passed over it already
                    queue.remove(waiter)
                self._grant()  # a background turn may have waited behind this one
            raise

    def _release(self) -> None:
        self._busy = False
        self._grant()

    def _grant(self) -> None:
        """Hand the free lane to the first waiter that may have it."""
        if self._busy:
            return
        for queue in (self._urgent, self._background):
            if queue is self._background and self._scopes:
                return
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    self._busy = True
                    waiter.set_result(None)
                    return

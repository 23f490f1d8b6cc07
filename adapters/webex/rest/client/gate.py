"""One gate for every REST call of a client, closed while Webex asks us to wait.

Webex counts the rate limit per user, not per endpoint: after a 429 with
``Retry-After: N``, every call of this client waits until the N seconds are
over, not only the one that was refused. A wait longer than the client will
sit through is not slept; the call fails at once with the time still to wait,
so the caller can back off on its own schedule.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from adapters.errors import RestRateLimitedError

__all__ = ["RateGate"]


class RateGate:
    """Shared by every request of one client.

    Args:
        clock: monotonic seconds (``time.monotonic``).
        sleep: how to wait (``asyncio.sleep``).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._open_at = 0.0

    def close_for(self, seconds: float) -> None:
        """Hold every call for ``seconds`` from now (never shortens a longer hold)."""
        self._open_at = max(self._open_at, self._clock() + seconds)

    @property
    def remaining(self) -> float:
        """Seconds until calls may go again (0 when open)."""
        return max(self._open_at - self._clock(), 0.0)

    async def wait(self, *, longest: float, operation: str = "") -> None:
        """Return once the gate is open.

        Args:
            longest: the longest wait to sit through, in seconds.
            operation: named in the error.

        Raises:
            RestRateLimitedError: the gate stays closed for longer than ``longest``.
        """
        while (left := self.remaining) > 0:
            if left > longest:
                raise RestRateLimitedError(
                    429,
                    "Too Many Requests: waiting for Retry-After",
                    retry_after=left,
                    operation=operation,
                )
            await self._sleep(left)

"""The GetSessionInfo budget: one token bucket shared by every caller. Pure.

Webex counts GetSessionInfo calls per account per hour and, past its limit,
answers HTTP 403 to every call for about two hours. The bucket keeps the bot
under ``hourly`` calls in ANY 60-minute window: a bucket of capacity C refilled
at r tokens per hour can spend at most C + r in an hour, so it is refilled at
``hourly - burst`` per hour and holds at most ``burst``.

When the site blocks us anyway (another client on the same account, a limit
lower than configured), :meth:`SessionInfoBudget.block` empties the bucket until
the given time. Nothing here reads a clock: every method takes ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from state.model import require_aware

__all__ = ["SessionInfoBudget"]


@dataclass(slots=True, kw_only=True)
class SessionInfoBudget:
    """A token bucket for GetSessionInfo calls.

    Attributes:
        hourly: the most calls allowed in any 60-minute window; 0 turns
            GetSessionInfo off (the listings then carry everything).
        burst: the most calls that may be spent at once; defaults to a tenth
            of ``hourly`` (at least 1). Must be below ``hourly`` so the refill
            rate stays positive, unless ``hourly`` is 1.
    """

    hourly: int
    burst: int = 0
    _tokens: float = field(init=False, default=0.0)
    _updated: datetime | None = field(init=False, default=None)
    _blocked_until: datetime | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.hourly < 0:
            raise ValueError("the hourly GetSessionInfo budget must not be negative")
        if self.hourly == 0:
            self.burst = 0
            return
        if self.burst <= 0:
            self.burst = max(1, self.hourly // 10)
        if self.burst > self.hourly or (self.burst == self.hourly and self.hourly > 1):
            raise ValueError("burst must be below the hourly budget")
        self._tokens = float(self.burst)

    @property
    def rate_per_second(self) -> float:
        """Tokens added per second (never more than the window allows)."""
        if self.hourly == 0:
            return 0.0
        # hourly == 1 leaves nothing to refill with; one call an hour is the floor.
        return max(self.hourly - self.burst, 1) / 3600.0

    def _refill(self, now: datetime) -> None:
        require_aware("now", now)
        if self._updated is not None and now > self._updated:
            elapsed = (now - self._updated).total_seconds()
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate_per_second)
        if self._updated is None or now > self._updated:
            self._updated = now

    @property
    def blocked_until(self) -> datetime | None:
        """When the site's last 403 block ends (aware UTC), until it is cleared."""
        return self._blocked_until

    def blocked(self, now: datetime) -> bool:
        """True while the site refuses GetSessionInfo (see :meth:`block`)."""
        return self._blocked_until is not None and now < self._blocked_until

    def available(self, now: datetime) -> int:
        """Whole calls that may be made at ``now`` (0 while blocked). Read-only
        apart from bringing the refill up to ``now``."""
        self._refill(now)
        if self.blocked(now):
            return 0
        return int(self._tokens)

    def take(self, wanted: int, now: datetime) -> int:
        """Spend up to ``wanted`` tokens; returns how many were granted (maybe 0)."""
        granted = min(max(wanted, 0), self.available(now))
        self._tokens -= granted
        return granted

    def refund(self, unused: int, now: datetime) -> None:
        """Give back tokens taken for calls that were never sent."""
        self._refill(now)
        self._tokens = min(float(self.burst), self._tokens + max(unused, 0))

    def block(self, until: datetime, now: datetime) -> bool:
        """The site answered 403: spend nothing until ``until``.

        Returns True when this starts a block (so the caller logs once), False
        when a block already in force was merely extended.
        """
        require_aware("until", until)
        starting = not self.blocked(now)
        if self._blocked_until is None or until > self._blocked_until:
            self._blocked_until = until
        self._refill(now)
        self._tokens = 0.0
        return starting

    def unblock_if_over(self, now: datetime) -> bool:
        """Clear a block whose time has passed; True exactly once, when it ends."""
        if self._blocked_until is not None and now >= self._blocked_until:
            self._blocked_until = None
            self._refill(now)
            return True
        return False

"""A clock the simulated site lives by, which tests and demos can move."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

__all__ = ["SimClock"]


class SimClock:
    """Simulated wall time: runs at ``speed`` times real time and can jump.

    ``now()`` is always timezone-aware UTC. ``speed=0`` freezes the clock so it
    only moves through :meth:`advance`, which makes tests deterministic; ``60``
    runs an hour per real minute for demos.

    Args:
        start: the simulated time at creation; the real current time if None.
        speed: simulated seconds per real second, >= 0.

    Raises:
        ValueError: ``start`` is naive or ``speed`` negative.
    """

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        if start is not None and (start.tzinfo is None or start.utcoffset() is None):
            raise ValueError("start must be a timezone-aware datetime")
        _check_speed(speed)
        self._base = (start or datetime.now(UTC)).astimezone(UTC)
        self._anchor = time.monotonic()
        self._speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        """The current simulated time (aware UTC)."""
        if self._speed == 0:
            return self._base
        elapsed = (time.monotonic() - self._anchor) * self._speed
        return self._base + timedelta(seconds=elapsed)

    def advance(self, delta: timedelta) -> datetime:
        """Jump forward (or back, with a negative delta); returns the new now."""
        self._rebase()
        self._base += delta
        return self._base

    def set_speed(self, speed: float) -> None:
        """Change the rate from now on; time already elapsed is kept.

        Raises:
            ValueError: ``speed`` is negative.
        """
        _check_speed(speed)
        self._rebase()
        self._speed = speed

    def _rebase(self) -> None:
        # Fold the time elapsed at the old speed into the base so a speed
        # change or a jump never moves the past.
        self._base = self.now()
        self._anchor = time.monotonic()


def _check_speed(speed: float) -> None:
    if speed < 0:
        raise ValueError("speed must be >= 0")

"""How long to wait after the n-th consecutive failure. A pure policy object.

The loop that sleeps (the watcher's jobs, the dispatcher) owns the failure
count and the random draw; this module only does the arithmetic, so tests can
table-drive it without a clock or a random generator.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Exponential backoff with proportional jitter.

    The n-th consecutive failure (n >= 1) waits ``base * factor ** (n - 1)``
    seconds, capped at ``cap``, then shortened by up to ``jitter`` of itself so
    that many waiters started together do not retry together.

    Attributes:
        base: the first wait, in seconds.
        factor: growth per further failure.
        cap: the longest wait, in seconds (before jitter).
        jitter: the fraction (0..1) of a wait that the random draw may remove.
    """

    base: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError("backoff needs 0 < base <= cap")
        if self.factor < 1:
            raise ValueError("backoff factor must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("backoff jitter is a fraction between 0 and 1")

    def ceiling(self, failures: int) -> float:
        """The wait before jitter after ``failures`` consecutive failures (0 for none)."""
        if failures <= 0:
            return 0.0
        # Stop multiplying once past the cap: factor ** n overflows a float long
        # before a failure count does.
        wait = self.base
        for _ in range(failures - 1):
            wait *= self.factor
            if wait >= self.cap:
                return self.cap
        return min(wait, self.cap)

    def delay(self, failures: int, draw: float) -> float:
        """Seconds to wait after ``failures`` consecutive failures.

        Args:
            failures: consecutive failures so far (0 means no wait).
            draw: a uniform random number in [0, 1), e.g. ``random.random()``.
        """
        if not 0 <= draw <= 1:
            raise ValueError("draw must be in [0, 1]")
        ceiling = self.ceiling(failures)
        return ceiling * (1 - self.jitter * draw)

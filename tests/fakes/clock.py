"""A clock that moves only when a test sets ``now``."""

from __future__ import annotations

from datetime import datetime

__all__ = ["Clock"]


class Clock:
    """Callable like ``datetime.now(UTC)``; returns ``now``, which the test moves."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

"""The one clock type of the service, and the wall clock.

Parts that need the time take a :data:`Clock` argument, so tests and the demo
(whose site runs 30 times faster) can pass their own; production passes
:func:`utc_now`. (Records that hold times check them with
:func:`state.model.require_aware`.)

It lives in state/ because every layer uses it: bot/ and adapters/ may import
state/, while state/ imports neither (and adapters/ do not import bot/). The
lifecycle rules never load it: they are given ``now``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "utc_now"]

#: Returns the current time, timezone-aware, in UTC.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, aware UTC."""
    return datetime.now(UTC)

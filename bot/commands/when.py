"""When a ``/webex create`` meeting starts: the pure step from what was typed to an
aware datetime.

Rules:
1. No start given: five minutes from now. Webex refuses starts in the past
   (060016), so "now" is always scheduled a little ahead.
2. ``in <N>m`` / ``in <N>h``: now plus N.
3. ``at HH:MM``: today, on the requester's wall clock. A time already past today
   is an error, never silently tomorrow: the requester may have meant either.
4. ``at YYYY-MM-DD HH:MM``: that wall-clock time in the requester's zone; past
   times and times a clock change skips are errors.
5. Nothing further ahead than :data:`MAX_AHEAD`.

No clock is read here: ``now`` is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_LEAD",
    "MAX_AHEAD",
    "AtClock",
    "AtDateTime",
    "InDelta",
    "StartSpec",
    "StartTimeError",
    "resolve_start",
]

DEFAULT_LEAD = timedelta(minutes=5)
#: What a requester can type instead of a time that has passed.
_SOON = "in 5m"
MAX_AHEAD = timedelta(days=366)


@dataclass(frozen=True, slots=True, kw_only=True)
class InDelta:
    """``in <N>m`` or ``in <N>h``."""

    minutes: int

    def __post_init__(self) -> None:
        if self.minutes < 1:
            raise ValueError("a relative start is at least one minute ahead")


@dataclass(frozen=True, slots=True, kw_only=True)
class AtClock:
    """``at HH:MM``: today, on the requester's wall clock."""

    at: time


@dataclass(frozen=True, slots=True, kw_only=True)
class AtDateTime:
    """``at YYYY-MM-DD HH:MM`` on the requester's wall clock."""

    day: date
    at: time


StartSpec = InDelta | AtClock | AtDateTime


class StartTimeError(ValueError):
    """The start cannot be used; the message says why, in words for the requester."""


def resolve_start(spec: StartSpec | None, *, now: datetime, tz: ZoneInfo) -> datetime:
    """The start ``spec`` names, as an aware datetime in ``tz``.

    Args:
        spec: what was typed, or None for the default start.
        now: the current time (aware).
        tz: the requester's time zone (Slack profile ``tz``).

    Raises:
        StartTimeError: the time is past, skipped by a clock change, or too far ahead.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(tz)
    if spec is None:
        return local_now + DEFAULT_LEAD
    if isinstance(spec, InDelta):
        start = local_now + timedelta(minutes=spec.minutes)
    else:
        day = local_now.date() if isinstance(spec, AtClock) else spec.day
        start = _wall_clock(day, spec.at, tz)
        if start <= local_now:
            when = _format(start)
            if isinstance(spec, AtClock):
                raise StartTimeError(
                    f"{when} has already passed today ({tz.key}); give a date for another "
                    f"day (`at YYYY-MM-DD HH:MM`), or use `{_SOON}` to start in five minutes"
                )
            raise StartTimeError(
                f"{when} ({tz.key}) is in the past; pick a later time, "
                f"or use `{_SOON}` to start in five minutes"
            )
    if start - local_now > MAX_AHEAD:
        raise StartTimeError("a meeting can be scheduled at most a year ahead")
    return start


def _wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, at, tzinfo=tz)
    # A wall-clock time that a spring-forward skips does not survive a round
    # trip through UTC; refuse it rather than guess which hour was meant.
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise StartTimeError(
            f"{_format(local)} does not exist in {tz.key} (the clocks change then)"
        )
    return local


def _format(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")

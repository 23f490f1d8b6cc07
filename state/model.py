"""What we know about meetings, and the events their changes produce.

Plain frozen values: no I/O, no clock. Every datetime is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["Event", "EventKind", "MeetingSnapshot"]


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime")


class EventKind(StrEnum):
    SCHEDULED = "scheduled"
    RESCHEDULED = "rescheduled"
    STARTING_SOON = "starting_soon"
    STARTED = "started"
    ATTENDEES_WAITING = "attendees_waiting"
    HOST_JOINED = "host_joined"
    HOST_LEFT = "host_left"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    ENDED = "ended"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingSnapshot:
    """The last known state of one session (one meeting occurrence, by key).

    ``host_present``, ``attendees_present`` and ``locked`` are None when no
    source has told us yet.
    """

    key: str
    uuid: str | None = None
    title: str = ""
    host_webex_id: str = ""
    host_email: str | None = None
    start: datetime
    duration_minutes: int = 0
    time_zone_id: int | None = None
    in_progress: bool = False
    host_present: bool | None = None
    attendees_present: bool | None = None
    locked: bool | None = None
    private: bool = False
    personal_room: bool = False
    join_url: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    cancelled: bool = False
    last_seen: datetime
    last_source: str = ""

    def __post_init__(self) -> None:
        for name in ("start", "started_at", "ended_at", "last_seen"):
            _require_aware(name, getattr(self, name))

    @property
    def scheduled_end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One lifecycle event of one meeting.

    ``at`` is when the change was detected (or, for starting_soon, when it was
    due). ``previous_start`` / ``previous_duration_minutes`` are set on
    rescheduled; ``ran_minutes`` on ended.
    """

    kind: EventKind
    meeting_key: str
    at: datetime
    previous_start: datetime | None = None
    previous_duration_minutes: int | None = None
    ran_minutes: int | None = None

    def __post_init__(self) -> None:
        _require_aware("at", self.at)
        _require_aware("previous_start", self.previous_start)

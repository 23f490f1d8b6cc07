"""What we know about meetings, and the events their changes produce.

Plain frozen values: no I/O, no clock. Every datetime is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "Authority",
    "Delivery",
    "DeliveryState",
    "Event",
    "EventKind",
    "ListingScope",
    "MeetingSnapshot",
    "Observation",
    "Rules",
    "Scope",
    "Subscription",
    "ran_minutes",
    "require_aware",
]


def require_aware(name: str, value: datetime | None) -> None:
    """Refuse a naive datetime (None passes: an absent time). Every record that
    holds a time checks it with this when it is built, the Webex models too.

    Raises:
        ValueError: ``value`` has no UTC offset; the message names ``name``.
    """
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime")


def ran_minutes(started_at: datetime | None, ended_at: datetime | None) -> int | None:
    """How long a meeting ran, in whole minutes (rounded down, never negative);
    None when either end is unknown. The one measure: the ended event stores it
    and the card and every reply show it, so they never disagree."""
    if started_at is None or ended_at is None:
        return None
    return max(0, (ended_at - started_at) // timedelta(minutes=1))


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
    source has told us yet. ``host_id`` is the host as the Webex backend names
    it (opaque here: the XML API's webExId, the REST API's host email);
    ``time_zone`` is the meeting's own zone as an IANA name, None when unknown.
    """

    key: str
    uuid: str | None = None
    title: str = ""
    host_id: str = ""
    host_email: str | None = None
    start: datetime
    duration_minutes: int = 0
    time_zone: str | None = None
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
    # Lifecycle bookkeeping (see state/lifecycle.py for what each one arms).
    soon_notified_for: datetime | None = None
    host_announced: bool = False
    host_absent_since: datetime | None = None
    waiting_since: datetime | None = None
    waiting_announced: bool = False
    missed_listings: int = 0

    def __post_init__(self) -> None:
        for name in (
            "start",
            "started_at",
            "ended_at",
            "last_seen",
            "soon_notified_for",
            "host_absent_since",
            "waiting_since",
        ):
            require_aware(name, getattr(self, name))
        if self.missed_listings < 0:
            raise ValueError("missed_listings must not be negative")

    @property
    def scheduled_end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)

    @property
    def ran_minutes(self) -> int | None:
        """How long it ran (see :func:`ran_minutes`); None unless it started and ended."""
        return ran_minutes(self.started_at, self.ended_at)


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
        require_aware("at", self.at)
        require_aware("previous_start", self.previous_start)


class Authority(StrEnum):
    """The kind of evidence an observation is, which decides what it may prove.

    Named by what the evidence says, not by the API call that gave it: every
    backend maps its answers onto these. The values are what the stores keep in
    ``last_source`` (they predate the names; keep them stable).
    """

    #: A row of a complete listing: the schedule (title, start, duration) as the
    #: site has it; the only evidence that may move the schedule. (XML API:
    #: LstsummarySession rows.)
    SCHEDULE = "listing"
    #: A listing of what is in progress now. (XML API: LstOpenSession.)
    LIVE_LISTING = "open_sessions"
    #: A direct answer about one meeting's live state. (XML API: GetSessionInfo.)
    LIVE_DETAIL = "session_info"
    #: A look-up confirming the meeting no longer exists.
    GONE = "not_found"


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """What one source said about one session. Every None means "this source does
    not know", and never changes what we already know."""

    key: str
    authority: Authority
    uuid: str | None = None
    title: str | None = None
    host_id: str | None = None
    host_email: str | None = None
    start: datetime | None = None
    duration_minutes: int | None = None
    time_zone: str | None = None
    in_progress: bool | None = None
    host_present: bool | None = None
    attendees_present: bool | None = None
    locked: bool | None = None
    private: bool | None = None
    personal_room: bool | None = None
    join_url: str | None = None

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("an observation needs a session key")
        require_aware("start", self.start)
        if self.duration_minutes is not None and self.duration_minutes < 0:
            raise ValueError("duration_minutes must not be negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingScope:
    """What a COMPLETE listing covered: sessions starting in [start_from, start_to),
    of one host (``host_id``, compared as the snapshot's) or of every host (None).

    Only build one for a listing whose every page arrived: absence from it is
    evidence toward cancellation. A partial listing has no scope.
    """

    start_from: datetime
    start_to: datetime
    host_id: str | None = None

    def __post_init__(self) -> None:
        require_aware("start_from", self.start_from)
        require_aware("start_to", self.start_to)
        if self.start_to < self.start_from:
            raise ValueError("start_to must not be before start_from")

    def covers(self, snapshot: MeetingSnapshot) -> bool:
        """True when ``snapshot`` would have been in this listing had it still existed."""
        if not self.start_from <= snapshot.start < self.start_to:
            return False
        return self.host_id is None or self.host_id.casefold() == snapshot.host_id.casefold()


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    """Timing rules of the lifecycle (all positive durations)."""

    starting_soon_lead: timedelta = timedelta(minutes=10)
    waiting_grace: timedelta = timedelta(seconds=60)
    host_left_grace: timedelta = timedelta(seconds=60)
    stale_after: timedelta = timedelta(hours=1)
    #: A session first seen in progress whose scheduled start is before this
    #: instant is settled silently (Rule 2): set while a store without history
    #: takes its first look at the site, where what already runs is not news.
    settle_running_before: datetime | None = None

    def __post_init__(self) -> None:
        require_aware("settle_running_before", self.settle_running_before)
        for name in ("starting_soon_lead", "waiting_grace", "host_left_grace", "stale_after"):
            if getattr(self, name) < timedelta(0):
                raise ValueError(f"{name} must not be negative")


class Scope(StrEnum):
    """What a subscription follows."""

    ALL = "all"  # every meeting
    HOST = "host"  # meetings whose host webExID or email equals the target
    MEETING = "meeting"  # one meeting key


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """A channel's wish to hear about some meetings. Empty ``kinds`` = every kind."""

    id: int
    channel: str
    scope: Scope
    target: str | None = None
    kinds: frozenset[EventKind] = frozenset()
    enabled: bool = True
    disabled_reason: str | None = None

    def __post_init__(self) -> None:
        if (self.scope is Scope.ALL) != (self.target is None):
            raise ValueError("scope 'all' takes no target; 'host' and 'meeting' need one")


class DeliveryState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One event to hand to one destination: a channel id, or ``dm:<email>``."""

    id: int
    delivery_key: str
    destination: str
    meeting_key: str
    event: Event
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    state: DeliveryState
    last_error: str | None = None

    def __post_init__(self) -> None:
        require_aware("next_attempt_at", self.next_attempt_at)
        require_aware("created_at", self.created_at)

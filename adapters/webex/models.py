"""What the Webex side tells us, as frozen values, whatever backend produced them.

Every datetime here is timezone-aware UTC. Backends convert Webex local times
(``MM/DD/YYYY HH:MM:SS`` in a ``timeZoneID``) before building these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "AUTO_LOCK_MINUTES",
    "GMT_ZONE_ID",
    "CreatedMeeting",
    "ExternalAttendeeSecurity",
    "MeetingDetails",
    "MeetingRequest",
    "MeetingTemplate",
    "MeetingType",
    "OpenSession",
    "SessionInfo",
    "SessionListing",
    "SessionRef",
    "SessionStatus",
    "SessionSummary",
    "SiteCapabilities",
    "TimeZoneInfo",
]

#: "GMT+00:00, GMT (London)": the zone when none is said, and the fallback
#: when nothing better matches.
GMT_ZONE_ID = 21

#: The only values Webex accepts for ``autoLockWaitTime`` (minutes).
AUTO_LOCK_MINUTES: frozenset[int] = frozenset({0, 5, 10, 15, 20})


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime")


class SessionStatus(StrEnum):
    IN_PROGRESS = "INPROGRESS"
    NOT_IN_PROGRESS = "NOT_INPROGRESS"


class ExternalAttendeeSecurity(StrEnum):
    """Who may join while the meeting is unlocked (CreateMeeting attendeeOptions)."""

    ALLOW_JOIN = "AllowJoin"
    ALLOW_JOIN_WITH_LOBBY = "AllowJoinWithLobby"
    BLOCK_FROM_JOIN = "BlockFromJoin"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRef:
    """Names one session, by meeting key or by meeting UUID (exactly one)."""

    key: str | None = None
    uuid: str | None = None

    def __post_init__(self) -> None:
        if (self.key is None) == (self.uuid is None):
            raise ValueError("a SessionRef names a session by key or by uuid, not both")

    @classmethod
    def by_key(cls, key: str) -> SessionRef:
        return cls(key=key)

    @classmethod
    def by_uuid(cls, uuid: str) -> SessionRef:
        return cls(uuid=uuid)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionSummary:
    """One ``session`` row of LstsummarySession."""

    session_key: str
    meeting_uuid: str | None = None
    conf_name: str = ""
    host_webex_id: str = ""
    host_email: str | None = None
    status: SessionStatus = SessionStatus.NOT_IN_PROGRESS
    start: datetime
    duration_minutes: int = 0
    time_zone_id: int | None = None
    #: LstsummarySession's cheap presence flags; None when the row lacks them.
    host_joined: bool | None = None
    participants_joined: bool | None = None
    is_private: bool = False
    is_scheduled_pmr: bool = False
    service_type: str | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionListing:
    """Every row of one LstsummarySession query, all pages.

    ``complete`` is True only when every page arrived and the rows add up to the
    ``total`` the site reported; an incomplete listing proves nothing about the
    sessions it lacks.
    """

    sessions: tuple[SessionSummary, ...]
    total: int
    complete: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionInfo:
    """One GetSessionInfo answer.

    Callers who are not invited get no title, schedule or links (40.8.0): those
    fields are then None. ``has_host_in_meeting`` and ``has_attendee_in_meeting``
    are only meaningful while the session is in progress (40.9.0) and are False
    otherwise.
    """

    session_key: str
    meeting_uuid: str | None = None
    status: SessionStatus = SessionStatus.NOT_IN_PROGRESS
    is_locked: bool = False
    has_host_in_meeting: bool = False
    has_attendee_in_meeting: bool = False
    is_private: bool = False
    is_personal_room: bool = False
    conf_name: str | None = None
    host_webex_id: str | None = None
    host_email: str | None = None
    start: datetime | None = None
    duration_minutes: int | None = None
    time_zone_id: int | None = None
    meeting_link: str | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenSession:
    """One session of LstOpenSession: in progress right now."""

    session_key: str
    meeting_uuid: str | None = None
    name: str = ""
    host_webex_id: str = ""
    service_type: str | None = None
    start: datetime | None = None
    actual_start: datetime | None = None
    time_zone_id: int | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("actual_start", self.actual_start)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingRequest:
    """What CreateMeeting / SetMeeting should schedule.

    ``auto_lock_minutes``: None leaves auto-lock off; otherwise one of
    ``AUTO_LOCK_MINUTES`` and autoLock is turned on.
    ``private``: schedule with a meeting type whose SupportPrivateMeeting is true.
    ``time_zone_id``: the Webex zone the start is expressed in on the wire
    (the start itself is an aware datetime; any zone converts correctly).
    """

    title: str
    start: datetime
    duration_minutes: int = 60
    time_zone_id: int = GMT_ZONE_ID
    password: str | None = None
    private: bool = False
    auto_lock_minutes: int | None = None
    external_attendee_security: ExternalAttendeeSecurity | None = None
    host_webex_id: str | None = None
    meeting_type_id: int | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        if not self.title.strip():
            raise ValueError("a meeting needs a title")
        if not 1 <= self.duration_minutes <= 24 * 60:
            raise ValueError("duration must be between 1 minute and 24 hours")
        if self.auto_lock_minutes is not None and self.auto_lock_minutes not in AUTO_LOCK_MINUTES:
            allowed = ", ".join(str(m) for m in sorted(AUTO_LOCK_MINUTES))
            raise ValueError(f"auto-lock wait time must be one of {allowed} minutes")


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedMeeting:
    """CreateMeeting's answer. ``password`` is the one given, or the one the site
    generated. Treat it as a secret: it goes to the requester only."""

    meeting_key: str
    meeting_uuid: str | None = None
    password: str | None = field(default=None, repr=False)
    host_url: str | None = None
    attendee_url: str | None = None
    guest_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingDetails:
    """GetMeeting's answer, the parts the bot uses."""

    meeting_key: str
    meeting_uuid: str | None = None
    title: str = ""
    meeting_type_id: int | None = None
    start: datetime
    duration_minutes: int = 0
    time_zone_id: int | None = None
    host_webex_id: str = ""
    password: str | None = field(default=None, repr=False)
    is_private: bool = False
    auto_lock: bool = False
    auto_lock_minutes: int | None = None
    external_attendee_security: ExternalAttendeeSecurity | None = None
    join_url: str | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingType:
    id: int
    name: str
    supports_private: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingTemplate:
    name: str
    service_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteCapabilities:
    """GetSite's feature switches that change how the bot talks to the site."""

    site_name: str = ""
    supports_return_scheduled_pmr: bool = False
    meeting_types: tuple[MeetingType, ...] = ()
    templates: tuple[MeetingTemplate, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeZoneInfo:
    """One LstTimeZone row: the offset in force on the date asked about."""

    id: int
    description: str
    gmt_offset_minutes: int
    fall_in_dst: bool = False

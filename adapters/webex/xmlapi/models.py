"""The XML API's own answers, as frozen values: what its listings, GetSessionInfo,
GetSite, LstMeetingType and LstTimeZone say, before the feed turns them into
observations. The commands' side of the port speaks :mod:`adapters.webex.models`.

Every datetime here is timezone-aware UTC: the client converts Webex local times
(``MM/DD/YYYY HH:MM:SS`` in a ``timeZoneID``) before building these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from state.model import require_aware

__all__ = [
    "GMT_ZONE_ID",
    "ListingWindow",
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


class SessionStatus(StrEnum):
    IN_PROGRESS = "INPROGRESS"
    NOT_IN_PROGRESS = "NOT_INPROGRESS"


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
        require_aware("start", self.start)

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
class ListingWindow:
    """One LstsummarySession query: sessions starting in [start_from, start_to],
    of one host (its webExID) or, with ``host_webex_id`` None, the whole site.

    Raises:
        ValueError: naive times, or a window that ends before it starts.
    """

    start_from: datetime
    start_to: datetime
    host_webex_id: str | None = None

    def __post_init__(self) -> None:
        require_aware("start_from", self.start_from)
        require_aware("start_to", self.start_to)
        if self.start_to < self.start_from:
            raise ValueError("a listing window must not end before it starts")


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
        require_aware("start", self.start)


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
        require_aware("start", self.start)
        require_aware("actual_start", self.actual_start)


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

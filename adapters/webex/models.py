"""What the commands' half of the Webex port speaks, whatever backend is behind it.

Backend-neutral on purpose: a meeting key is an opaque string (the XML API's
digits, a REST meeting id such as ``870f…0402_I_1974…``), a zone is an IANA
:class:`zoneinfo.ZoneInfo` (each backend maps it to its own ids), a host is an
opaque identity the backend understands (the XML API's webExID, a REST host
email). Every datetime is timezone-aware; the backend converts its wire format.

What one backend answers on its own (the XML API's listings and GetSessionInfo
rows) lives beside it, e.g. :mod:`adapters.webex.xmlapi.models`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from state.model import require_aware

__all__ = [
    "AUTO_LOCK_MINUTES",
    "Capabilities",
    "CreatedMeeting",
    "ExternalAttendeeSecurity",
    "LiveState",
    "MeetingDetails",
    "MeetingRequest",
]

#: The only auto-lock wait times Webex accepts (minutes).
AUTO_LOCK_MINUTES: frozenset[int] = frozenset({0, 5, 10, 15, 20})

_UTC_ZONE = ZoneInfo("UTC")


class ExternalAttendeeSecurity(StrEnum):
    """Who may join while the meeting is unlocked."""

    ALLOW_JOIN = "AllowJoin"
    ALLOW_JOIN_WITH_LOBBY = "AllowJoinWithLobby"
    BLOCK_FROM_JOIN = "BlockFromJoin"


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingRequest:
    """What a create or an update should schedule.

    ``zone``: the zone the start is expressed in on the wire and shown in by
    Webex (the start itself is an aware datetime; any zone converts correctly).
    ``host``: who should host it, as the backend names hosts; None schedules it
    under the bot's own account.
    ``auto_lock_minutes``: None leaves auto-lock off; otherwise one of
    ``AUTO_LOCK_MINUTES`` and auto-lock is turned on.
    ``private``: a private meeting (the backend picks a meeting type that allows
    it, or raises PrivateMeetingUnsupportedError).
    """

    title: str
    start: datetime
    duration_minutes: int = 60
    zone: ZoneInfo = _UTC_ZONE
    password: str | None = None
    private: bool = False
    auto_lock_minutes: int | None = None
    external_attendee_security: ExternalAttendeeSecurity | None = None
    host: str | None = None

    def __post_init__(self) -> None:
        require_aware("start", self.start)
        if not self.title.strip():
            raise ValueError("a meeting needs a title")
        if not 1 <= self.duration_minutes <= 24 * 60:
            raise ValueError("duration must be between 1 minute and 24 hours")
        if self.auto_lock_minutes is not None and self.auto_lock_minutes not in AUTO_LOCK_MINUTES:
            allowed = ", ".join(str(m) for m in sorted(AUTO_LOCK_MINUTES))
            raise ValueError(f"auto-lock wait time must be one of {allowed} minutes")


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedMeeting:
    """A create's answer. ``password`` is the one given, or the one the site
    generated. Treat it as a secret: it goes to the requester only."""

    meeting_key: str
    meeting_uuid: str | None = None
    password: str | None = field(default=None, repr=False)
    host_url: str | None = None
    attendee_url: str | None = None
    guest_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingDetails:
    """One scheduled meeting as the backend describes it (no live state).

    ``zone`` is None when the backend named a zone it cannot map; ``host`` is the
    host as the backend names hosts ("" when unsaid).
    """

    meeting_key: str
    meeting_uuid: str | None = None
    title: str = ""
    start: datetime
    duration_minutes: int = 0
    zone: ZoneInfo | None = None
    host: str = ""
    password: str | None = field(default=None, repr=False)
    is_private: bool = False
    auto_lock: bool = False
    auto_lock_minutes: int | None = None
    external_attendee_security: ExternalAttendeeSecurity | None = None
    join_url: str | None = None

    def __post_init__(self) -> None:
        require_aware("start", self.start)


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveState:
    """The live state of one meeting, as a direct answer about it.

    Callers who are not invited may get no title, schedule or links: those are
    then None, as is anything the backend does not know. ``host_present`` and
    ``attendees_present`` mean something only while ``in_progress``.
    ``attendees_waiting`` is attendees present without the host, when known.
    """

    meeting_key: str
    in_progress: bool
    host_present: bool | None = None
    attendees_present: bool | None = None
    locked: bool | None = None
    private: bool | None = None
    title: str | None = None
    host: str | None = None
    host_email: str | None = None
    start: datetime | None = None
    duration_minutes: int | None = None
    join_url: str | None = None

    def __post_init__(self) -> None:
        require_aware("start", self.start)

    @property
    def attendees_waiting(self) -> bool | None:
        """Attendees are in the meeting and the host is not (None if unknown)."""
        if not self.in_progress:
            return False
        if self.attendees_present is None or self.host_present is None:
            return None
        return self.attendees_present and not self.host_present


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """What the site lets the bot do, as far as the commands care.

    ``private_meetings``: a private meeting can be created (None: not known
    until a create asks for one).
    """

    site_name: str = ""
    private_meetings: bool | None = None

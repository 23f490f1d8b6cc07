"""The simulated site's own records: users, meeting types, meetings, requests.

``Meeting`` is the site's private, mutable record; callers get frozen
``MeetingView`` copies so nothing outside the site changes its state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from adapters.webex.models import ExternalAttendeeSecurity

__all__ = [
    "Meeting",
    "MeetingTypeRecord",
    "MeetingView",
    "RecordedRequest",
    "SessionStatus",
    "User",
]


class SessionStatus(StrEnum):
    """A session's ``status`` as the site writes it on the wire."""

    IN_PROGRESS = "INPROGRESS"
    NOT_IN_PROGRESS = "NOT_INPROGRESS"


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    webex_id: str
    password: str
    email: str
    first_name: str = ""
    last_name: str = ""
    admin: bool = False
    access_token: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingTypeRecord:
    id: int
    name: str
    supports_private: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """One XML request as the site received it (before any fault or check)."""

    operation_names: tuple[str, ...]
    body_content_count: int
    raw: bytes
    account: str


@dataclass(slots=True, kw_only=True)
class Meeting:
    key: str
    uuid: str
    conf_id: str
    guest_token: str
    host: str
    title: str
    start: datetime
    duration_minutes: int
    time_zone_id: int
    private: bool
    personal_room: bool
    password: str | None
    meeting_type_id: int | None
    auto_lock_minutes: int | None
    external_attendee_security: ExternalAttendeeSecurity | None
    invited: frozenset[str]
    in_progress: bool = False
    ended: bool = False
    actual_start: datetime | None = None
    host_present: bool = False
    attendees: int = 0
    locked: bool = False

    def is_locked(self, now: datetime) -> bool:
        """Locked by hand, or by the auto-lock timer since the actual start."""
        if not self.in_progress:
            return False
        if self.locked:
            return True
        return (
            self.auto_lock_minutes is not None
            and self.actual_start is not None
            and now >= self.actual_start + timedelta(minutes=self.auto_lock_minutes)
        )

    def view(self, now: datetime) -> MeetingView:
        return MeetingView(
            key=self.key,
            uuid=self.uuid,
            host=self.host,
            title=self.title,
            start=self.start,
            duration_minutes=self.duration_minutes,
            time_zone_id=self.time_zone_id,
            private=self.private,
            personal_room=self.personal_room,
            password=self.password,
            meeting_type_id=self.meeting_type_id,
            auto_lock=self.auto_lock_minutes is not None,
            auto_lock_minutes=self.auto_lock_minutes,
            external_attendee_security=self.external_attendee_security,
            invited=self.invited,
            status=SessionStatus.IN_PROGRESS if self.in_progress else SessionStatus.NOT_IN_PROGRESS,
            ended=self.ended,
            actual_start=self.actual_start,
            host_present=self.host_present,
            attendees=self.attendees,
            locked=self.is_locked(now),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingView:
    """A read-only snapshot of one simulated meeting."""

    key: str
    uuid: str
    host: str
    title: str
    start: datetime
    duration_minutes: int
    time_zone_id: int
    private: bool
    personal_room: bool
    password: str | None
    meeting_type_id: int | None
    auto_lock: bool
    auto_lock_minutes: int | None
    external_attendee_security: ExternalAttendeeSecurity | None
    invited: frozenset[str] = field(default_factory=frozenset)
    status: SessionStatus
    ended: bool
    actual_start: datetime | None
    host_present: bool
    attendees: int
    locked: bool

    def public_dict(self) -> dict[str, object]:
        """JSON-ready fields, without the password."""
        return {
            "key": self.key,
            "uuid": self.uuid,
            "host": self.host,
            "title": self.title,
            "start": self.start.isoformat(),
            "duration_minutes": self.duration_minutes,
            "time_zone_id": self.time_zone_id,
            "private": self.private,
            "personal_room": self.personal_room,
            "meeting_type_id": self.meeting_type_id,
            "auto_lock": self.auto_lock,
            "auto_lock_minutes": self.auto_lock_minutes,
            "external_attendee_security": (
                None
                if self.external_attendee_security is None
                else str(self.external_attendee_security)
            ),
            "invited": sorted(self.invited),
            "status": str(self.status),
            "ended": self.ended,
            "actual_start": None if self.actual_start is None else self.actual_start.isoformat(),
            "host_present": self.host_present,
            "attendees": self.attendees,
            "locked": self.locked,
        }

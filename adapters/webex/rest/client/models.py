"""What the REST API answers, as frozen values of REST shape, and their parsers.

Ids stay opaque strings (a series id, ``<series>_<YYYYMMDDTHHMMSSZ>`` for an
occurrence, ``<series>_I_<n>`` for an instance: the client never takes them
apart). Times become aware UTC datetimes; Cisco's "not yet known" time
``1970-01-01T00:00:00.000Z`` becomes None. Parsers raise
:class:`~adapters.errors.WebexDecodeError` for an answer that lacks what the
value needs; fields Cisco marks optional may be None.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.errors import WebexDecodeError

__all__ = [
    "RestMeeting",
    "RestParticipant",
    "RestPerson",
    "RestWebhook",
    "parse_meeting",
    "parse_participant",
    "parse_person",
    "parse_time",
    "parse_webhook",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FULL_ADMIN_ROLE = "/ROLE/id_full_admin"


def parse_time(value: Any, name: str = "time") -> datetime | None:
    """An ISO 8601 time as aware UTC; None for absent, empty or the 1970 epoch.
    A time without an offset is read as UTC, the API's default zone.

    Raises:
        WebexDecodeError: not a string, or not ISO 8601.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise WebexDecodeError(f"{name} is not a time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise WebexDecodeError(f"{name} is not an ISO 8601 time: {value[:40]!r}") from e
    if parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return None if parsed == _EPOCH else parsed


class _Fields:
    """Typed reads from one JSON object, naming ``what`` in every error."""

    def __init__(self, body: Any, what: str) -> None:
        if not isinstance(body, dict):
            raise WebexDecodeError(f"{what} is not a JSON object")
        self.body: dict[str, Any] = body
        self.what = what

    def text(self, key: str) -> str:
        value = self.body.get(key)
        if not isinstance(value, str) or not value:
            raise WebexDecodeError(f"{self.what} has no {key}")
        return value

    def maybe_text(self, key: str) -> str | None:
        value = self.body.get(key)
        return value if isinstance(value, str) else None

    def flag(self, key: str) -> bool | None:
        value = self.body.get(key)
        return value if isinstance(value, bool) else None

    def number(self, key: str) -> int | None:
        value = self.body.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def time(self, key: str) -> datetime | None:
        return parse_time(self.body.get(key), f"{self.what}.{key}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RestMeeting:
    """A meeting series, scheduled occurrence or instance (``meeting_type``
    ``meetingSeries``, ``scheduledMeeting``, ``meeting``) and its ``state``.

    ``title`` is None where the answer carries none (a webhook's data);
    ``end`` is None while an instance is in progress.
    """

    id: str
    meeting_type: str
    state: str
    title: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    timezone: str | None = None
    series_id: str | None = None
    scheduled_meeting_id: str | None = None
    meeting_number: str | None = None
    web_link: str | None = None
    site_url: str | None = None
    host_email: str | None = None
    host_user_id: str | None = None
    host_display_name: str | None = None
    password: str | None = field(default=None, repr=False)
    host_did_join: bool | None = None
    attendee_did_join: bool | None = None
    public_meeting: bool | None = None
    enable_automatic_lock: bool | None = None
    automatic_lock_minutes: int | None = None
    unlocked_meeting_join_security: str | None = None
    is_modified: bool | None = None
    recurrence: str | None = None


def parse_meeting(body: Any) -> RestMeeting:
    """A meeting object (list item, get, create or update answer).

    Raises:
        WebexDecodeError: not an object, or without ``id``, ``meetingType``, ``state``.
    """
    f = _Fields(body, "meeting")
    return RestMeeting(
        id=f.text("id"),
        meeting_type=f.text("meetingType"),
        state=f.text("state"),
        title=f.maybe_text("title"),
        start=f.time("start"),
        end=f.time("end"),
        timezone=f.maybe_text("timezone"),
        series_id=f.maybe_text("meetingSeriesId"),
        scheduled_meeting_id=f.maybe_text("scheduledMeetingId"),
        meeting_number=f.maybe_text("meetingNumber"),
        web_link=f.maybe_text("webLink"),
        site_url=f.maybe_text("siteUrl"),
        host_email=f.maybe_text("hostEmail"),
        host_user_id=f.maybe_text("hostUserId"),
        host_display_name=f.maybe_text("hostDisplayName"),
        password=f.maybe_text("password"),
        host_did_join=f.flag("hostDidJoin"),
        attendee_did_join=f.flag("attendeeDidJoin"),
        public_meeting=f.flag("publicMeeting"),
        enable_automatic_lock=f.flag("enableAutomaticLock"),
        automatic_lock_minutes=f.number("automaticLockMinutes"),
        unlocked_meeting_join_security=f.maybe_text("unlockedMeetingJoinSecurity"),
        is_modified=f.flag("isModified"),
        recurrence=f.maybe_text("recurrence"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RestParticipant:
    """One participant of a meeting instance; ``state`` is ``lobby``,
    ``joined``, ``breakoutSession`` or ``end`` (has left)."""

    id: str
    meeting_id: str
    state: str
    host: bool = False
    co_host: bool = False
    email: str | None = None
    display_name: str | None = None
    invitee: bool | None = None
    joined_time: datetime | None = None
    left_time: datetime | None = None
    host_email: str | None = None
    site_url: str | None = None


def parse_participant(body: Any) -> RestParticipant:
    """A participant object.

    Raises:
        WebexDecodeError: not an object, or without ``id``, ``meetingId``, ``state``.
    """
    f = _Fields(body, "participant")
    return RestParticipant(
        id=f.text("id"),
        meeting_id=f.text("meetingId"),
        state=f.text("state"),
        host=f.flag("host") or False,
        co_host=f.flag("coHost") or False,
        email=f.maybe_text("email"),
        display_name=f.maybe_text("displayName"),
        invitee=f.flag("invitee"),
        joined_time=f.time("joinedTime"),
        left_time=f.time("leftTime"),
        host_email=f.maybe_text("hostEmail"),
        site_url=f.maybe_text("siteUrl"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RestWebhook:
    """A registered webhook; ``status`` is ``active`` or ``inactive`` (disabled
    after failed deliveries). ``secret`` is there only when the answer shows it."""

    id: str
    name: str
    target_url: str
    resource: str
    event: str
    status: str
    filter: str | None = None
    owned_by: str | None = None
    created: datetime | None = None
    org_id: str | None = None
    created_by: str | None = None
    app_id: str | None = None
    secret: str | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        return self.status == "active"


def parse_webhook(body: Any) -> RestWebhook:
    """A webhook object.

    Raises:
        WebexDecodeError: not an object, or without one of its required fields.
    """
    f = _Fields(body, "webhook")
    return RestWebhook(
        id=f.text("id"),
        name=f.text("name"),
        target_url=f.text("targetUrl"),
        resource=f.text("resource"),
        event=f.text("event"),
        status=f.text("status"),
        filter=f.maybe_text("filter"),
        owned_by=f.maybe_text("ownedBy"),
        created=f.time("created"),
        org_id=f.maybe_text("orgId"),
        created_by=f.maybe_text("createdBy"),
        app_id=f.maybe_text("appId"),
        secret=f.maybe_text("secret"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RestPerson:
    """Who a token speaks for (``GET /people/me``)."""

    id: str
    emails: tuple[str, ...]
    display_name: str | None = None
    org_id: str | None = None
    roles: tuple[str, ...] = ()

    @property
    def email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def is_full_admin(self) -> bool:
        """True when ``roles`` holds the organisation's full administrator role
        (a role id is the base64 of ``ciscospark://<region>/ROLE/<name>``)."""
        return any(_decoded(role).endswith(_FULL_ADMIN_ROLE) for role in self.roles)


def _decoded(opaque: str) -> str:
    try:
        return base64.b64decode(opaque + "=" * (-len(opaque) % 4), altchars=b"-_").decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def parse_person(body: Any) -> RestPerson:
    """A person object.

    Raises:
        WebexDecodeError: not an object, or without ``id``.
    """
    f = _Fields(body, "person")
    emails = f.body.get("emails")
    roles = f.body.get("roles")
    return RestPerson(
        id=f.text("id"),
        emails=tuple(e for e in emails if isinstance(e, str)) if isinstance(emails, list) else (),
        display_name=f.maybe_text("displayName"),
        org_id=f.maybe_text("orgId"),
        roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
    )

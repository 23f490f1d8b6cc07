"""The Webex REST API calls meetbot makes, as typed async methods.

Each method is one endpoint (listings follow every page); errors are those of
:meth:`.transport.RestTransport.call`. Admin tokens may act for a host with
``host_email``; ``site_url`` picks a site where the user has several.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

from .auth import OAuthClient, TokenHook, TokenKeeper, Tokens
from .gate import RateGate
from .models import (
    RestMeeting,
    RestParticipant,
    RestPerson,
    RestWebhook,
    parse_meeting,
    parse_participant,
    parse_person,
    parse_webhook,
)
from .paging import Listing, collect
from .transport import RestSettings, RestTransport

__all__ = ["JOIN_SECURITY", "MeetingFields", "RestClient"]

#: The values of ``unlockedMeetingJoinSecurity``.
JOIN_SECURITY = frozenset({"allowJoin", "allowJoinWithLobby", "blockFromJoin"})
_PAGE = "100"  # the largest page the meetings and participants listings give


def _wire_time(value: datetime) -> str:
    """ISO 8601 with the value's own offset (the requester's zone), to the second."""
    if value.utcoffset() is None:
        raise ValueError("times sent to Webex must be timezone-aware")
    return value.isoformat(timespec="seconds")


def _segment(value: str) -> str:
    if not value:
        raise ValueError("an id must not be empty")
    return quote(value, safe="")


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingFields:
    """The body of ``POST /meetings`` or ``PUT /meetings/{id}``; None leaves a
    field out (the site's default on create, unchanged on update)."""

    title: str
    start: datetime
    end: datetime
    timezone: str | None = None
    enable_automatic_lock: bool | None = None
    automatic_lock_minutes: int | None = None
    unlocked_meeting_join_security: str | None = None
    public_meeting: bool | None = None
    password: str | None = None
    host_email: str | None = None
    site_url: str | None = None

    def __post_init__(self) -> None:
        if not self.title:
            raise ValueError("title must not be empty")
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("start and end must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        security = self.unlocked_meeting_join_security
        if security is not None and security not in JOIN_SECURITY:
            raise ValueError(
                f"unlocked_meeting_join_security must be one of {sorted(JOIN_SECURITY)}"
            )

    def json(self) -> dict[str, Any]:
        """The JSON body, with Cisco's field names."""
        body: dict[str, Any] = {
            "title": self.title,
            "start": _wire_time(self.start),
            "end": _wire_time(self.end),
        }
        optional = {
            "timezone": self.timezone,
            "enableAutomaticLock": self.enable_automatic_lock,
            "automaticLockMinutes": self.automatic_lock_minutes,
            "unlockedMeetingJoinSecurity": self.unlocked_meeting_join_security,
            "publicMeeting": self.public_meeting,
            "password": self.password,
            "hostEmail": self.host_email,
            "siteUrl": self.site_url,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return body


def _query(**values: str | datetime | int | bool | None) -> dict[str, str]:
    query: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        elif isinstance(value, datetime):
            query[key] = _wire_time(value.astimezone(UTC)).replace("+00:00", "Z")
        else:
            query[key] = str(value)
    return query


class RestClient:
    """One token's view of the Webex REST API; close it (or use ``async with``).

    Args:
        tokens: the access token to start with: the configured one, or the
            newest tokens the caller kept from ``on_tokens``.
        settings: base URL, deadlines, rate-limit policy.
        oauth: the integration's credentials, to renew the token; None: never renew.
        on_tokens: called with every renewed :class:`~.auth.Tokens` (keep the
            refresh token: the previous one may stop working).
        now: the wall clock, aware UTC (token expiry).
        gate: the 429 gate; one per client by default (share one between
            clients of the same token, whose rate limit Webex counts together).
    """

    def __init__(
        self,
        tokens: Tokens,
        *,
        settings: RestSettings | None = None,
        oauth: OAuthClient | None = None,
        on_tokens: TokenHook | None = None,
        now: Callable[[], datetime] | None = None,
        gate: RateGate | None = None,
    ) -> None:
        keeper = TokenKeeper(
            tokens, oauth=oauth, on_tokens=on_tokens, now=now or (lambda: datetime.now(UTC))
        )
        self.transport = RestTransport(settings or RestSettings(), keeper, gate=gate)

    @property
    def tokens(self) -> Tokens:
        """The tokens in use now."""
        return self.transport.keeper.tokens

    async def close(self) -> None:
        await self.transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _one(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        return (await self.transport.call(method, path, params=params, body=body)).body

    # People -----------------------------------------------------------------

    async def me(self) -> RestPerson:
        """``GET /people/me``: whom the token speaks for."""
        return parse_person(await self._one("GET", "people/me"))

    # Meetings ---------------------------------------------------------------

    async def list_meetings(
        self,
        *,
        meeting_type: str | None = None,
        state: str | None = None,
        from_: datetime | None = None,
        to: datetime | None = None,
        host_email: str | None = None,
        site_url: str | None = None,
        max_per_page: int = 100,
    ) -> Listing[RestMeeting]:
        """``GET /meetings`` and every page after it. ``meeting_type`` is
        ``meetingSeries`` (the API's default), ``scheduledMeeting`` or ``meeting``.

        Raises:
            WebexError: the first page failed; later failures give an incomplete listing.
        """
        params = _query(
            meetingType=meeting_type,
            state=state,
            hostEmail=host_email,
            siteUrl=site_url,
            max=max_per_page,
            **{"from": from_, "to": to},
        )
        return await collect(self.transport, "meetings", params, parse_meeting)

    async def get_meeting(self, meeting_id: str, *, host_email: str | None = None) -> RestMeeting:
        """``GET /meetings/{id}`` (a series, occurrence or instance id)."""
        path = f"meetings/{_segment(meeting_id)}"
        return parse_meeting(await self._one("GET", path, params=_query(hostEmail=host_email)))

    async def create_meeting(self, fields: MeetingFields) -> RestMeeting:
        """``POST /meetings``: the new series (``meetingSeries``, ``active``)."""
        return parse_meeting(await self._one("POST", "meetings", body=fields.json()))

    async def update_meeting(self, meeting_id: str, fields: MeetingFields) -> RestMeeting:
        """``PUT /meetings/{id}`` of a series or occurrence: the changed meeting."""
        path = f"meetings/{_segment(meeting_id)}"
        return parse_meeting(await self._one("PUT", path, body=fields.json()))

    async def delete_meeting(
        self, meeting_id: str, *, host_email: str | None = None, send_email: bool | None = None
    ) -> None:
        """``DELETE /meetings/{id}`` (204).

        Raises:
            RestNotFoundError: the meeting is already gone.
        """
        params = _query(hostEmail=host_email, sendEmail=send_email)
        await self._one("DELETE", f"meetings/{_segment(meeting_id)}", params=params)

    async def list_participants(
        self, meeting_id: str, *, host_email: str | None = None, max_per_page: int = 100
    ) -> Listing[RestParticipant]:
        """``GET /meetingParticipants?meetingId=…`` and every page after it."""
        params = _query(meetingId=meeting_id, hostEmail=host_email, max=max_per_page)
        return await collect(self.transport, "meetingParticipants", params, parse_participant)

    # Webhooks ---------------------------------------------------------------

    async def list_webhooks(self, *, owned_by: str | None = None) -> Listing[RestWebhook]:
        """``GET /webhooks`` (``owned_by="org"``: only the org-wide ones)."""
        params = _query(ownedBy=owned_by, max=_PAGE)
        return await collect(self.transport, "webhooks", params, parse_webhook)

    async def get_webhook(self, webhook_id: str) -> RestWebhook:
        return parse_webhook(await self._one("GET", f"webhooks/{_segment(webhook_id)}"))

    async def create_webhook(
        self,
        *,
        name: str,
        target_url: str,
        resource: str,
        event: str,
        filter: str | None = None,
        secret: str | None = None,
        owned_by: str | None = None,
    ) -> RestWebhook:
        """``POST /webhooks``: the registered webhook."""
        body = {"name": name, "targetUrl": target_url, "resource": resource, "event": event}
        extra = {"filter": filter, "secret": secret, "ownedBy": owned_by}
        body.update({k: v for k, v in extra.items() if v is not None})
        return parse_webhook(await self._one("POST", "webhooks", body=body))

    async def update_webhook(
        self,
        webhook_id: str,
        *,
        name: str,
        target_url: str,
        secret: str | None = None,
        status: str | None = None,
    ) -> RestWebhook:
        """``PUT /webhooks/{id}``; ``status="active"`` re-enables a disabled one
        (the only status change the API allows)."""
        body = {"name": name, "targetUrl": target_url}
        extra = {"secret": secret, "status": status}
        body.update({k: v for k, v in extra.items() if v is not None})
        path = f"webhooks/{_segment(webhook_id)}"
        return parse_webhook(await self._one("PUT", path, body=body))

    async def delete_webhook(self, webhook_id: str) -> None:
        """``DELETE /webhooks/{id}`` (204).

        Raises:
            RestNotFoundError: no such webhook (or not this token's).
        """
        await self._one("DELETE", f"webhooks/{_segment(webhook_id)}")

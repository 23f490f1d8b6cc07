"""The REST backend's commands half: :class:`adapters.webex.port.WebexMeetings`
over ``POST/GET/PUT/DELETE /meetings`` and ``/meetingParticipants``.

Rules:

1. A meeting's key is its ``meetingNumber``; the series behind it comes from
   the shared :class:`~.index.MeetingIndex` (filled by the feed, by creates,
   and from the store at start). A key the index does not hold is not found.
2. Create: ``title``, ``start``/``end`` written in the request's zone with
   ``timezone`` its IANA name, ``enableAutomaticLock`` with
   ``automaticLockMinutes``, ``unlockedMeetingJoinSecurity``, ``hostEmail`` =
   the requester when the token may act for others, ``siteUrl`` when set.
   The REST API has no private meeting type: ``private`` is
   ``publicMeeting: false``, and the index remembers the meeting as private
   (``publicMeeting`` false is also every meeting's default, so it tells
   nothing), so the core keeps its title out of channels.
3. Delete is ``DELETE`` (204); a 404 is :class:`~adapters.errors.NotFoundError`.
   A start Webex finds in the past is :class:`~adapters.errors.StartInPastError`.
4. Live state: the series' state (``inProgress`` while an instance runs) and,
   while it runs, presence from its participants (the series id names its
   last instance).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.errors import NotFoundError, RestApiError, StartInPastError
from adapters.webex.models import (
    Capabilities,
    CreatedMeeting,
    ExternalAttendeeSecurity,
    LiveState,
    MeetingDetails,
    MeetingRequest,
)
from adapters.webex.rest.client import MeetingFields, RestClient, RestMeeting

from .feed.observe import presence
from .index import MeetingIndex

__all__ = ["RestMeetings"]

_SECURITY = {
    ExternalAttendeeSecurity.ALLOW_JOIN: "allowJoin",
    ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY: "allowJoinWithLobby",
    ExternalAttendeeSecurity.BLOCK_FROM_JOIN: "blockFromJoin",
}
_FROM_SECURITY = {wire: value for value, wire in _SECURITY.items()}


class RestMeetings:
    """What the commands need, over the REST API (rules above).

    Args:
        client: the REST client (shared with the feed: one token, one 429 gate).
        index: meeting numbers and their series.
        site_url: the site the calls name, or None.
        act_for_hosts: the token is an admin's: ``hostEmail`` names the host.
    """

    def __init__(
        self,
        client: RestClient,
        index: MeetingIndex,
        *,
        site_url: str | None = None,
        act_for_hosts: bool = True,
    ) -> None:
        self._client = client
        self._index = index
        self._site_url = site_url
        self._act_for_hosts = act_for_hosts

    async def capabilities(self) -> Capabilities:
        """Any REST meeting can be made private (``publicMeeting: false``)."""
        return Capabilities(site_name=self._site_url or "", private_meetings=True)

    def _fields(self, request: MeetingRequest) -> MeetingFields:
        start = request.start.astimezone(request.zone)
        locking = request.auto_lock_minutes is not None
        security = request.external_attendee_security
        return MeetingFields(
            title=request.title,
            start=start,
            end=start + timedelta(minutes=request.duration_minutes),
            timezone=request.zone.key,
            enable_automatic_lock=locking,
            automatic_lock_minutes=request.auto_lock_minutes if locking else None,
            unlocked_meeting_join_security=None if security is None else _SECURITY[security],
            public_meeting=False if request.private else None,
            password=request.password,
            host_email=request.host if self._act_for_hosts else None,
            site_url=self._site_url,
        )

    async def create_meeting(self, request: MeetingRequest) -> CreatedMeeting:
        """``POST /meetings`` (rule 2)."""
        fields = self._fields(request)
        if request.private:
            # Its created webhook may come back before this answer does.
            self._index.expect_private(fields.title, fields.start)
        made = None
        try:
            made = await self._client.create_meeting(fields)
        except RestApiError as e:
            if _in_past(e):
                raise StartInPastError(str(e)) from e
            raise
        finally:
            if request.private:
                number = None if made is None else made.meeting_number
                self._index.created_private(fields.title, fields.start, number)
        if not made.meeting_number:
            raise NotFoundError("the created meeting has no meeting number")
        self._index.learn(made.meeting_number, made.id)
        return CreatedMeeting(
            meeting_key=made.meeting_number,
            meeting_uuid=made.id,
            password=made.password,
            attendee_url=made.web_link,
        )

    def _series(self, meeting_key: str) -> str:
        series = self._index.series(meeting_key)
        if series is None:
            raise NotFoundError(f"meeting {meeting_key} is not known")
        return series

    async def update_meeting(self, meeting_key: str, request: MeetingRequest) -> None:
        """``PUT /meetings/{series}`` with the request's fields."""
        try:
            await self._client.update_meeting(self._series(meeting_key), self._fields(request))
        except RestApiError as e:
            if _in_past(e):
                raise StartInPastError(str(e)) from e
            raise

    async def get_meeting(self, meeting_key: str) -> MeetingDetails:
        """``GET /meetings/{series}``."""
        meeting = await self._client.get_meeting(self._series(meeting_key))
        private = bool(self._index.private(meeting_key, None, None))
        return _details(meeting_key, meeting, private=private)

    async def delete_meeting(self, meeting_key: str) -> None:
        """``DELETE /meetings/{series}`` (rule 3)."""
        await self._client.delete_meeting(self._series(meeting_key))

    async def live_state(self, meeting_key: str) -> LiveState:
        """The series' state and, while it runs, who is in it (rule 4)."""
        series = self._series(meeting_key)
        meeting = await self._client.get_meeting(series)
        running = meeting.state == "inProgress"
        host = attendees = None
        if running:
            roster = await self._client.list_participants(series)
            if roster.complete:
                host, attendees = presence(roster.items)
        minutes = _minutes(meeting)
        return LiveState(
            meeting_key=meeting_key,
            in_progress=running,
            host_present=host,
            attendees_present=attendees,
            private=bool(self._index.private(meeting_key, None, None)),
            title=meeting.title,
            host=meeting.host_email,
            host_email=meeting.host_email,
            start=meeting.start,
            duration_minutes=minutes,
            join_url=meeting.web_link,
        )

    async def close(self) -> None:
        await self._client.close()


def _in_past(error: RestApiError) -> bool:
    """Cisco's 400 "Parameter 'start' or 'end' is before current time"."""
    said = " ".join((error.message, *error.descriptions)).lower()
    return error.status == 400 and "before current time" in said


def _minutes(meeting: RestMeeting) -> int | None:
    if meeting.start is None or meeting.end is None:
        return None
    return round((meeting.end - meeting.start).total_seconds() / 60)


def _details(key: str, meeting: RestMeeting, *, private: bool) -> MeetingDetails:
    if meeting.start is None:
        raise NotFoundError(f"meeting {key} has no start")
    try:
        zone = ZoneInfo(meeting.timezone) if meeting.timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    security = meeting.unlocked_meeting_join_security
    return MeetingDetails(
        meeting_key=key,
        meeting_uuid=meeting.id,
        title=meeting.title or "",
        start=meeting.start,
        duration_minutes=_minutes(meeting) or 0,
        zone=zone,
        host=meeting.host_email or "",
        password=meeting.password,
        is_private=private,
        auto_lock=bool(meeting.enable_automatic_lock),
        auto_lock_minutes=meeting.automatic_lock_minutes,
        external_attendee_security=None if security is None else _FROM_SECURITY.get(security),
        join_url=meeting.web_link,
    )

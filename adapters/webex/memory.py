"""A Webex site held in memory, behind the commands' half of the port.

:class:`MemoryWebex` keeps its meetings in a dict and answers
:class:`~adapters.webex.port.WebexMeetings` from them, as httpx's
``MockTransport`` stands beside its network transports: no socket, no XML, no
JSON, and the same contract (tests/test_webex_contract.py runs one suite over
it and over every real backend). It suits tests of the command side, where
what matters is what the bot asked of Webex and what Webex answered.

Besides the port it has the site's own side, as the simulators do: meetings
put on the site directly and what happens in them (:meth:`schedule`,
:meth:`start`, :meth:`host_joins`, :meth:`attendee_joins`, :meth:`lock`,
:meth:`end` …), and a record of what reached it: every port call in
:attr:`calls`, each request created in :attr:`created`, each key deleted in
:attr:`deleted`. :meth:`fail` makes one operation raise a given error from then
on; :meth:`refuse_credentials` turns the account away.

A host is whatever identity the requests name (a webExID, an email); a meeting
whose request names none is the account's. Time is the ``clock`` it is given:
a meeting may not start at or before its now.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from adapters.errors import (
    CredentialsError,
    NotFoundError,
    PrivateMeetingUnsupportedError,
    StartInPastError,
)
from adapters.webex.models import (
    Capabilities,
    CreatedMeeting,
    ExternalAttendeeSecurity,
    LiveState,
    MeetingDetails,
    MeetingRequest,
)
from state.clock import Clock

__all__ = ["MemoryMeeting", "MemoryWebex"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryMeeting:
    """One meeting of the memory site: its schedule and what is happening in it."""

    key: str
    title: str
    start: datetime
    duration_minutes: int = 60
    zone: ZoneInfo | None = None
    host: str = ""
    password: str | None = None
    private: bool = False
    auto_lock_minutes: int | None = None
    external_attendee_security: ExternalAttendeeSecurity | None = None
    in_progress: bool = False
    host_present: bool = False
    attendees: int = 0
    locked: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


class MemoryWebex:
    """:class:`~adapters.webex.port.WebexMeetings` over meetings in a dict.

    Args:
        clock: the site's now (aware); starts at or before it are refused.
        site_name: what :meth:`capabilities` names.
        account: the bot's own account (an email): the host of a meeting whose
            request names none.
        private_meetings: whether the site allows private meetings.
        generated_password: the password the site gives a meeting created
            without one (a random one when None).
    """

    def __init__(
        self,
        *,
        clock: Clock,
        site_name: str = "acme",
        account: str = "meetbot@acme.example",
        private_meetings: bool = True,
        generated_password: str | None = None,
    ) -> None:
        self.clock = clock
        self.site_name = site_name
        self.account = account
        self.private_meetings = private_meetings
        self.generated_password = generated_password
        self.meetings: dict[str, MemoryMeeting] = {}
        self.calls: list[tuple[str, object]] = []
        self.created: list[MeetingRequest] = []
        self.deleted: list[str] = []
        self._errors: dict[str, Exception] = {}
        self._refused = False
        self._keys = count(900_000_001)

    # -- the site's own side ---------------------------------------------------

    def schedule(
        self,
        *,
        key: str | None = None,
        title: str = "",
        start: datetime | None = None,
        duration_minutes: int = 60,
        zone: ZoneInfo | None = None,
        host: str | None = None,
        password: str | None = None,
        private: bool = False,
        auto_lock_minutes: int | None = None,
        external_attendee_security: ExternalAttendeeSecurity | None = None,
    ) -> str:
        """Put a meeting on the site directly (no start check) and return its key.
        By default it starts an hour from the clock's now, hosted by the account."""
        key = key or str(next(self._keys))
        self.meetings[key] = MemoryMeeting(
            key=key,
            title=title or f"Meeting {key}",
            start=start or self.clock() + timedelta(hours=1),
            duration_minutes=duration_minutes,
            zone=zone,
            host=host or self.account,
            password=password,
            private=private,
            auto_lock_minutes=auto_lock_minutes,
            external_attendee_security=external_attendee_security,
        )
        return key

    def start(self, key: str) -> None:
        self.meetings[key] = replace(self.meetings[key], in_progress=True)

    def host_joins(self, key: str) -> None:
        """The host joins; the meeting starts if it has not."""
        self.meetings[key] = replace(self.meetings[key], in_progress=True, host_present=True)

    def host_leaves(self, key: str) -> None:
        self.meetings[key] = replace(self.meetings[key], host_present=False)

    def attendee_joins(self, key: str, count: int = 1) -> None:
        """Attendees join (waiting while the host is absent); the meeting starts."""
        meeting = self.meetings[key]
        self.meetings[key] = replace(meeting, in_progress=True, attendees=meeting.attendees + count)

    def attendee_leaves(self, key: str, count: int = 1) -> None:
        meeting = self.meetings[key]
        self.meetings[key] = replace(meeting, attendees=max(0, meeting.attendees - count))

    def lock(self, key: str) -> None:
        self.meetings[key] = replace(self.meetings[key], locked=True)

    def unlock(self, key: str) -> None:
        self.meetings[key] = replace(self.meetings[key], locked=False)

    def end(self, key: str) -> None:
        """The meeting ends; it stays on the site until deleted."""
        self.meetings[key] = replace(
            self.meetings[key], in_progress=False, host_present=False, attendees=0, locked=False
        )

    def refuse_credentials(self) -> None:
        """From now on every call is refused, as for an account whose password changed."""
        self._refused = True

    def fail(self, operation: str, error: Exception) -> None:
        """Make every later call of ``operation`` (a port method's name) raise ``error``:
        a :class:`~adapters.errors.WebexError`, or anything else to stand for a bug."""
        self._errors[operation] = error

    # -- the port --------------------------------------------------------------

    def _call(self, operation: str, argument: object) -> None:
        self.calls.append((operation, argument))
        if self._refused:
            raise CredentialsError("the site refused the account", operation=operation)
        if operation in self._errors:
            raise self._errors[operation]

    def _found(self, key: str, operation: str) -> MemoryMeeting:
        meeting = self.meetings.get(key.strip())
        if meeting is None:
            raise NotFoundError(f"no meeting {key}", operation=operation)
        return meeting

    def _check(self, request: MeetingRequest, operation: str) -> None:
        if request.start <= self.clock():
            raise StartInPastError("the start is not in the future", operation=operation)
        if request.private and not self.private_meetings:
            raise PrivateMeetingUnsupportedError()

    async def capabilities(self) -> Capabilities:
        self._call("capabilities", None)
        return Capabilities(site_name=self.site_name, private_meetings=self.private_meetings)

    async def create_meeting(self, request: MeetingRequest) -> CreatedMeeting:
        """Raises StartInPastError, PrivateMeetingUnsupportedError."""
        self._call("create_meeting", request)
        self._check(request, "create")
        self.created.append(request)
        password = request.password or self.generated_password or secrets.token_urlsafe(8)
        key = str(next(self._keys))
        host = request.host or self.account
        self.meetings[key] = _scheduled(key, request, host=host, password=password)
        return CreatedMeeting(
            meeting_key=key,
            password=password,
            host_url=self._url("host", key),
            attendee_url=self._url("join", key),
        )

    async def update_meeting(self, meeting_key: str, request: MeetingRequest) -> None:
        """Raises NotFoundError, StartInPastError, PrivateMeetingUnsupportedError."""
        self._call("update_meeting", (meeting_key, request))
        old = self._found(meeting_key, "update")
        self._check(request, "update")
        new = _scheduled(
            old.key,
            request,
            host=request.host or old.host,
            password=request.password or old.password,
        )
        self.meetings[old.key] = replace(
            new,
            in_progress=old.in_progress,
            host_present=old.host_present,
            attendees=old.attendees,
            locked=old.locked,
        )

    async def get_meeting(self, meeting_key: str) -> MeetingDetails:
        """Raises NotFoundError."""
        self._call("get_meeting", meeting_key)
        m = self._found(meeting_key, "get")
        return MeetingDetails(
            meeting_key=m.key,
            title=m.title,
            start=m.start,
            duration_minutes=m.duration_minutes,
            zone=m.zone,
            host=m.host,
            password=m.password,
            is_private=m.private,
            auto_lock=m.auto_lock_minutes is not None,
            auto_lock_minutes=m.auto_lock_minutes,
            external_attendee_security=m.external_attendee_security,
            join_url=self._url("join", m.key),
        )

    async def live_state(self, meeting_key: str) -> LiveState:
        """Raises NotFoundError."""
        self._call("live_state", meeting_key)
        m = self._found(meeting_key, "live state")
        return LiveState(
            meeting_key=m.key,
            in_progress=m.in_progress,
            host_present=m.in_progress and m.host_present,
            attendees_present=m.in_progress and m.attendees > 0,
            locked=m.in_progress and m.locked,
            private=m.private,
            title=m.title,
            host=m.host,
            host_email=m.host,
            start=m.start,
            duration_minutes=m.duration_minutes,
            join_url=self._url("join", m.key),
        )

    async def delete_meeting(self, meeting_key: str) -> None:
        """Raises NotFoundError."""
        self._call("delete_meeting", meeting_key)
        meeting = self._found(meeting_key, "delete")
        del self.meetings[meeting.key]
        self.deleted.append(meeting.key)

    async def close(self) -> None:
        self.calls.append(("close", None))

    def _url(self, action: str, key: str) -> str:
        return f"https://{self.site_name}.webex.test/{action}?meeting={key}&site={self.site_name}"


def _scheduled(
    key: str, request: MeetingRequest, *, host: str, password: str | None
) -> MemoryMeeting:
    """The meeting ``request`` schedules under ``key``, nothing happening in it yet."""
    return MemoryMeeting(
        key=key,
        title=request.title,
        start=request.start,
        duration_minutes=request.duration_minutes,
        zone=request.zone,
        host=host,
        password=password,
        private=request.private,
        auto_lock_minutes=request.auto_lock_minutes,
        external_attendee_security=request.external_attendee_security,
    )

"""A Webex client (both the port's commands half and the XML feed's source) that
records every call and answers from a small in-memory site.

For tests of the command side that need no XML: what matters there is which
calls reached Webex and with what. Errors can be scripted per operation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

from adapters.errors import NotFoundError, WebexError
from adapters.webex.models import (
    Capabilities,
    CreatedMeeting,
    LiveState,
    MeetingDetails,
    MeetingRequest,
)
from adapters.webex.xmlapi.models import (
    MeetingType,
    OpenSession,
    SessionInfo,
    SessionListing,
    SessionRef,
    SiteCapabilities,
    TimeZoneInfo,
)
from adapters.webex.xmlapi.sessions import live_state_of

NOT_FOUND = NotFoundError("Meeting does not exist", detail="060001")


@dataclass
class RecordingWebex:
    calls: list[tuple[str, object]] = field(default_factory=list)
    created: list[MeetingRequest] = field(default_factory=list)
    sessions: dict[str, SessionInfo] = field(default_factory=dict)
    meetings: dict[str, MeetingDetails] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    errors: dict[str, WebexError] = field(default_factory=dict)
    password: str = "s3cr&t<pw>"
    _keys: count[int] = field(default_factory=lambda: count(900000001))

    def _record(self, operation: str, argument: object) -> None:
        self.calls.append((operation, argument))
        if operation in self.errors:
            raise self.errors[operation]

    async def capabilities(self) -> Capabilities:
        self._record("capabilities", None)
        return Capabilities(site_name="acme")

    async def site_capabilities(self) -> SiteCapabilities:
        self._record("site_capabilities", None)
        return SiteCapabilities(site_name="acme")

    @asynccontextmanager
    async def urgent(self) -> AsyncIterator[None]:
        yield

    async def list_sessions(
        self,
        *,
        start_from: datetime,
        start_to: datetime,
        host_webex_id: str | None = None,
        in_progress_only: bool = False,
    ) -> SessionListing:
        self._record("list_sessions", (start_from, start_to, host_webex_id))
        return SessionListing(sessions=(), total=0, complete=True)

    async def list_open_sessions(self) -> tuple[OpenSession, ...]:
        self._record("list_open_sessions", None)
        return ()

    async def get_session_infos(self, refs: Sequence[SessionRef]) -> list[SessionInfo | WebexError]:
        self._record("get_session_infos", tuple(refs))
        return [self.sessions.get(r.key or "", NOT_FOUND) for r in refs]

    async def meeting_types(self) -> tuple[MeetingType, ...]:
        self._record("meeting_types", None)
        return ()

    async def time_zones(self) -> tuple[TimeZoneInfo, ...]:
        self._record("time_zones", None)
        return ()

    async def create_meeting(self, request: MeetingRequest) -> CreatedMeeting:
        self._record("create_meeting", request)
        self.created.append(request)
        key = str(next(self._keys))
        return CreatedMeeting(
            meeting_key=key,
            password=self.password,
            host_url=f"https://acme.webex.test/host/{key}",
            attendee_url=f"https://acme.webex.test/join/{key}?a=1&b=2",
        )

    async def update_meeting(self, meeting_key: str, request: MeetingRequest) -> None:
        self._record("update_meeting", (meeting_key, request))

    async def live_state(self, meeting_key: str) -> LiveState:
        self._record("live_state", meeting_key)
        if meeting_key not in self.sessions:
            raise NOT_FOUND
        return live_state_of(self.sessions[meeting_key])

    async def get_meeting(self, meeting_key: str) -> MeetingDetails:
        self._record("get_meeting", meeting_key)
        if meeting_key not in self.meetings:
            raise NOT_FOUND
        return self.meetings[meeting_key]

    async def delete_meeting(self, meeting_key: str) -> None:
        self._record("delete_meeting", meeting_key)
        self.deleted.append(meeting_key)

    async def close(self) -> None:
        self._record("close", None)

"""The narrow interface the rest of the bot uses to talk to Webex.

The XML API client is the first implementation; a REST API one will follow.
Implementations return :mod:`adapters.webex.models` values and raise
:mod:`adapters.errors` exceptions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from adapters.errors import WebexError
from adapters.webex.models import (
    CreatedMeeting,
    MeetingDetails,
    MeetingRequest,
    MeetingType,
    OpenSession,
    SessionInfo,
    SessionListing,
    SessionRef,
    SiteCapabilities,
    TimeZoneInfo,
)

__all__ = ["WebexSource"]


class WebexSource(Protocol):
    """One Webex site, seen through one account.

    Every method may raise :class:`adapters.errors.WebexError` subclasses; a
    :class:`~adapters.errors.WebexTransportError` is worth retrying later, a
    :class:`~adapters.errors.CredentialsError` never is.
    """

    async def site_capabilities(self) -> SiteCapabilities:
        """GetSite (cached after the first success)."""
        ...

    async def list_sessions(
        self,
        *,
        start_from: datetime,
        start_to: datetime,
        host_webex_id: str | None = None,
        in_progress_only: bool = False,
    ) -> SessionListing:
        """LstsummarySession over every page for sessions starting in
        [start_from, start_to], for one host or (host None) the whole site.
        Scheduled Personal Rooms are included where the site supports it.
        An empty result (000015) is an empty, complete listing.

        A listing that is not ``in_progress_only`` (discovery's) is background
        work: each of its pages waits for every other request of the account."""
        ...

    def urgent(self) -> AbstractAsyncContextManager[None]:
        """A scope for one live poll: while it is open no background request
        starts, so the poll's requests wait at most for the one in flight."""
        ...

    async def list_open_sessions(self) -> tuple[OpenSession, ...]:
        """LstOpenSession: every session in progress on the site, in one call."""
        ...

    async def get_session_infos(self, refs: Sequence[SessionRef]) -> list[SessionInfo | WebexError]:
        """GetSessionInfo for each ref, batched into as few requests as the site's
        bodyContent cap allows. The result is paired with ``refs`` by position;
        one failed item (e.g. NotFoundError) does not fail the others.

        Raises:
            SessionInfoBlockedError: the site answered HTTP 403 (hourly limit).
            WebexTransportError, CredentialsError, RateLimitedError: the whole
                request failed.
        """
        ...

    async def meeting_types(self) -> tuple[MeetingType, ...]:
        """LstMeetingType."""
        ...

    async def time_zones(self) -> tuple[TimeZoneInfo, ...]:
        """LstTimeZone."""
        ...

    async def create_meeting(self, request: MeetingRequest) -> CreatedMeeting:
        """CreateMeeting. Raises StartInPastError (060016),
        PrivateMeetingUnsupportedError."""
        ...

    async def set_meeting(self, meeting_key: str, request: MeetingRequest) -> None:
        """SetMeeting: replace the schedule and options of an existing meeting."""
        ...

    async def get_meeting(self, meeting_key: str) -> MeetingDetails:
        """GetMeeting. Raises NotFoundError (060001)."""
        ...

    async def delete_meeting(self, meeting_key: str) -> None:
        """DelMeeting. Raises NotFoundError (060001)."""
        ...

    async def close(self) -> None:
        """Release the HTTP session."""
        ...

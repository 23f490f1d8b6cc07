"""What the XML API's feed asks of the site: its listings and GetSessionInfo.

:class:`~adapters.webex.xmlapi.XmlApiClient` implements it beside the neutral
:class:`~adapters.webex.port.WebexMeetings`; the polling feed is written against
this protocol so that tests can stand a recording double in for the client.
Answers are :mod:`adapters.webex.xmlapi.models` values; failures are
:mod:`adapters.errors` (and :mod:`adapters.webex.xmlapi.errors`) exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from adapters.errors import WebexError
from adapters.webex.port import WebexMeetings
from adapters.webex.xmlapi.models import (
    ListingWindow,
    MeetingType,
    OpenSession,
    SessionInfo,
    SessionListing,
    SessionRef,
    SiteCapabilities,
    TimeZoneInfo,
)

__all__ = ["XmlSessionSource", "XmlWebex"]


class XmlSessionSource(Protocol):
    """One Webex site's XML API, seen through one account.

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

    async def list_live_sessions(self, windows: Sequence[ListingWindow]) -> list[SessionListing]:
        """The sessions in progress in each window (as ``list_sessions`` with
        ``in_progress_only``), one listing per window, in order.

        The windows' first pages are the bodyContents of one request, or of as
        few as the site's bodyContent cap allows, so many windows cost about
        one request's wait, not one per window. A window with more rows than
        one page is then paged alone (its listing is incomplete if it changed
        between its pages). 000015 in one bodyContent
        is an empty, complete listing of that window; any other failure of one
        window raises it."""
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


class XmlWebex(XmlSessionSource, WebexMeetings, Protocol):
    """The XML client as the composition root holds it: both halves' calls."""

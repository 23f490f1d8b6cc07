"""XmlApiClient: the Webex port's commands half (:class:`~adapters.webex.port.WebexMeetings`)
and what the XML feed asks of the site (:class:`~.source.XmlSessionSource`), over the
Webex Meetings XML API.

Public clients report that one account tolerates almost no concurrency, so
every request of one client takes its turn on one :class:`~.lane.Lane`: one
request in flight per account, many bodyContents per request instead.
Discovery's listing pages are background turns: any other request waiting
(a live poll, a command) goes first, and :meth:`XmlApiClient.urgent` holds
them back for a whole live poll.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from functools import partial
from types import TracebackType
from typing import Self

import aiohttp
from lxml import etree

from adapters.errors import (
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    PrivateMeetingUnsupportedError,
    WebexDecodeError,
    WebexError,
)
from adapters.webex.models import (
    Capabilities,
    CreatedMeeting,
    LiveState,
    MeetingDetails,
    MeetingRequest,
)
from adapters.webex.timezones import TimeZoneTable, default_table
from adapters.webex.xmlapi import requests as rq
from adapters.webex.xmlapi import responses as rs
from adapters.webex.xmlapi import sessions as ss
from adapters.webex.xmlapi.batching import DEFAULT_BATCH, BodyContentCap
from adapters.webex.xmlapi.credentials import Credentials
from adapters.webex.xmlapi.envelope import (
    FAILURE_ANSWERS,
    REQUEST_LEVEL_ERRORS,
    Outcome,
    split_outcomes,
)
from adapters.webex.xmlapi.errors import SessionInfoBlockedError, TooManyBodyContentError
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.lane import Lane
from adapters.webex.xmlapi.models import (
    MeetingType,
    OpenSession,
    SessionInfo,
    SessionListing,
    SessionRef,
    SessionSummary,
    SiteCapabilities,
    TimeZoneInfo,
)
from adapters.webex.xmlapi.rowmemo import RowMemo
from adapters.webex.xmlapi.transport import (
    CONNECT_TIMEOUT,
    PAGE_READ_TIMEOUT,
    READ_TIMEOUT,
    HttpSettings,
    post_xml,
)
from adapters.webex.xmlapi.xml import DEFAULT_MAX_BODY_BYTES, parse_document
from state.clock import Clock, utc_now

__all__ = ["DATE_SCOPE_ZONE_ID", "XmlApiClient"]

logger = logging.getLogger("meetbot.webex.xmlapi")

#: dateScope's timeZoneID. "GMT-12:00" (Etc/GMT+12) has no daylight saving, so
#: every local time in it names exactly one instant: neither the window we send
#: nor the startTime Webex returns in it (startTime follows dateScope's zone when
#: one is given) can fall into a DST gap or overlap.
DATE_SCOPE_ZONE_ID = 0


#: A guard against a server whose paging never ends; 10,000 pages of 500 rows is
#: far beyond any real site.
_MAX_PAGES = 10_000


class XmlApiClient:
    """One account on one Webex site. Implements :class:`~adapters.webex.port.WebexMeetings`
    and :class:`~adapters.webex.xmlapi.source.XmlSessionSource`.

    Args:
        url: the site's ``https://{site}.webex.com/WBXService/XMLService``.
        credentials: password or access token (see :class:`Credentials`).
        connect_timeout: seconds to connect, per request.
        read_timeout: seconds for a whole answer once connected, per request.
        page_read_timeout: the same for one discovery page (a background
            listing page), which a site assembles more slowly.
        max_body_bytes: responses larger than this are refused (UnsafeXmlError).
        page_size: LstsummarySession maximumNum.
        clock: aware UTC "now", for the GetSessionInfo block.
        time_zones: the site's zone table (default: the bundled one). Calling
            :meth:`time_zones` refreshes it from the site's LstTimeZone.
        body_content_limit: a cap learned earlier (see :attr:`body_content_limit`),
            to skip relearning it after a restart.
        body_content_batch: GetSessionInfo items per request while no cap is
            known; a 000053 refusal still teaches a smaller one.

    Every method raises only :mod:`adapters.errors` exceptions (and ValueError
    for requests that cannot be expressed in XML).
    """

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        page_read_timeout: float = PAGE_READ_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        page_size: int = 500,
        clock: Clock = utc_now,
        time_zones: TimeZoneTable | None = None,
        body_content_limit: int | None = None,
        body_content_batch: int = DEFAULT_BATCH,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._http = HttpSettings(
            url=url,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            page_read_timeout=page_read_timeout,
            max_body_bytes=max_body_bytes,
        )
        self._credentials = credentials
        self._page_size = page_size
        self._clock = clock
        self.zone_table = time_zones if time_zones is not None else default_table()
        self._lane = Lane()
        self._session: aiohttp.ClientSession | None = None
        self._ticket: str | None = None
        self._cap = BodyContentCap(body_content_limit, initial=body_content_batch)
        # Only the block of this bucket is used here (tokens are taken by the
        # callers before they ask); see use_budget.
        self._budget = SessionInfoBudget(hourly=0)
        self._site: SiteCapabilities | None = None
        self._site_denied = False  # GetSite answered 000001 (access denied)
        self._meeting_types: tuple[MeetingType, ...] | None = None
        # Listing rows already modelled, by their bytes: most rows of each
        # discovery cycle are the previous cycle's (see rowmemo.py).
        self._rows = RowMemo(max_rows=max(4 * page_size, 25_000))

    def __repr__(self) -> str:
        return f"XmlApiClient({self._http.url!r}, webex_id={self._credentials.webex_id!r})"

    @property
    def body_content_limit(self) -> int | None:
        """The site's bodyContent cap as learned from 000053, or None until then."""
        return self._cap.limit

    @property
    def row_memo_counts(self) -> tuple[int, int]:
        """Listing rows recalled from the row memo and rows read from XML, since
        start (hits, misses)."""
        return self._rows.hits, self._rows.misses

    @property
    def session_info_blocked_until(self) -> datetime | None:
        """When the site's last HTTP 403 block on GetSessionInfo ends (aware UTC),
        or None; calls before then raise SessionInfoBlockedError unsent."""
        return self._budget.blocked_until

    def use_budget(self, budget: SessionInfoBudget) -> None:
        """Keep the site's GetSessionInfo block in the account's one ``budget``
        (the one the feed and the commands take tokens from), so the block is
        held once: a 403 seen here empties it for every caller."""
        self._budget = budget

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the HTTP session; the client may not be used afterwards."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- the one request path ----------------------------------------------------

    async def _call(
        self, contents: Sequence[etree._Element], operation: str, *, session_info: bool = False
    ) -> list[Outcome]:
        """Send ``contents`` in one request; one outcome per content, in order.

        Raises:
            TooManyBodyContentError, RateLimitedError, CredentialsError: the whole
                request failed; and everything post_xml/parse_document raise.
        """
        body = await self._post(contents, operation, session_info=session_info)
        return self._outcomes(body, len(contents), operation)

    def urgent(self) -> AbstractAsyncContextManager[None]:
        """A scope in which no background request (discovery page) is started:
        the requests made inside follow each other, after at most the one
        background request in flight (see XmlSessionSource.urgent)."""
        return self._lane.urgent()

    async def _post(
        self,
        contents: Sequence[etree._Element],
        operation: str,
        *,
        session_info: bool,
        background: bool = False,
    ) -> bytes:
        """The raw answer to ``contents`` sent in one request; a ``background``
        request waits for every other one (see lane.py)."""
        async with self._lane.turn(background=background):
            if self._session is None:
                self._session = aiohttp.ClientSession()
            session = self._session
            token = self._credentials.access_token
            ticket = None if token is None else await self._ticket_locked(session, token)
            payload = rq.message(self._credentials, ticket, contents)
            logger.debug("%s: %d bodyContent, %d bytes", operation, len(contents), len(payload))
            return await post_xml(
                session,
                self._http,
                payload,
                session_info=session_info,
                clock=self._clock,
                page=background,
            )

    def _outcomes(self, body: bytes, sent: int, operation: str) -> list[Outcome]:
        """One outcome for each of the ``sent`` contents ``body`` answers (see _call)."""
        outcomes = split_outcomes(
            parse_document(body, max_bytes=self._http.max_body_bytes), operation
        )
        for outcome in outcomes:
            if isinstance(outcome, CredentialsError):
                self._ticket = None  # an expired ticket: fetch a new one next time
            if isinstance(outcome, REQUEST_LEVEL_ERRORS):
                raise outcome
        if len(outcomes) != sent:
            error = next((o for o in outcomes if isinstance(o, WebexError)), None)
            if error is not None:
                raise error
            raise WebexDecodeError(f"{operation}: {sent} requests, {len(outcomes)} answers")
        return outcomes

    async def _ticket_locked(self, session: aiohttp.ClientSession, token: str) -> str:
        """The sessionTicket for ``token``, from AuthenticateUser on first use.
        Called with the request lock held."""
        if self._ticket is None:
            payload = rq.message(self._credentials, None, [rq.authenticate_user(token)])
            body = await post_xml(
                session, self._http, payload, session_info=False, clock=self._clock
            )
            self._ticket = rs.session_ticket(self._answer(body, "AuthenticateUser"))
        return self._ticket

    async def _one(self, content: etree._Element, operation: str) -> etree._Element:
        body = await self._post([content], operation, session_info=False)
        return self._answer(body, operation)

    def _answer(self, body: bytes, operation: str) -> etree._Element:
        """The bodyContent answering a request of one content."""
        (outcome,) = self._outcomes(body, 1, operation)
        if isinstance(outcome, WebexError):
            raise outcome
        return outcome

    # --- site ------------------------------------------------------------------

    async def site_capabilities(self) -> SiteCapabilities:
        """GetSite, cached after the first success."""
        if self._site is None:
            self._site = rs.site_capabilities(await self._one(rq.get_site(), "GetSite"))
        return self._site

    async def meeting_types(self) -> tuple[MeetingType, ...]:
        """LstMeetingType, cached after the first success."""
        if self._meeting_types is None:
            content = await self._one(rq.lst_meeting_type(), "LstMeetingType")
            self._meeting_types = rs.meeting_types(content)
        return self._meeting_types

    async def meeting_type(self, type_id: int) -> MeetingType:
        """GetMeetingType. Raises NotFoundError when the site has no such type."""
        found = rs.meeting_types(await self._one(rq.get_meeting_type(type_id), "GetMeetingType"))
        if not found:
            raise NotFoundError(f"no meeting type {type_id}", operation="GetMeetingType")
        return found[0]

    async def time_zones(self) -> tuple[TimeZoneInfo, ...]:
        """LstTimeZone; the answer also refreshes :attr:`zone_table`."""
        rows = rs.time_zones(await self._one(rq.lst_time_zone(), "LstTimeZone"))
        self.zone_table.refresh(rows)
        return rows

    # --- sessions --------------------------------------------------------------

    async def _return_scheduled_pmr(self) -> bool:
        if self._site_denied:
            return False
        try:
            return (await self.site_capabilities()).supports_return_scheduled_pmr
        except REQUEST_LEVEL_ERRORS:
            raise  # refused credentials or a rate limit: the listing would fail too
        except FAILURE_ANSWERS as e:
            # An account that may not read GetSite still lists its own sessions;
            # it is not asked again (nor warned about) on every listing.
            self._site_denied = isinstance(e, AccessDeniedError)
            logger.warning("GetSite failed (%s); listing without returnScheduledPMR", e)
            return False

    async def list_sessions(
        self,
        *,
        start_from: datetime,
        start_to: datetime,
        host_webex_id: str | None = None,
        in_progress_only: bool = False,
    ) -> SessionListing:
        """LstsummarySession over every page (see XmlSessionSource.list_sessions)."""
        pmr = await self._return_scheduled_pmr()
        tz = self.zone_table
        window = (
            tz.to_webex(start_from, DATE_SCOPE_ZONE_ID),
            tz.to_webex(start_to, DATE_SCOPE_ZONE_ID),
        )
        rows: dict[str, SessionSummary] = {}
        total = 0
        next_start = 1
        complete = True
        for _ in range(_MAX_PAGES):
            content = rq.lst_summary_session(
                start_from=next_start,
                maximum=self._page_size,
                date_start=window[0],
                date_end=window[1],
                zone_id=DATE_SCOPE_ZONE_ID,
                host_webex_id=host_webex_id,
                in_progress_only=in_progress_only,
                return_scheduled_pmr=pmr,
            )
            try:
                body = await self._post(
                    [content],
                    "LstsummarySession",
                    session_info=False,
                    background=not in_progress_only,
                )
                page = ss.summary_page(
                    body,
                    partial(self._answer, operation="LstsummarySession"),
                    tz,
                    DATE_SCOPE_ZONE_ID,
                    self._rows,
                )
            except NotFoundError as e:
                if e.detail != "000015":
                    raise
                # 000015 is "no records": on page one an empty listing; later, the
                # listing shrank while we read it.
                complete = next_start == 1
                break
            if next_start == 1:
                total = page.total
            elif page.total != total:
                complete = False
            for row in page.sessions:
                rows.setdefault(row.session_key, row)
            if page.returned <= 0:
                break
            next_start = page.start_from + page.returned
            if next_start > page.total:
                break
        complete = complete and len(rows) == total
        return SessionListing(sessions=tuple(rows.values()), total=total, complete=complete)

    async def list_open_sessions(self) -> tuple[OpenSession, ...]:
        """LstOpenSession; 000015 is an empty answer."""
        try:
            content = await self._one(rq.lst_open_session(), "LstOpenSession")
        except NotFoundError as e:
            if e.detail == "000015":
                return ()
            raise
        return ss.open_sessions(content, self.zone_table)

    async def get_session_infos(self, refs: Sequence[SessionRef]) -> list[SessionInfo | WebexError]:
        """GetSessionInfo, batched under the learned bodyContent cap (see XmlSessionSource).

        A 000053 answer teaches the cap and the same refs are sent again in
        smaller batches. While the site blocks GetSessionInfo (HTTP 403), calls
        raise SessionInfoBlockedError without sending anything.
        """
        results: list[SessionInfo | WebexError] = []
        done = 0
        while done < len(refs):
            now = self._clock()
            until = self._budget.blocked_until
            if until is not None and self._budget.blocked(now):
                raise SessionInfoBlockedError(until)
            size = self._cap.batch_size(len(refs) - done)
            batch = refs[done : done + size]
            try:
                outcomes = await self._call(
                    [rq.get_session_info(r) for r in batch], "GetSessionInfo", session_info=True
                )
            except TooManyBodyContentError as e:
                limit = self._cap.learn(e, size)
                logger.warning("site accepts at most %d bodyContent per request", limit)
                continue
            except SessionInfoBlockedError as e:
                if self._budget.block(e.until, now):
                    logger.warning(
                        "GetSessionInfo blocked by the site until %s", e.until.isoformat()
                    )
                raise
            results += (ss.session_info_or_error(o, self.zone_table) for o in outcomes)
            done += size
        return results

    # --- meetings --------------------------------------------------------------

    async def capabilities(self) -> Capabilities:
        """GetSite (cached) for the site's name, LstMeetingType (cached) for whether
        one of its meeting types allows private meetings (None when it lists none):
        GetSite's meeting types do not say SupportPrivateMeeting."""
        site = await self.site_capabilities()
        types = await self.meeting_types()
        private = any(t.supports_private for t in types) if types else None
        return Capabilities(site_name=site.site_name, private_meetings=private)

    async def _meeting_type_for(self, request: MeetingRequest) -> int | None:
        """The site's default type, or for a private meeting the first type whose
        SupportPrivateMeeting is true."""
        if not request.private:
            return None
        private = [t for t in await self.meeting_types() if t.supports_private]
        if not private:
            raise PrivateMeetingUnsupportedError()
        return private[0].id

    async def _meeting_content(
        self, operation: str, request: MeetingRequest, meeting_key: str | None = None
    ) -> etree._Element:
        # The same zone when the table has it, else one with the same offset at
        # the start: the choice only decides which clock Webex shows it in.
        zone_id = self.zone_table.zone_id_for_iana(request.zone.key, now=request.start)
        return rq.meeting_content(
            operation,
            request,
            start_date=self.zone_table.to_webex(request.start, zone_id),
            zone_id=zone_id,
            meeting_type_id=await self._meeting_type_for(request),
            meeting_key=meeting_key,
            replace=meeting_key is not None,
        )

    async def create_meeting(self, request: MeetingRequest) -> CreatedMeeting:
        """CreateMeeting.

        Raises:
            StartInPastError: 060016.
            PrivateMeetingUnsupportedError: private asked for, no type supports it.
            ValueError: the title holds characters XML cannot carry.
        """
        content = await self._meeting_content("meeting.CreateMeeting", request)
        answer = await self._one(content, "CreateMeeting")
        return rs.created_meeting(answer, password=request.password)

    async def update_meeting(self, meeting_key: str, request: MeetingRequest) -> None:
        """SetMeeting. Raises NotFoundError, StartInPastError, PrivateMeetingUnsupportedError."""
        content = await self._meeting_content("meeting.SetMeeting", request, meeting_key)
        await self._one(content, "SetMeeting")

    async def get_meeting(self, meeting_key: str) -> MeetingDetails:
        """GetMeeting. Raises NotFoundError (060001)."""
        answer = await self._one(rq.get_meeting(meeting_key), "GetMeeting")
        return rs.meeting_details(answer, self.zone_table)

    async def live_state(self, meeting_key: str) -> LiveState:
        """GetSessionInfo for one meeting. Raises NotFoundError, and
        SessionInfoBlockedError (a RateLimitedError with ``until``) while the
        site blocks GetSessionInfo."""
        (answer,) = await self.get_session_infos([SessionRef.by_key(meeting_key)])
        if isinstance(answer, WebexError):
            raise answer
        return ss.live_state_of(answer)

    async def delete_meeting(self, meeting_key: str) -> None:
        """DelMeeting. Raises NotFoundError (060001)."""
        await self._one(rq.del_meeting(meeting_key), "DelMeeting")

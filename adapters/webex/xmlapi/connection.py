"""One account's connection to the XML API: the one request path and the site's
own answers (GetSite, meeting types, time zones).

Public clients report that one account tolerates almost no concurrency, so
every request of one connection takes its turn on one :class:`~.lane.Lane`:
one request in flight per account, many bodyContents per request instead.
Discovery's listing pages are background turns: any other request waiting
(a live poll, a command) goes first, and :meth:`XmlApiConnection.urgent`
holds them back for a whole live poll. The operations are built on it in
:mod:`.polling` (sessions) and :mod:`.client` (meetings).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from types import TracebackType
from typing import Self

import aiohttp
from lxml import etree

from adapters.errors import CredentialsError, NotFoundError, WebexDecodeError, WebexError
from adapters.webex.timezones import TimeZoneTable, default_table
from adapters.webex.xmlapi import requests as rq
from adapters.webex.xmlapi import responses as rs
from adapters.webex.xmlapi.batching import DEFAULT_BATCH, BodyContentCap
from adapters.webex.xmlapi.credentials import Credentials
from adapters.webex.xmlapi.envelope import REQUEST_LEVEL_ERRORS, Outcome, split_outcomes
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.lane import Lane
from adapters.webex.xmlapi.models import MeetingType, SiteCapabilities, TimeZoneInfo
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

__all__ = ["XmlApiConnection"]

logger = logging.getLogger("meetbot.webex.xmlapi")


class XmlApiConnection:
    """One account on one Webex site: its requests and the site's own answers.

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
        return f"{type(self).__name__}({self._http.url!r}, webex_id={self._credentials.webex_id!r})"

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

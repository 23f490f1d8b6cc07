"""The sessions half of the XML client: what the XML feed asks of the site
(:class:`~.source.XmlSessionSource`): LstsummarySession over every page,
LstOpenSession, and, batched under the bodyContent cap, the live poll's
in-progress listings (one page each) and GetSessionInfo.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from lxml import etree

from adapters.errors import AccessDeniedError, NotFoundError, WebexError
from adapters.webex.xmlapi import requests as rq
from adapters.webex.xmlapi import sessions as ss
from adapters.webex.xmlapi.connection import XmlApiConnection
from adapters.webex.xmlapi.envelope import FAILURE_ANSWERS, REQUEST_LEVEL_ERRORS
from adapters.webex.xmlapi.errors import SessionInfoBlockedError, TooManyBodyContentError
from adapters.webex.xmlapi.models import (
    ListingWindow,
    OpenSession,
    SessionInfo,
    SessionListing,
    SessionRef,
    SessionSummary,
)

__all__ = ["DATE_SCOPE_ZONE_ID", "XmlSessionCalls"]

logger = logging.getLogger("meetbot.webex.xmlapi")

#: dateScope's timeZoneID. "GMT-12:00" (Etc/GMT+12) has no daylight saving, so
#: every local time in it names exactly one instant: neither the window we send
#: nor the startTime Webex returns in it (startTime follows dateScope's zone when
#: one is given) can fall into a DST gap or overlap.
DATE_SCOPE_ZONE_ID = 0


_Item = TypeVar("_Item")
_Result = TypeVar("_Result")

#: A guard against a server whose paging never ends; 10,000 pages of 500 rows is
#: far beyond any real site.
_MAX_PAGES = 10_000


@dataclass(frozen=True, slots=True)
class _Query:
    """One LstsummarySession query as sent: its dateScope in Webex local times."""

    window: tuple[str, str]
    host: str | None
    in_progress_only: bool
    pmr: bool


class XmlSessionCalls(XmlApiConnection):
    """The session listings and look-ups of one account (see the module docstring)."""

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
        return await self._pages(
            _Query(self._window(start_from, start_to), host_webex_id, in_progress_only, pmr)
        )

    async def list_live_sessions(self, windows: Sequence[ListingWindow]) -> list[SessionListing]:
        """In-progress listings of ``windows``, one page each, as the bodyContents
        of as few requests as the learned cap allows (see
        XmlSessionSource.list_live_sessions).

        A 000053 answer teaches the cap and the same windows are sent again in
        smaller batches. A window whose one page is not all of it (``total``
        more than returned) is then paged alone, as :meth:`list_sessions` pages.
        """
        if not windows:
            return []
        pmr = await self._return_scheduled_pmr()
        queries = [
            _Query(self._window(w.start_from, w.start_to), w.host_webex_id, True, pmr)
            for w in windows
        ]

        async def send(batch: Sequence[_Query]) -> list[SessionListing]:
            body = await self._post(
                [self._content(q, 1) for q in batch], "LstsummarySession", session_info=False
            )
            answers = ss.summary_pages(
                body,
                partial(self._outcomes, sent=len(batch), operation="LstsummarySession"),
                self.zone_table,
                DATE_SCOPE_ZONE_ID,
                self._rows,
            )
            listings: list[SessionListing] = []
            for query, answer in zip(batch, answers, strict=True):
                if isinstance(answer, NotFoundError) and answer.detail == "000015":
                    listings.append(SessionListing(sessions=(), total=0, complete=True))
                elif isinstance(answer, WebexError):
                    raise answer
                else:
                    listings.append(await self._pages(query, first=answer))
            return listings

        return await self._in_batches(queries, send)

    async def _in_batches(
        self, items: Sequence[_Item], send: Callable[[Sequence[_Item]], Awaitable[list[_Result]]]
    ) -> list[_Result]:
        """``send`` over ``items`` in batches of the learned bodyContent cap, the
        results in order. A 000053 answer teaches the cap and the same items are
        sent again in smaller batches."""
        results: list[_Result] = []
        done = 0
        while done < len(items):
            size = self._cap.batch_size(len(items) - done)
            try:
                results += await send(items[done : done + size])
            except TooManyBodyContentError as e:
                limit = self._cap.learn(e, size)
                logger.warning("site accepts at most %d bodyContent per request", limit)
                continue
            done += size
        return results

    def _window(self, start_from: datetime, start_to: datetime) -> tuple[str, str]:
        """The dateScope of [start_from, start_to] in Webex local times."""
        to_webex = self.zone_table.to_webex
        return to_webex(start_from, DATE_SCOPE_ZONE_ID), to_webex(start_to, DATE_SCOPE_ZONE_ID)

    def _content(self, query: _Query, start: int) -> etree._Element:
        return rq.lst_summary_session(
            start_from=start,
            maximum=self._page_size,
            date_start=query.window[0],
            date_end=query.window[1],
            zone_id=DATE_SCOPE_ZONE_ID,
            host_webex_id=query.host,
            in_progress_only=query.in_progress_only,
            return_scheduled_pmr=query.pmr,
        )

    async def _pages(self, query: _Query, *, first: ss.Page | None = None) -> SessionListing:
        """Every page of ``query``, from ``first`` (page one, already read) when given."""
        rows: dict[str, SessionSummary] = {}
        total = 0
        next_start = 1
        complete = True
        for _ in range(_MAX_PAGES):
            if first is not None:
                page, first = first, None
            else:
                try:
                    body = await self._post(
                        [self._content(query, next_start)],
                        "LstsummarySession",
                        session_info=False,
                        background=not query.in_progress_only,
                    )
                    page = ss.summary_page(
                        body,
                        partial(self._answer, operation="LstsummarySession"),
                        self.zone_table,
                        DATE_SCOPE_ZONE_ID,
                        self._rows,
                    )
                except NotFoundError as e:
                    if e.detail != "000015":
                        raise
                    # 000015 is "no records": on page one an empty listing; later,
                    # the listing shrank while we read it.
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

        async def send(batch: Sequence[SessionRef]) -> list[SessionInfo | WebexError]:
            now = self._clock()
            until = self._budget.blocked_until
            if until is not None and self._budget.blocked(now):
                raise SessionInfoBlockedError(until)
            try:
                outcomes = await self._call(
                    [rq.get_session_info(r) for r in batch], "GetSessionInfo", session_info=True
                )
            except SessionInfoBlockedError as e:
                if self._budget.block(e.until, now):
                    logger.warning(
                        "GetSessionInfo blocked by the site until %s", e.until.isoformat()
                    )
                raise
            return [ss.session_info_or_error(o, self.zone_table) for o in outcomes]

        return await self._in_batches(refs, send)

"""The XML API's feed: two polling jobs that hand what the site says to the intake.

- ``discover`` (every ``discovery_interval``): LstsummarySession over
  [now - near_back, now + near_ahead], and every ``far_every`` cycles also over
  the rest, from now - lookback to now + lookahead, per watched host or
  site-wide. Only a
  complete listing is observed, with its :class:`~state.model.ListingScope`
  so the core counts absences (two in a row make a session gone), and only
  its rows that changed since the same listing last time are modelled and
  handed over, ``discovery_batch`` per batch, so a large change (the first
  start on a big site) never holds the store for long. Its pages are
  background requests: a live poll never waits for more than one. Sessions
  that just missed a listing are also looked up directly (GetSessionInfo,
  within the budget): only a NotFoundError there becomes a GONE
  observation, which settles it at once.
- ``poll_live`` (every ``poll_interval``): one in-progress listing covering
  every live or imminent session (status and presence for all of them; when
  a channel watches ``all``, site-wide even before discovery knows any, its
  window cut by start time into parts of one page each, since a listing
  that changes between its pages is ignored and a busy site changes every
  second; the parts, per-host listings too, are the bodyContents of one
  request, so the poll waits for one listing, not one per part; of its rows
  only those that changed since the last poll are modelled, so a quiet site
  costs little however many meetings run), then
  GetSessionInfo for as many of them as the budget allows, most valuable first,
  all inside the source's urgent scope (no discovery page starts meanwhile).

A job raises what the client raises (:mod:`adapters.errors`) and what the
intake raises (``StoreError``); the runner in ``bot/watch/`` counts failures,
backs off, pauses for a rate limit and stops after refused credentials. What a
job hands over before it fails is delivered. A GetSessionInfo block
(:class:`~adapters.webex.xmlapi.errors.SessionInfoBlockedError`) is handled
here: GetSessionInfo stops until its ``until`` while the listings carry on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from adapters.errors import CredentialsError, RateLimitedError, WebexError
from adapters.webex.port import FeedJob, Heartbeat, Intake, StoreView
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.feed.lookup import DirectLookups
from adapters.webex.xmlapi.feed.observe import (
    ended_observations,
    from_summary,
)
from adapters.webex.xmlapi.feed.plan import (
    ListingQuery,
    changed_rows,
    discovery_queries,
    hosts_to_check_open,
    live_candidates,
    live_queries,
    prune_by_open_sessions,
    refresh_candidates,
    resolve_hosts,
)
from adapters.webex.xmlapi.models import SessionSummary
from adapters.webex.xmlapi.source import XmlSessionSource
from state.clock import Clock
from state.model import Event, ListingScope, MeetingSnapshot, Observation

__all__ = ["FeedSettings", "HistoryView", "XmlFeed"]

log = logging.getLogger("meetbot.webex.xmlapi")


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSettings:
    """Intervals and windows of the XML feed (seconds unless a timedelta)."""

    discovery_interval: float = 60.0
    poll_interval: float = 20.0
    lookback: timedelta = timedelta(hours=24)
    lookahead: timedelta = timedelta(days=7)
    live_horizon: timedelta = timedelta(minutes=15)
    near_ahead: timedelta = timedelta(hours=24)
    #: What started longer ago than this and is not in progress (which the
    #: live poll watches) is listed only with the far parts.
    near_back: timedelta = timedelta(hours=2)
    far_every: int = 10
    discovery_batch: int = 500
    #: Known sessions per site-wide in-progress listing: the window is cut by
    #: start time so that each part fits one page (the client's is 500 rows)
    #: and cannot change between its pages.
    live_rows_per_query: int = 400

    def __post_init__(self) -> None:
        for name in ("discovery_interval", "poll_interval"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.near_back < timedelta(0) or self.near_ahead < timedelta(0):
            raise ValueError("near_back and near_ahead must not be negative")
        if self.far_every < 1 or self.discovery_batch < 1 or self.live_rows_per_query < 1:
            raise ValueError(
                "far_every, discovery_batch and live_rows_per_query must be at least 1"
            )


class HistoryView(StoreView, Protocol):
    """The store view, and how many meetings the core holds per state: a store
    without history takes its first look without announcing what already runs."""

    async def counts(self) -> dict[str, int]: ...


class XmlFeed:
    """:class:`adapters.webex.port.WebexFeed` of the XML API: polls one site.

    The jobs (:meth:`discover`, :meth:`poll_live`) can be called directly (tests
    drive them with a simulated clock) or run by a runner from :meth:`jobs`.
    Each returns the events the intake produced for it.

    Args:
        source: the Webex site.
        view: what the core knows (read-only).
        intake: the door every observation goes through.
        budget: the one GetSessionInfo bucket of this account.
        clock: returns the current aware UTC time.
        settings: intervals and windows.
    """

    def __init__(
        self,
        *,
        source: XmlSessionSource,
        view: HistoryView,
        intake: Intake,
        budget: SessionInfoBudget,
        clock: Clock,
        settings: FeedSettings | None = None,
    ) -> None:
        self._source = source
        self._view = view
        self._intake = intake
        self._clock = clock
        self.settings = settings or FeedSettings()
        self._lookups = DirectLookups(source=source, budget=budget, intake=intake, clock=clock)
        # Per listing (host, None = site-wide; the part of the window): its rows by
        # key, from its last complete run. Only changed rows are observed; and
        # only when a key vanishes can the store hold new suspects, so only
        # then is the absence check worth a read.
        self._listed: dict[tuple[str | None, str], dict[str, SessionSummary]] = {}
        self._far_due: datetime | None = None  # None: list the far part next cycle
        # The rows of the last live poll whose observations the store took: a
        # row that comes back the same says nothing new and is not modelled.
        self._live_rows: dict[str, SessionSummary] = {}
        # Set while a store without history takes its first look (Rule 2).
        self._settle_before: datetime | None = None
        # Both jobs start together and each awaits the first look: one reads.
        self._first_look_lock = asyncio.Lock()
        self._history_checked = False

    def jobs(self) -> Sequence[FeedJob]:
        """The two polling jobs. Timeouts are one interval, at least 10 s for the
        live poll and 300 s for discovery: a site-wide listing of a large site
        takes many slow pages, and cutting it short would only start it over (a
        run never overlaps the next). A live poll that comes due while the last
        one still runs starts right after it (a busy site's many pages may
        outlast a short interval); a discovery that does is skipped, as its runs
        on a large site take most of an interval. A successful discovery shows
        the site reachable for three discovery intervals."""
        s = self.settings
        discovery = timedelta(seconds=s.discovery_interval)
        poll = timedelta(seconds=s.poll_interval)
        return (
            FeedJob(
                name="discover",
                interval=discovery,
                run=self.discover,
                timeout=max(discovery, timedelta(seconds=300)),
                heartbeat=Heartbeat(
                    within=3 * discovery,
                    detail="listed the site",
                    expired="no successful listing for three discovery intervals",
                ),
            ),
            FeedJob(
                name="poll_live",
                interval=poll,
                run=self.poll_live,
                timeout=max(poll, timedelta(seconds=10)),
                catch_up=True,
            ),
        )

    async def _first_look(self, now: datetime) -> None:
        """Once per process: if the store knows no meeting yet, what already runs
        is recorded without an announcement until the site has been looked at
        once (the first complete live poll or discovery cycle), so a first start
        on a big site queues no stale "started" for every meeting in progress."""
        async with self._first_look_lock:
            if self._history_checked:
                return
            counts = await self._view.counts()
            self._history_checked = True
            if not any(n for name, n in counts.items() if name.startswith("meetings_")):
                self._settle_before = now
                log.info("a store without history: meetings already running are not announced")

    async def discover(self, now: datetime) -> list[Event]:
        """One discovery cycle at ``now``."""
        await self._first_look(now)
        any_all, hosts, meetings = await self._view.watched()
        site_wide = any_all
        if not any_all and (meetings or any("@" in h for h in hosts)):
            # Listings filter by webExID only: emails and meeting keys are
            # resolved through what the store knows, site-wide until it knows.
            hosts, unresolved = resolve_hosts(
                hosts, meetings, await self._view.snapshots(active_only=True)
            )
            site_wide = bool(unresolved)
        s = self.settings
        far = self._far_due is None or now >= self._far_due
        queries = discovery_queries(
            any_all=site_wide,
            hosts=hosts,
            now=now,
            lookback=s.lookback,
            lookahead=s.lookahead,
            near_ahead=s.near_ahead,
            near_back=s.near_back,
            far=far,
        )
        events: list[Event] = []
        scopes: list[ListingScope] = []
        failed: WebexError | None = None
        looked = 0  # complete listings
        for query in queries:
            try:
                found, scope, complete = await self._discover_one(query)
            except (CredentialsError, RateLimitedError):
                raise
            except WebexError as e:
                # One host's failure says nothing about the others' listings.
                failed = e
                continue
            events += found
            looked += complete
            if scope is not None:
                scopes.append(scope)
        events += await self._confirm_missing(scopes, now)
        if failed is None and queries and looked == len(queries):
            # Only a cycle that listed something complete is a first look: one
            # run before anything is watched (no subscription yet) is not.
            self._settle_before = None
        if far and failed is None:
            self._far_due = now + timedelta(seconds=s.discovery_interval * s.far_every)
        if failed is not None:
            raise failed  # what did succeed went through the intake: it is delivered
        return events

    async def _confirm_missing(self, scopes: list[ListingScope], now: datetime) -> list[Event]:
        """Look up sessions that just missed a complete listing (GetSessionInfo,
        within the budget): not found ends or cancels them now rather than a
        discovery cycle later, and found resets their absence count.
        ``scopes`` holds only listings from which something vanished (or the
        first of each since start, as the store may remember older absences)."""
        if not scopes or self._lookups.blocked(now):
            return []
        suspects = [
            s.key
            for s in await self._view.snapshots(active_only=True)
            if s.missed_listings > 0 and any(scope.covers(s) for scope in scopes)
        ]
        return await self._lookups.confirm(suspects, now, settle_before=self._settle_before)

    async def _discover_one(
        self, query: ListingQuery
    ) -> tuple[list[Event], ListingScope | None, bool]:
        """One complete listing, observed. Returns its events, its scope when
        a session may have gone missing from it (None otherwise), and whether
        the listing was complete."""
        listing = await self._source.list_sessions(
            start_from=query.start_from,
            start_to=query.start_to,
            host_webex_id=query.host_webex_id,
        )
        if not listing.complete:
            log.warning(
                "incomplete session listing for %s (%d of %d rows); ignored this cycle",
                query.host_webex_id or "the site",
                len(listing.sessions),
                listing.total,
            )
            return [], None, False
        scope = ListingScope(
            start_from=query.start_from,
            start_to=query.start_to,
            host_id=query.host_webex_id,
        )
        name = (query.host_webex_id, query.part)
        seen_at = self._clock()  # what it says is known from now (a listing may take minutes)
        listed = {row.session_key: row for row in listing.sessions}
        before = self._listed.pop(name, None)  # gone until this run is observed
        changed = [from_summary(row) for row in changed_rows(listing.sessions, before)]
        # Chunks commit one by one, the last with the scope, so the live poll
        # and the dispatcher wait for one chunk at most.
        batch = self.settings.discovery_batch
        events: list[Event] = []
        for start in range(0, len(changed), batch):
            events += await self._intake.observe(
                changed[start : start + batch],
                now=seen_at,
                settle_running_before=self._settle_before,
            )
        events += await self._intake.observe(
            [],
            now=seen_at,
            listing=scope,
            listed=listed,
            settle_running_before=self._settle_before,
        )
        self._listed[name] = listed
        vanished = before is None or any(
            key not in listed and query.start_from <= row.start < query.start_to
            for key, row in before.items()
        )
        return events, scope if vanished else None, True

    async def poll_live(self, now: datetime) -> list[Event]:
        """One live poll at ``now``."""
        await self._first_look(now)
        self._lookups.reopen(now)
        candidates = live_candidates(
            await self._view.live_snapshots(now, self.settings.live_horizon),
            now=now,
            horizon=self.settings.live_horizon,
        )
        any_all, _ = await self._view.watched_hosts()
        if not candidates and not any_all:
            return []
        async with self._source.urgent():
            events, seen = await self._poll_listing(candidates, any_all=any_all, now=now)
            # Rank on what the listing just said (e.g. attendees now waiting)
            # without reading every snapshot back from the store.
            refreshed = refresh_candidates(candidates, seen)
            return events + await self._lookups.poll(
                refreshed, now, settle_before=self._settle_before
            )

    async def _poll_listing(
        self, candidates: list[MeetingSnapshot], *, any_all: bool, now: datetime
    ) -> tuple[list[Event], dict[str, Observation]]:
        """One complete in-progress listing per query, observed together; returns
        the events and the observations by key (none when a listing was partial)."""
        s = self.settings
        queries = live_queries(
            candidates,
            any_all=any_all,
            now=now,
            lookback=s.lookback,
            horizon=s.live_horizon,
            rows_per_query=s.live_rows_per_query,
        )
        idle = hosts_to_check_open(queries, candidates)
        if idle:
            queries = await self._prune_by_open_sessions(queries, idle)
        rows: dict[str, SessionSummary] = {}
        # Every part's first page in one request (or as few as the cap allows).
        listings = await self._source.list_live_sessions([q.window for q in queries])
        for listing in listings:
            if not listing.complete:
                log.warning("incomplete in-progress listing; this live poll is ignored")
                return [], {}
            for row in listing.sessions:
                rows.setdefault(row.session_key, row)
        listed_hosts = {q.host_webex_id for q in queries}
        covered = [c for c in candidates if None in listed_hosts or c.host_id in listed_hosts]
        # Absences count against every listing of this poll together: the parts
        # of a cut window cover it, whichever part a session showed in.
        before, self._live_rows = self._live_rows, {}  # gone until this poll is observed
        observations = [from_summary(row) for row in changed_rows(rows.values(), before)]
        observations += ended_observations(covered, rows)
        events = (
            await self._intake.observe(
                observations, now=self._clock(), settle_running_before=self._settle_before
            )
            if observations
            else []
        )
        self._live_rows = rows
        self._settle_before = None  # the site has been looked at once
        return events, {o.key: o for o in observations}

    async def _prune_by_open_sessions(
        self, queries: list[ListingQuery], idle: frozenset[str]
    ) -> list[ListingQuery]:
        """``queries`` less the idle hosts LstOpenSession shows nothing open for;
        all of them when LstOpenSession fails (the listings still work)."""
        try:
            open_sessions = await self._source.list_open_sessions()
        except (CredentialsError, RateLimitedError):
            raise
        except WebexError as e:
            log.info("LstOpenSession failed (%s); listing every host this poll", e)
            return queries
        return prune_by_open_sessions(queries, idle, (o.host_webex_id for o in open_sessions))

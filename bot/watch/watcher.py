"""The watcher: three periodic jobs that turn Webex answers into store events.

- ``discover`` (every ``discovery_interval``): LstsummarySession over
  [now - lookback, now + near_ahead], and every ``far_every`` cycles also over
  the rest up to now + lookahead, per watched host or site-wide. Only a
  complete listing is observed, with its :class:`~state.model.ListingScope`
  so the store counts absences (two in a row make a session gone), and only
  its rows that changed since the same listing last time are modelled and
  written, ``discovery_batch`` per transaction, so a large change (the first
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
  second; of its rows only those that changed since the last poll are
  modelled, so a quiet site costs little however many meetings run), then
  GetSessionInfo for as many of them as the budget allows, most valuable first,
  all inside the source's urgent scope (no discovery page starts meanwhile).
- ``remind`` (every ``tick_interval``): ``store.tick`` so starting_soon fires
  from the schedule at its time. A short fixed tick was chosen over one
  date job per meeting: it needs no bookkeeping when meetings move or the
  process restarts, and the store call is cheap when nothing is due.

Faults never escape a job: a failed or partial poll observes nothing, the
job backs off with jitter, and recovery is logged. CredentialsError stops
all polling (retrying would lock the account); RateLimitedError pauses every
Webex call for its ``retry_after``; SessionInfoBlockedError stops
GetSessionInfo until its ``until`` while the listings carry on.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapters.errors import CredentialsError, NotFoundError, RateLimitedError, WebexError
from adapters.webex.port import Intake
from adapters.webex.xmlapi.errors import SessionInfoBlockedError
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.feed.observe import (
    ended_observations,
    from_session_info,
    from_summary,
    not_found,
)
from adapters.webex.xmlapi.feed.plan import (
    ListingQuery,
    changed_rows,
    discovery_queries,
    hosts_to_check_open,
    live_candidates,
    live_queries,
    prune_by_open_sessions,
    rank_for_session_info,
    refresh_candidates,
    resolve_hosts,
)
from adapters.webex.xmlapi.models import SessionInfo, SessionRef, SessionSummary
from adapters.webex.xmlapi.source import XmlSessionSource
from bot.backoff import Backoff
from bot.health import FailureStreak, HealthRegistry
from bot.intake import CoreIntake
from bot.watch.schedule import JobSpec, Scheduler
from state.clock import Clock
from state.errors import StoreError
from state.model import Event, ListingScope, MeetingSnapshot, Observation, Rules
from state.store import Store

__all__ = ["WatchSettings", "Watcher"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchSettings:
    """Intervals and windows of the watcher (seconds unless a timedelta)."""

    discovery_interval: float = 60.0
    poll_interval: float = 20.0
    tick_interval: float = 5.0
    lookback: timedelta = timedelta(hours=24)
    lookahead: timedelta = timedelta(days=7)
    live_horizon: timedelta = timedelta(minutes=15)
    near_ahead: timedelta = timedelta(hours=24)
    far_every: int = 10
    discovery_batch: int = 500
    #: Known sessions per site-wide in-progress listing: the window is cut by
    #: start time so that each part fits one page (the client's is 500 rows)
    #: and cannot change between its pages.
    live_rows_per_query: int = 400
    backoff: Backoff = field(default_factory=lambda: Backoff(base=5.0, cap=600.0))

    def __post_init__(self) -> None:
        for name in ("discovery_interval", "poll_interval", "tick_interval"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.far_every < 1 or self.discovery_batch < 1 or self.live_rows_per_query < 1:
            raise ValueError(
                "far_every, discovery_batch and live_rows_per_query must be at least 1"
            )


@dataclass(slots=True)
class _Health:
    #: The job's failed runs in a row; logs its recovery.
    streak: FailureStreak
    not_before: datetime | None = None


class Watcher:
    """Polls one Webex site for the store.

    The job methods (:meth:`discover`, :meth:`poll_live`, :meth:`remind`) can be
    called directly (tests drive them with a simulated clock) or registered
    on a :class:`~bot.watch.schedule.Scheduler` with :meth:`install`. Each returns
    the events it produced and never raises a Webex or store error.

    Args:
        source: the Webex site.
        store: the meeting store.
        rules: lifecycle rules passed to every store call.
        budget: the one GetSessionInfo bucket of this account.
        clock: returns the current aware UTC time.
        settings: intervals and windows.
        intake: the door every observation goes through (it stores them, wakes
            the dispatcher, counts the events); by default one on ``store``
            with ``rules`` and ``on_events``.
        on_events: without ``intake``: called with every non-empty list of new
            events; must not raise.
        draw: random numbers in [0, 1) for backoff jitter.
        health: where ``webex`` (a heartbeat per successful discovery, expiring
            after three discovery intervals; failing for good once the
            credentials are refused) and ``database`` (failing on a store
            error, ok again when a job commits events) are reported.
    """

    def __init__(
        self,
        *,
        source: XmlSessionSource,
        store: Store,
        rules: Rules,
        budget: SessionInfoBudget,
        clock: Clock,
        settings: WatchSettings | None = None,
        on_events: Callable[[Sequence[Event]], None] | None = None,
        intake: Intake | None = None,
        draw: Callable[[], float] = random.random,
        health: HealthRegistry | None = None,
    ) -> None:
        self._source = source
        self._store = store
        self._budget = budget
        self._clock = clock
        self.settings = settings or WatchSettings()
        self._intake: Intake = (
            intake
            if intake is not None
            else CoreIntake(store=store, rules=rules, on_events=on_events)
        )
        self._draw = draw
        self._reports = health
        self._health: dict[str, _Health] = {}
        self._webex_not_before: datetime | None = None
        self._halted = False
        self._last_asked: dict[str, datetime] = {}
        # Per listing (host, None = site-wide; near or far part): its rows by
        # key, from its last complete run. Only changed rows are observed; and
        # only when a key vanishes can the store hold new suspects, so only
        # then is the absence check worth a read.
        self._listed: dict[tuple[str | None, bool], dict[str, SessionSummary]] = {}
        self._far_due: datetime | None = None  # None: list the far part next cycle
        # The rows of the last live poll whose observations the store took: a
        # row that comes back the same says nothing new and is not modelled.
        self._live_rows: dict[str, SessionSummary] = {}
        # Set while a store without history takes its first look (Rule 2).
        self._settle_before: datetime | None = None
        self._history_checked = False

    # -- state for operators and tests -----------------------------------
    @property
    def halted(self) -> bool:
        """True once the site refused the credentials: nothing polls any more."""
        return self._halted

    def halt(self) -> None:
        """Stop every Webex poll until restart: the site refused the credentials
        elsewhere (the start's sign-in), and a poll would only try them again."""
        self._halted = True

    def failures(self, job: str) -> int:
        """Consecutive failed runs of ``job`` ("discover", "poll_live", "remind")."""
        health = self._health.get(job)
        return 0 if health is None else health.streak.count

    def install(self, scheduler: Scheduler) -> None:
        """Register the three jobs. Timeouts are one interval, at least 10 s for
        the live poll and 300 s for discovery: a site-wide listing of a large
        site takes many slow pages, and cutting it short would only start it
        over (a run never overlaps the next, which just waits)."""
        s = self.settings
        scheduler.add(
            JobSpec(
                name="discover",
                interval=s.discovery_interval,
                timeout=max(s.discovery_interval, 300.0),
            ),
            self.discover,
        )
        scheduler.add(
            JobSpec(name="poll_live", interval=s.poll_interval, timeout=max(s.poll_interval, 10.0)),
            self.poll_live,
        )
        scheduler.add(JobSpec(name="remind", interval=s.tick_interval, jitter=0.0), self.remind)

    # -- the jobs --------------------------------------------------------
    async def discover(self) -> list[Event]:
        """One discovery cycle."""
        return await self._guarded("discover", self._discover, webex=True)

    async def poll_live(self) -> list[Event]:
        """One live poll."""
        return await self._guarded("poll_live", self._poll_live, webex=True)

    async def remind(self) -> list[Event]:
        """Fire what the schedule says is due (starting_soon)."""
        return await self._guarded("remind", self._remind, webex=False)

    async def _guarded(
        self,
        job: str,
        body: Callable[[datetime], Awaitable[list[Event]]],
        *,
        webex: bool,
    ) -> list[Event]:
        now = self._clock()
        health = self._health.get(job)
        if health is None:
            health = self._health[job] = _Health(streak=FailureStreak(job, logger=log))
        if webex and (self._halted or self._paused(now)):
            return []
        if health.not_before is not None and now < health.not_before:
            return []
        events: list[Event] = []
        try:
            events = await body(now)
        except CredentialsError as e:
            self._halted = True
            log.error("Webex refused the credentials (%s); polling stopped until restart", e)
            if self._reports is not None:
                self._reports.report(
                    "webex", ok=False, detail=f"credentials refused ({e}); polling stopped"
                )
            return []
        except RateLimitedError as e:
            self._webex_not_before = now + timedelta(seconds=e.retry_after)
            log.warning("Webex rate limit reached; pausing Webex calls for %g s", e.retry_after)
            return []
        except (WebexError, StoreError) as e:
            if isinstance(e, StoreError) and self._reports is not None:
                self._reports.report("database", ok=False, detail=str(e))
            in_a_row = health.streak.failed()
            wait = self.settings.backoff.delay(in_a_row, self._draw())
            health.not_before = now + timedelta(seconds=wait)
            log.warning("%s failed (%d in a row), next try in %.0f s: %s", job, in_a_row, wait, e)
            return []
        health.streak.succeeded()
        health.not_before = None
        self._report_success(job, events)
        return events

    def _report_success(self, job: str, events: list[Event]) -> None:
        if self._reports is None:
            return
        if events:
            self._reports.report("database", ok=True, detail=f"{job} committed its events")
        if job == "discover":
            self._reports.beat(
                "webex",
                within=timedelta(seconds=3 * self.settings.discovery_interval),
                detail="listed the site",
                expired="no successful listing for three discovery intervals",
            )

    def _paused(self, now: datetime) -> bool:
        if self._webex_not_before is None:
            return False
        if now < self._webex_not_before:
            return True
        self._webex_not_before = None
        log.info("Webex rate-limit pause is over")
        return False

    async def _first_look(self, now: datetime) -> None:
        """Once per process: if the store knows no meeting yet, what already runs
        is recorded without an announcement until the site has been looked at
        once (the first complete live poll or discovery cycle), so a first start
        on a big site queues no stale "started" for every meeting in progress."""
        if self._history_checked:
            return
        counts = await self._store.counts()
        self._history_checked = True
        if not any(n for name, n in counts.items() if name.startswith("meetings_")):
            self._settle_before = now
            log.info("a store without history: meetings already running are not announced")

    async def _remind(self, now: datetime) -> list[Event]:
        return await self._intake.tick(now=now)

    async def _discover(self, now: datetime) -> list[Event]:
        await self._first_look(now)
        any_all, hosts, meetings = await self._store.watched()
        site_wide = any_all
        if not any_all and (meetings or any("@" in h for h in hosts)):
            # Listings filter by webExID only: emails and meeting keys are
            # resolved through what the store knows, site-wide until it knows.
            hosts, unresolved = resolve_hosts(
                hosts, meetings, await self._store.snapshots(active_only=True)
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
            far=far,
        )
        events: list[Event] = []
        scopes: list[ListingScope] = []
        failed: WebexError | None = None
        for query in queries:
            try:
                found, scope = await self._discover_one(query)
            except (CredentialsError, RateLimitedError):
                raise
            except WebexError as e:
                # One host's failure says nothing about the others' listings.
                failed = e
                continue
            events += found
            if scope is not None:
                scopes.append(scope)
        events += await self._confirm_missing(scopes, now)
        if failed is None:
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
        if not scopes or self._budget.blocked(now):
            return []
        suspects = [
            s.key
            for s in await self._store.snapshots(active_only=True)
            if s.missed_listings > 0 and any(scope.covers(s) for scope in scopes)
        ]
        granted = self._budget.take(len(suspects), now) if suspects else 0
        if granted == 0:
            return []
        return await self._session_infos(suspects[:granted], now)

    async def _discover_one(self, query: ListingQuery) -> tuple[list[Event], ListingScope | None]:
        """One complete listing, observed. Returns its events and its scope when
        a session may have gone missing from it (None otherwise)."""
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
            return [], None
        scope = ListingScope(
            start_from=query.start_from,
            start_to=query.start_to,
            host_webex_id=query.host_webex_id,
        )
        name = (query.host_webex_id, query.far)
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
        return events, scope if vanished else None

    async def _poll_live(self, now: datetime) -> list[Event]:
        await self._first_look(now)
        if self._budget.unblock_if_over(now):
            log.info("GetSessionInfo block is over; polling sessions directly again")
        candidates = live_candidates(
            await self._store.live_snapshots(now, self.settings.live_horizon),
            now=now,
            horizon=self.settings.live_horizon,
        )
        any_all, _ = await self._store.watched_hosts()
        if not candidates and not any_all:
            return []
        async with self._source.urgent():
            events, seen = await self._poll_listing(candidates, any_all=any_all, now=now)
            # Rank on what the listing just said (e.g. attendees now waiting)
            # without reading every snapshot back from the store.
            refreshed = refresh_candidates(candidates, seen)
            return events + await self._poll_session_info(refreshed, now)

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
        covered: dict[str, MeetingSnapshot] = {}
        for query in queries:
            listing = await self._source.list_sessions(
                start_from=query.start_from,
                start_to=query.start_to,
                host_webex_id=query.host_webex_id,
                in_progress_only=True,
            )
            if not listing.complete:
                log.warning("incomplete in-progress listing; this live poll is ignored")
                return [], {}
            for row in listing.sessions:
                rows.setdefault(row.session_key, row)
            covered.update(
                (c.key, c)
                for c in candidates
                if query.host_webex_id is None or c.host_webex_id == query.host_webex_id
            )
        # Absences count against every listing of this poll together: the parts
        # of a cut window cover it, whichever part a session showed in.
        before, self._live_rows = self._live_rows, {}  # gone until this poll is observed
        observations = [from_summary(row) for row in changed_rows(rows.values(), before)]
        observations += ended_observations(covered.values(), rows)
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

    async def _poll_session_info(
        self, candidates: list[MeetingSnapshot], now: datetime
    ) -> list[Event]:
        # Forget sessions that left the live set, so the map stays small.
        live = {c.key for c in candidates}
        for key in [k for k in self._last_asked if k not in live]:
            del self._last_asked[key]
        ranked = rank_for_session_info(candidates, self._last_asked)
        granted = self._budget.take(len(ranked), now)
        if granted == 0:
            return []
        chosen = ranked[:granted]
        return await self._session_infos([c.key for c in chosen], now)

    async def _session_infos(self, keys: list[str], now: datetime) -> list[Event]:
        """GetSessionInfo for ``keys`` (tokens already taken) and observe the answers."""
        try:
            answers = await self._source.get_session_infos([SessionRef.by_key(k) for k in keys])
        except SessionInfoBlockedError as e:
            if self._budget.block(e.until, now):
                log.warning(
                    "GetSessionInfo blocked by the site until %s; working from listings",
                    e.until.isoformat(),
                )
            return []
        observations: list[Observation] = []
        for key, answer in zip(keys, answers, strict=True):
            if isinstance(answer, SessionInfo):
                self._last_asked[key] = now
                observations.append(from_session_info(answer))
            elif isinstance(answer, NotFoundError):
                self._last_asked[key] = now
                observations.append(not_found(key))
            else:
                log.info("GetSessionInfo for one session failed: %s", answer)
        if not observations:
            return []
        return await self._intake.observe(
            observations, now=self._clock(), settle_running_before=self._settle_before
        )

"""The REST feed's periodic jobs, as :class:`adapters.webex.port.FeedJob` values.

- ``webhooks`` (every :data:`HOOK_CHECK`): keep the webhooks registered; after
  a re-activation, a new registration or a failed check (a gap in which
  deliveries may have been lost) the two sweeps run at once.
- ``sweep_live`` (the poll interval): what runs now and who is in it; meetings
  the core believes in progress that no listing shows are asked directly.
- ``sweep_schedule`` (the discovery interval): the upcoming schedule of the
  token's own account and of every host the core knows or a channel names;
  what the core holds scheduled that a complete listing no longer shows is
  asked directly (a lost deletion).

Schedule sweeps coalesce: one asked for while another runs waits for it, and
one that started no more than :data:`JUST_SWEPT` (at most half the discovery
interval) before the request satisfies it. At launch the webhook check's
catch-up and the job's first run would otherwise both list every page.

Webhooks carry the live signal; these are the safety net, so in steady state
the periodic sweeps are the only REST calls. That is also why none of them
sets :attr:`~adapters.webex.port.FeedJob.catch_up`: a sweep that outlasts its
interval is skipped until the next one rather than run again at once. How
soon a change reaches a channel depends on the webhook, not on the sweep, and
sweeps run back to back would only spend the account's rate limit on pages
(a schedule sweep lists every page of every watched host).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from adapters.webex.port import FeedJob, Heartbeat, StoreView

from .feed import RestFeed

__all__ = ["HOOK_CHECK", "SCHEDULE_TIMEOUT", "RestFeedJobs"]

#: How often the webhook registration is checked (Webex disables silently).
HOOK_CHECK = timedelta(minutes=5)
#: The least time one run may take (a sweep lists every page).
MIN_TIMEOUT = timedelta(seconds=30)
#: The least time a run that sweeps the schedule may take: it lists every page
#: of every watched host (about 37 s at 10,000 meetings), which may well exceed
#: a short discovery interval. A run that outlasts its interval is not
#: overlapped; a run that comes due meanwhile is skipped.
SCHEDULE_TIMEOUT = timedelta(minutes=10)
#: A schedule sweep that started this recently satisfies another request.
JUST_SWEPT = timedelta(seconds=30)


class RestFeedJobs:
    """:class:`adapters.webex.port.WebexFeed` of the REST backend.

    Args:
        feed: the REST feed (its deliveries come through the inbox, not here).
        view: what the core knows (read-only).
        poll_interval: how often ``sweep_live`` runs.
        discovery_interval: how often ``sweep_schedule`` runs.
        hook_interval: how often the webhook registration is checked.
    """

    def __init__(
        self,
        feed: RestFeed,
        view: StoreView,
        *,
        poll_interval: timedelta,
        discovery_interval: timedelta,
        hook_interval: timedelta = HOOK_CHECK,
    ) -> None:
        self.feed = feed
        self._view = view
        self._poll = poll_interval
        self._discovery = discovery_interval
        self._hooks = hook_interval
        self._fresh = min(JUST_SWEPT, discovery_interval / 2)
        self._schedule_lock = asyncio.Lock()
        #: When the last schedule sweep that succeeded started.
        self._swept_at: datetime | None = None

    def jobs(self) -> Sequence[FeedJob]:
        """The three jobs, each allowed one interval and at least 30 s, and those
        that may sweep the schedule (``webhooks`` after a gap, ``sweep_schedule``)
        at least :data:`SCHEDULE_TIMEOUT`; a live sweep that succeeds shows Webex
        reachable for three poll intervals."""

        def job(
            name: str,
            interval: timedelta,
            run: Callable[[datetime], Awaitable[None]],
            least: timedelta = MIN_TIMEOUT,
        ) -> FeedJob:
            return FeedJob(
                name=name,
                interval=interval,
                run=run,
                timeout=max(interval, least),
                heartbeat=(
                    Heartbeat(
                        within=3 * interval,
                        detail="swept what runs",
                        expired="no successful live sweep for three poll intervals",
                    )
                    if name == "sweep_live"
                    else None
                ),
            )

        return (
            job("webhooks", self._hooks, self.check_webhooks, SCHEDULE_TIMEOUT),
            job("sweep_live", self._poll, self.sweep_live),
            job("sweep_schedule", self._discovery, self.sweep_schedule, SCHEDULE_TIMEOUT),
        )

    async def check_webhooks(self, now: datetime) -> None:
        """Register; sweep after any gap (a failed check counts as one)."""
        try:
            await self.feed.register(now)
        except BaseException:
            self.feed.sweep_wanted = True
            raise
        if self.feed.sweep_wanted:
            await self.sweep_live(now)
            await self.sweep_schedule(now)

    async def sweep_live(self, now: datetime) -> None:
        live = [s for s in await self._view.live_snapshots(now, timedelta(0)) if s.in_progress]
        await self.feed.sweep_live(
            now, believed_live=[s.key for s in live], held={s.key: s for s in live}
        )

    async def sweep_schedule(self, now: datetime) -> None:
        """Sweep the schedule, unless a sweep running or just done covers ``now``."""
        async with self._schedule_lock:
            if self._swept_at is not None and self._swept_at >= now - self._fresh:
                return
            await self._sweep_schedule(now)
            self._swept_at = now

    async def _sweep_schedule(self, now: datetime) -> None:
        _, hosts = await self._view.watched_hosts()
        snapshots = await self._view.snapshots(now=now)
        known = {s.host_email for s in snapshots if s.host_email}
        await self.feed.sweep_schedule(now, hosts={*hosts, *known}, held=snapshots)

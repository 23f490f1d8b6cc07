"""The XML API's feed on the job runner: what polls one site over the XML API.

:class:`Watcher` puts the XML feed (:mod:`adapters.webex.xmlapi.feed.feed`:
``discover`` and ``poll_live``) and the core's reminder on one
:class:`~bot.watch.runner.FeedRunner`, which counts failures, backs off,
pauses for a rate limit, stops after refused credentials and reports health.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from adapters.webex.port import Intake
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.feed.feed import FeedSettings, XmlFeed
from adapters.webex.xmlapi.source import XmlSessionSource
from bot.backoff import Backoff
from bot.health import HealthRegistry
from bot.intake import CoreIntake
from bot.watch.runner import REMIND, FeedRunner
from bot.watch.schedule import Scheduler
from state.clock import Clock
from state.model import Event, Rules
from state.store import Store

__all__ = ["WatchSettings", "Watcher"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchSettings(FeedSettings):
    """The feed's intervals and windows, the reminder's tick (seconds) and the
    backoff after failed runs."""

    tick_interval: float = 5.0
    backoff: Backoff = field(default_factory=lambda: Backoff(base=5.0, cap=600.0))

    def __post_init__(self) -> None:
        FeedSettings.__post_init__(self)
        if self.tick_interval <= 0:
            raise ValueError("tick_interval must be positive")


class Watcher:
    """Polls one Webex site for the store, over the XML API.

    The job methods (:meth:`discover`, :meth:`poll_live`, :meth:`remind`) can be
    called directly (tests drive them with a simulated clock) or registered
    on a :class:`~bot.watch.schedule.Scheduler` with :meth:`install`. Each returns
    the events it produced and never raises a Webex or store error.

    Args:
        source: the Webex site.
        store: the meeting store (read through the feed's view).
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
        self.settings = settings or WatchSettings()
        door: Intake = (
            intake
            if intake is not None
            else CoreIntake(store=store, rules=rules, on_events=on_events)
        )
        self.feed = XmlFeed(
            source=source,
            view=store,
            intake=door,
            budget=budget,
            clock=clock,
            settings=self.settings,
        )
        self.runner = FeedRunner(
            self.feed.jobs(),
            intake=door,
            clock=clock,
            tick_interval=self.settings.tick_interval,
            backoff=self.settings.backoff,
            draw=draw,
            health=health,
        )

    @property
    def halted(self) -> bool:
        """True once the site refused the credentials: nothing polls any more."""
        return self.runner.halted

    def halt(self) -> None:
        """Stop every Webex poll until restart (see :meth:`FeedRunner.halt`)."""
        self.runner.halt()

    def failures(self, job: str) -> int:
        """Consecutive failed runs of ``job`` ("discover", "poll_live", "remind")."""
        return self.runner.failures(job)

    def install(self, scheduler: Scheduler) -> None:
        """Register the three jobs (see :meth:`XmlFeed.jobs`)."""
        self.runner.install(scheduler)

    async def discover(self) -> list[Event]:
        """One discovery cycle."""
        return await self.runner.run("discover")

    async def poll_live(self) -> list[Event]:
        """One live poll."""
        return await self.runner.run("poll_live")

    async def remind(self) -> list[Event]:
        """Fire what the schedule says is due (starting_soon)."""
        return await self.runner.run(REMIND)

"""Runs any feed's jobs, and the core's reminders, with failure counting,
health and backoff.

A feed (:class:`adapters.webex.port.WebexFeed`) only says what to run and how
often; :class:`FeedRunner` decides what a failure means, the same for every
backend:

- a CredentialsError stops every Webex job until restart (retrying would lock
  the account) and reports ``webex`` failing for good;
- a RateLimitedError pauses every Webex job for its ``retry_after``;
- any other WebexError or a StoreError backs the failed job off with jitter
  (a StoreError also reports ``database`` failing); recovery is logged once
  (:class:`bot.health.FailureStreak`);
- a success reports ``database`` ok when it produced events, and beats the
  job's :class:`~adapters.webex.port.Heartbeat` if it has one.

Faults never escape a run. ``remind`` (every ``tick_interval``) is the core's:
``intake.tick`` so starting_soon fires from the schedule at its time. A short
fixed tick was chosen over one date job per meeting: it needs no bookkeeping
when meetings move or the process restarts, and the call is cheap when
nothing is due.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from adapters.errors import CredentialsError, RateLimitedError, WebexError
from adapters.webex.port import FeedJob, Intake
from bot.backoff import Backoff
from bot.health import FailureStreak, HealthRegistry
from bot.watch.schedule import JobSpec, Scheduler
from state.clock import Clock
from state.errors import StoreError
from state.model import Event

__all__ = ["REMIND", "FeedRunner", "Refusal"]

log = logging.getLogger(__name__)

#: The name of the core's reminder job.
REMIND = "remind"


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """How the one log line after refused credentials names them and what to fix."""

    what: str = "the credentials"
    fix: str = ""


@dataclass(slots=True)
class _Job:
    spec: FeedJob | None  # None: the reminder (no Webex call)
    streak: FailureStreak
    not_before: datetime | None = field(default=None)


class FeedRunner:
    """Runs ``jobs`` (a feed's) and the reminder, guarded (module docstring).

    :meth:`run` runs one job once (tests drive it with a simulated clock);
    :meth:`install` puts every job on a :class:`~bot.watch.schedule.Scheduler`.

    Args:
        jobs: the feed's jobs.
        intake: whose ``tick`` the reminder runs.
        clock: returns the current aware UTC time.
        tick_interval: seconds between reminders.
        backoff: the delay after a job's n-th failure in a row.
        draw: random numbers in [0, 1) for backoff jitter.
        health: where ``webex`` and ``database`` are reported.
        refused: what the log line after refused credentials says.
    """

    def __init__(
        self,
        jobs: Sequence[FeedJob],
        *,
        intake: Intake,
        clock: Clock,
        tick_interval: float = 5.0,
        backoff: Backoff | None = None,
        draw: Callable[[], float] = random.random,
        health: HealthRegistry | None = None,
        refused: Refusal | None = None,
    ) -> None:
        self._refused = refused or Refusal()
        self._intake = intake
        self._clock = clock
        self._tick = tick_interval
        self._backoff = backoff or Backoff(base=5.0, cap=600.0)
        self._draw = draw
        self._reports = health
        self._jobs = {job.name: _Job(job, FailureStreak(job.name, logger=log)) for job in jobs}
        self._jobs[REMIND] = _Job(None, FailureStreak(REMIND, logger=log))
        self._webex_not_before: datetime | None = None
        self._halted = False

    @property
    def halted(self) -> bool:
        """True once the site refused the credentials: no Webex job runs any more."""
        return self._halted

    def halt(self) -> None:
        """Stop every Webex job until restart: the site refused the credentials
        elsewhere (the start's sign-in), and a job would only try them again."""
        self._halted = True

    def failures(self, job: str) -> int:
        """Consecutive failed runs of ``job``."""
        entry = self._jobs.get(job)
        return 0 if entry is None else entry.streak.count

    def install(self, scheduler: Scheduler) -> None:
        """Register every job at its interval (the reminder without jitter), a
        feed job catching up on a run that came due while it ran when it asks to
        (:attr:`~adapters.webex.port.FeedJob.catch_up`)."""
        for name, job in self._jobs.items():
            if job.spec is None:
                spec = JobSpec(name=name, interval=self._tick, jitter=0.0)
            else:
                timeout = job.spec.timeout
                spec = JobSpec(
                    name=name,
                    interval=job.spec.interval.total_seconds(),
                    timeout=None if timeout is None else timeout.total_seconds(),
                    catch_up=job.spec.catch_up,
                )
            scheduler.add(spec, partial(self.run, name))

    async def run(self, name: str) -> list[Event]:
        """Run job ``name`` once at ``clock()``; returns the events it produced
        (none when it failed, was skipped or returns none)."""
        now = self._clock()
        job = self._jobs[name]
        webex = job.spec is not None
        if webex and (self._halted or self._paused(now)):
            return []
        if job.not_before is not None and now < job.not_before:
            return []
        try:
            if job.spec is None:
                events = list(await self._intake.tick(now=now))
            else:
                events = list(await job.spec.run(now) or ())
        except CredentialsError as e:
            self._halt_refused(e)
            return []
        except RateLimitedError as e:
            self._webex_not_before = now + timedelta(seconds=e.retry_after)
            log.warning("Webex rate limit reached; pausing Webex calls for %g s", e.retry_after)
            return []
        except (WebexError, StoreError) as e:
            if isinstance(e, StoreError) and self._reports is not None:
                self._reports.report("database", ok=False, detail=str(e))
            failures = job.streak.failed()
            wait = self._backoff.delay(failures, self._draw())
            job.not_before = now + timedelta(seconds=wait)
            log.warning("%s failed (%d in a row), next try in %.0f s: %s", name, failures, wait, e)
            return []
        job.streak.succeeded()
        job.not_before = None
        self._report_success(job, name, events)
        return events

    def _halt_refused(self, error: CredentialsError) -> None:
        """Stop every Webex job; log once (jobs running together may each meet
        the refusal) and report ``webex`` failing for good."""
        if not self._halted:
            self._halted = True
            fix = f": {self._refused.fix}" if self._refused.fix else ""
            log.error(
                "Webex refused %s (%s); polling stopped until restart%s",
                self._refused.what,
                error,
                fix,
            )
        if self._reports is not None:
            self._reports.report(
                "webex", ok=False, detail=f"credentials refused ({error}); polling stopped"
            )

    def _report_success(self, job: _Job, name: str, events: list[Event]) -> None:
        if self._reports is None:
            return
        if events:
            self._reports.report("database", ok=True, detail=f"{name} committed its events")
        beat = job.spec.heartbeat if job.spec is not None else None
        if beat is not None:
            self._reports.beat(
                "webex", within=beat.within, detail=beat.detail, expired=beat.expired
            )

    def _paused(self, now: datetime) -> bool:
        if self._webex_not_before is None:
            return False
        if now < self._webex_not_before:
            return True
        self._webex_not_before = None
        log.info("Webex rate-limit pause is over")
        return False

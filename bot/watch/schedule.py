"""Periodic jobs on APScheduler 3.x, behind a small interface. The only module
that imports apscheduler.

APScheduler's defaults do not suit a poller, so every job here gets:

- ``coalesce=True`` and at most one run at a time: a slow run is never
  overlapped, and runs missed meanwhile collapse into one;
- a choice of what happens to a run that comes due while the previous one
  still runs (:attr:`JobSpec.catch_up`): by default it is skipped and the job
  next runs one interval later (right for a job whose runs may take most of
  an interval, which would otherwise run back to back); a catch-up job runs it
  as soon as the previous one ends, so a live poll that overran is late by
  its overrun, not by a whole interval;
- ``misfire_grace_time`` of about one interval: the default (1 s) silently
  skips a run that starts late, e.g. after the loop was busy;
- jitter, so jobs started together drift apart;
- a timeout inside the job, so a hung request cannot hold the only instance;
- its own error handling: a job never raises into APScheduler (which would
  only log it), it counts consecutive failures and logs the recovery.

Each run's lag (from when it was due to when it started: a busy loop, or a
run of the same job still going) and duration go to the ``on_run`` observer
(the metrics).

How a catch-up works. APScheduler still times every run: a default job has
``max_instances=1``, so a fire that finds it running is refused by the
executor (``EVENT_JOB_MAX_INSTANCES``, which we log) and the trigger moves on
to the next interval. A catch-up job has ``max_instances=2``: the second
instance finds the first one still going, only records when it was due (the
earliest such time, so several fires make one catch-up, measured from the
first of them) and returns at once; the running instance, when its run ends,
runs once more with that due time as its lag's start. Both happen on the
loop thread with no await between the check and the flag, so no due run is
lost and none runs twice. Every round is a run like any other: its own
timeout, failures counted the same, and none starts once :meth:`stop` was
called.

``AsyncIOScheduler.start()`` binds the running loop, so :meth:`Scheduler.start`
must be called from a coroutine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.health import FailureStreak
from state.clock import utc_now

__all__ = ["JobObserver", "JobSpec", "JobStats", "Scheduler"]

log = logging.getLogger(__name__)

JobFunc = Callable[[], Awaitable[object]]
#: Called after every run with the job's name, its lag (seconds from when the
#: run was due, jitter included, to when it started) and its duration.
JobObserver = Callable[[str, float, float], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSpec:
    """How one periodic job runs.

    Attributes:
        name: unique id, used in logs.
        interval: seconds between runs.
        timeout: seconds one run may take before it is cancelled (default: the
            interval).
        jitter: up to this many seconds are added to each run time (default: a
            tenth of the interval).
        run_now: make the first run right after start, not one interval later.
        catch_up: a run that comes due while the previous one still runs starts
            as soon as that one ends (at most one, however many came due),
            instead of being skipped until the next interval.
    """

    name: str
    interval: float
    timeout: float | None = None
    jitter: float | None = None
    run_now: bool = True
    catch_up: bool = False

    def __post_init__(self) -> None:
        if self.interval <= 0:
            raise ValueError("a job interval must be positive")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("a job timeout must be positive")

    @property
    def effective_timeout(self) -> float:
        return self.timeout if self.timeout is not None else self.interval

    @property
    def effective_jitter(self) -> float:
        return self.jitter if self.jitter is not None else self.interval / 10


@dataclass(slots=True)
class JobStats:
    """Counters for one job, for health checks and tests."""

    #: The job's failed runs; logs its recovery.
    streak: FailureStreak
    runs: int = 0
    missed: int = 0
    #: Runs that came due while one was still going: skipped for a default job,
    #: folded into one catch-up for a catch-up job.
    overran: int = 0
    #: Runs started right after the previous one ended, as one came due meanwhile.
    caught_up: int = 0
    last_error: str = ""
    last_success: datetime | None = None
    last_lag: float = 0.0
    last_duration: float = 0.0

    @property
    def failures(self) -> int:
        """Failed runs ever."""
        return self.streak.total

    @property
    def consecutive_failures(self) -> int:
        """Failed runs since the last success."""
        return self.streak.count


@dataclass(slots=True)
class _Job:
    spec: JobSpec
    func: JobFunc
    stats: JobStats
    #: A run of this job is going (its instance loops for catch-ups).
    busy: bool = False
    #: When the earliest run that came due meanwhile was due (catch-up jobs).
    pending: datetime | None = None


class Scheduler:
    """Runs coroutine functions periodically on the running event loop.

    Jobs are registered with :meth:`add` before or after :meth:`start`;
    :meth:`stop` lets runs in progress finish (up to a grace period), then
    cancels them. A job function should make its own decisions about
    backoff: the scheduler only reports, times out and counts.
    """

    def __init__(self, on_run: JobObserver | None = None) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_listener(
            self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        )
        self._scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        self._on_run = on_run
        self._due: dict[str, datetime] = {}
        self._jobs: dict[str, _Job] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False

    @property
    def stats(self) -> dict[str, JobStats]:
        """Live counters by job name (read-only use)."""
        return {name: job.stats for name, job in self._jobs.items()}

    @property
    def specs(self) -> dict[str, JobSpec]:
        """How each job runs, by name."""
        return {name: job.spec for name, job in self._jobs.items()}

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def add(self, spec: JobSpec, func: JobFunc) -> None:
        """Register ``func`` to run every ``spec.interval`` seconds.

        Raises:
            ValueError: a job with that name exists.
        """
        if spec.name in self._jobs:
            raise ValueError(f"job {spec.name!r} is already scheduled")
        streak = FailureStreak(f"job {spec.name}", logger=log)
        job = _Job(spec=spec, func=func, stats=JobStats(streak=streak))
        self._jobs[spec.name] = job

        async def run() -> None:
            await self._run(job)

        first = utc_now() if spec.run_now else None
        self._scheduler.add_job(
            run,
            IntervalTrigger(seconds=spec.interval, jitter=spec.effective_jitter, timezone=UTC),
            id=spec.name,
            name=spec.name,
            # The second instance of a catch-up job only records that it came due.
            max_instances=2 if spec.catch_up else 1,
            coalesce=True,
            misfire_grace_time=max(1, round(spec.interval)),
            **({"next_run_time": first} if first is not None else {}),
        )

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stopping

    async def _run(self, job: _Job) -> None:
        if self._stopping:
            return
        due = self._due.pop(job.spec.name, None)
        if job.busy:
            # A catch-up job's second instance: the running one takes it on.
            due = due if due is not None else utc_now()
            job.pending = due if job.pending is None else min(job.pending, due)
            job.stats.overran += 1
            log.debug(
                "job %s came due while running; it runs again when this run ends", job.spec.name
            )
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        job.busy = True
        try:
            while True:
                await self._run_once(job, due)
                due, job.pending = job.pending, None
                if due is None or self._stopping:
                    break
                job.stats.caught_up += 1
        finally:
            job.busy, job.pending = False, None
            if task is not None:
                self._running.discard(task)

    async def _run_once(self, job: _Job, due: datetime | None) -> None:
        stats = job.stats
        stats.runs += 1
        stats.last_lag = 0.0 if due is None else (utc_now() - due).total_seconds()
        began = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(job.spec.effective_timeout):
                await job.func()
        except TimeoutError:
            self._failed(job, f"timed out after {job.spec.effective_timeout:g} s")
        except asyncio.CancelledError:
            if not self.stopping:  # read anew: stop() set it while the run awaited
                raise
            # stop() cancelled it after its grace: the run ends here, quietly,
            # rather than as a CancelledError traceback logged by APScheduler.
            log.info("job %s cancelled at shutdown", job.spec.name)
        # The job boundary: nothing may escape into APScheduler, which would only log it.
        except Exception as e:  # noqa: BLE001
            self._failed(job, f"{type(e).__name__}: {e}", exc=e)
        else:
            stats.streak.succeeded()
            stats.last_success = utc_now()
        finally:
            stats.last_duration = asyncio.get_running_loop().time() - began
            if self._on_run is not None:
                self._on_run(job.spec.name, max(stats.last_lag, 0.0), stats.last_duration)

    def _failed(self, job: _Job, error: str, exc: BaseException | None = None) -> None:
        stats = job.stats
        in_a_row = stats.streak.failed()
        stats.last_error = error
        # The first failure in a row carries the traceback; repeats stay one line.
        log.warning(
            "job %s failed (%d in a row): %s",
            job.spec.name,
            in_a_row,
            error,
            exc_info=exc if in_a_row == 1 else None,
        )

    def _on_submitted(self, event: JobEvent) -> None:
        # Submitted just before the run starts: when it was due (jitter included).
        if isinstance(event, JobSubmissionEvent) and event.scheduled_run_times:
            self._due[event.job_id] = max(event.scheduled_run_times)

    def _on_event(self, event: JobExecutionEvent) -> None:
        job = self._jobs.get(event.job_id)
        if event.code == EVENT_JOB_MISSED:
            if job is not None:
                job.stats.missed += 1
            log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            if job is not None:
                job.stats.overran += 1
            log.warning("job %s is still running; this run was skipped", event.job_id)
        else:
            log.error("job %s raised %r", event.job_id, event.exception)

    def start(self) -> None:
        """Start running jobs. Must be called with the event loop running.

        Raises:
            RuntimeError: no running event loop.
        """
        asyncio.get_running_loop()
        self._stopping = False
        self._scheduler.start()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop starting runs, wait up to ``grace`` s for those in progress, cancel
        the rest. Safe to call twice."""
        self._stopping = True
        # Paused, not shut down, while runs finish: the asyncio executor's
        # shutdown cancels every run it started at once, grace or not.
        if self._scheduler.running:
            self._scheduler.pause()
        pending = {t for t in self._running if not t.done()}
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=grace)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        # APScheduler's shutdown runs on the next loop turn; let it, so nothing
        # is left scheduled on a loop that may close right after.
        await asyncio.sleep(0)
        await asyncio.sleep(0)

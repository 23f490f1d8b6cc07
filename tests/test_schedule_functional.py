"""The scheduler on a real event loop: failures are contained and counted,
hung runs time out, and stop() leaves nothing running."""

import asyncio
import logging
from datetime import datetime

import pytest

from bot.watch.schedule import JobSpec, Scheduler
from state.clock import utc_now
from tests.logwait import logged


async def test_failures_are_counted_and_recovery_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0
    recovered = asyncio.Event()

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise ConnectionError("boom")
        recovered.set()

    scheduler = Scheduler()
    scheduler.add(JobSpec(name="flaky", interval=0.02, jitter=0), flaky)
    caplog.set_level(logging.INFO, logger="bot.watch.schedule")
    scheduler.start()
    try:
        await asyncio.wait_for(recovered.wait(), 10)
    finally:
        await scheduler.stop()
    stats = scheduler.stats["flaky"]
    assert stats.failures == 2
    assert stats.consecutive_failures == 0
    assert stats.last_success is not None
    assert "job flaky recovered after 2 failed runs" in caplog.text
    assert not scheduler.running


async def test_a_hung_run_times_out() -> None:
    second = asyncio.Event()
    runs = 0

    async def hangs() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            await asyncio.Event().wait()
        second.set()

    scheduler = Scheduler()
    scheduler.add(JobSpec(name="hangs", interval=0.02, timeout=0.05, jitter=0), hangs)
    scheduler.start()
    try:
        await asyncio.wait_for(second.wait(), 10)
    finally:
        await scheduler.stop()
    assert scheduler.stats["hangs"].last_error == "timed out after 0.05 s"


async def test_stop_cancels_a_run_in_progress() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def long_run() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    scheduler = Scheduler()
    scheduler.add(JobSpec(name="long", interval=60, timeout=60), long_run)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await scheduler.stop(grace=0.01)
    assert cancelled.is_set()


async def test_stop_lets_a_run_in_progress_finish_within_its_grace() -> None:
    started = asyncio.Event()
    release = asyncio.Event()
    finished = asyncio.Event()

    async def long_run() -> None:
        started.set()
        await release.wait()
        finished.set()

    scheduler = Scheduler()
    scheduler.add(JobSpec(name="long", interval=60, timeout=60), long_run)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(scheduler.stop(grace=10))
    for _ in range(5):
        await asyncio.sleep(0)  # APScheduler's shutdown would cancel it now
    release.set()
    await stopping
    assert finished.is_set()
    assert scheduler.stats["long"].last_success is not None


def test_start_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError):
        Scheduler().start()


def test_duplicate_names_are_refused() -> None:
    async def job() -> None:
        return None

    scheduler = Scheduler()
    scheduler.add(JobSpec(name="a", interval=1), job)
    with pytest.raises(ValueError):
        scheduler.add(JobSpec(name="a", interval=1), job)


async def test_a_run_cancelled_by_stop_logs_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    started = asyncio.Event()

    async def long_run() -> None:
        started.set()
        await asyncio.Event().wait()

    scheduler = Scheduler()
    scheduler.add(JobSpec(name="long", interval=60, timeout=60), long_run)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await scheduler.stop(grace=0.01)
    for _ in range(5):
        await asyncio.sleep(0)  # APScheduler reports a job's end a loop turn later
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "Error running job" not in caplog.text
    assert "long cancelled at shutdown" in caplog.text


async def test_every_run_is_reported_with_its_lag_and_duration() -> None:
    seen: list[tuple[str, float, float]] = []
    twice = asyncio.Event()

    def observe(name: str, lag: float, duration: float) -> None:
        seen.append((name, lag, duration))
        if len(seen) >= 2:
            twice.set()

    async def work() -> None:
        await asyncio.sleep(0)

    scheduler = Scheduler(on_run=observe)
    scheduler.add(JobSpec(name="tick", interval=0.02, jitter=0), work)
    scheduler.start()
    try:
        await asyncio.wait_for(twice.wait(), 10)
    finally:
        await scheduler.stop()
    assert [name for name, _, _ in seen[:2]] == ["tick", "tick"]
    assert all(lag >= 0 and duration >= 0 for _, lag, duration in seen)
    stats = scheduler.stats["tick"]
    assert (stats.last_lag, stats.last_duration) != (0.0, 0.0)


#: What the scheduler logs when a run comes due while one is still going.
CATCH_UP = "came due while running"
SKIP = "still running; this run was skipped"
LOGGER = "bot.watch.schedule"


class _Held:
    """A job whose first run holds until released; it records what happens."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.log: list[str] = []
        self.started_at: list[datetime] = []
        #: Set when run n (from 1) has ended.
        self.ended = {n: asyncio.Event() for n in (1, 2, 3)}

    async def __call__(self) -> None:
        n = len(self.started_at) + 1
        self.started_at.append(utc_now())
        self.log.append(f"start {n}")
        if n == 1:
            await self.release.wait()
        self.log.append(f"end {n}")
        if n in self.ended:
            self.ended[n].set()


async def test_a_run_due_during_a_slow_one_starts_right_after_it() -> None:
    lags: list[float] = []
    held = _Held()
    scheduler = Scheduler(on_run=lambda _name, lag, _duration: lags.append(lag))
    scheduler.add(JobSpec(name="live", interval=0.02, timeout=10, jitter=0, catch_up=True), held)
    stats = scheduler.stats["live"]
    with logged(LOGGER, CATCH_UP) as overran:
        scheduler.start()
        try:
            await asyncio.wait_for(overran.wait(), 10)
            seen_due = utc_now()  # the caught-up run was due no later than this
            held.release.set()
            await asyncio.wait_for(held.ended[2].wait(), 10)
        finally:
            await scheduler.stop()
    assert held.log[:3] == ["start 1", "end 1", "start 2"]
    assert stats.caught_up >= 1
    # Its lag counts from when it was due, not from when it started.
    assert lags[1] >= (held.started_at[1] - seen_due).total_seconds()


async def test_many_fires_during_one_slow_run_make_one_catch_up() -> None:
    held = _Held()
    scheduler = Scheduler()
    scheduler.add(JobSpec(name="live", interval=0.01, timeout=10, jitter=0, catch_up=True), held)
    stats = scheduler.stats["live"]
    with logged(LOGGER, CATCH_UP, count=3) as overran:
        scheduler.start()
        try:
            await asyncio.wait_for(overran.wait(), 10)
            fires = stats.overran
            held.release.set()
            # The catch-up, then a run at its own time: no more catch-ups queued.
            await asyncio.wait_for(held.ended[3].wait(), 10)
        finally:
            await scheduler.stop()
    assert fires >= 3
    assert held.log[:4] == ["start 1", "end 1", "start 2", "end 2"]
    assert stats.caught_up == 1


async def test_a_default_job_skips_a_run_due_during_a_slow_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.watch.schedule")
    held = _Held()
    scheduler = Scheduler()
    scheduler.add(JobSpec(name="discover", interval=0.02, timeout=10, jitter=0), held)
    stats = scheduler.stats["discover"]
    with logged(LOGGER, SKIP) as skipped:
        scheduler.start()
        try:
            await asyncio.wait_for(skipped.wait(), 10)
            held.release.set()
            await asyncio.wait_for(held.ended[2].wait(), 10)
        finally:
            await scheduler.stop()
    assert stats.overran >= 1
    assert stats.caught_up == 0
    assert "job discover is still running; this run was skipped" in caplog.text


async def test_stop_drops_a_pending_catch_up() -> None:
    held = _Held()
    scheduler = Scheduler()
    scheduler.add(JobSpec(name="live", interval=0.02, timeout=10, jitter=0, catch_up=True), held)
    stats = scheduler.stats["live"]
    with logged(LOGGER, CATCH_UP) as overran:
        scheduler.start()
        await asyncio.wait_for(overran.wait(), 10)
    stopping = asyncio.create_task(scheduler.stop(grace=10))
    await asyncio.sleep(0)  # stop() has begun: it waits for the run in progress
    assert scheduler.stopping
    held.release.set()
    await stopping
    assert held.log == ["start 1", "end 1"]
    assert (stats.runs, stats.caught_up) == (1, 0)


async def test_a_caught_up_run_is_timed_out_and_counted_like_any_other() -> None:
    release = asyncio.Event()
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            await release.wait()
        elif runs == 2:
            await asyncio.Event().wait()  # hangs: the timeout ends it

    scheduler = Scheduler()
    spec = JobSpec(name="live", interval=0.02, timeout=0.5, jitter=0, catch_up=True)
    scheduler.add(spec, job)
    stats = scheduler.stats["live"]
    with logged(LOGGER, CATCH_UP) as overran, logged(LOGGER, "timed out") as timed_out:
        scheduler.start()
        try:
            await asyncio.wait_for(overran.wait(), 10)
            release.set()
            await asyncio.wait_for(timed_out.wait(), 10)
        finally:
            await scheduler.stop()
    assert stats.caught_up >= 1
    assert stats.last_error == "timed out after 0.5 s"

"""The scheduler on a real event loop: failures are contained and counted,
hung runs time out, and stop() leaves nothing running."""

import asyncio
import logging

import pytest

from bot.watch.schedule import JobSpec, Scheduler


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

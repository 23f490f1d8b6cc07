"""Log lines are JSON when asked, never carry a registered secret, and say a
skipped run once."""

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.logs import clock_in_logs, configure_logging
from bot.watch.schedule import JobSpec, Scheduler
from tests.logwait import logged

#: Loggers whose level configure_logging sets; restored after each test.
_TUNED = ("", "aiohttp.access", "apscheduler", "apscheduler.scheduler", "apscheduler.executors")


@pytest.fixture(autouse=True)
def _restore_levels() -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in _TUNED}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_json_lines_and_redaction() -> None:
    stream = io.StringIO()
    handler = configure_logging(fmt="json", secrets=["s3cret-token", ""], stream=stream)
    try:
        log = logging.getLogger("bot.test")
        log.warning("token is %s", "s3cret-token")
        try:
            raise RuntimeError("failed with s3cret-token")
        except RuntimeError:
            log.exception("crashed")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "token is [redacted]"
    assert lines[0]["level"] == "warning"
    assert "s3cret-token" not in stream.getvalue()
    assert "[redacted]" in lines[1]["exc"]


def _logged(fmt: str, clock: datetime | None) -> str:
    stream = io.StringIO()
    handler = configure_logging(fmt=fmt, stream=stream)
    try:
        if clock is None:
            logging.getLogger("bot.test").warning("hello")
        else:
            with clock_in_logs(lambda: clock):
                logging.getLogger("bot.test").warning("hello")
            logging.getLogger("bot.test").warning("after")
    finally:
        logging.getLogger().removeHandler(handler)
    return stream.getvalue()


def test_a_clock_dates_text_and_json_lines_while_it_is_installed() -> None:
    simulated = datetime(2031, 6, 1, 23, 45, 6, 250_000, tzinfo=UTC)
    text = _logged("text", simulated).splitlines()
    assert text[0] == "23:45:06 WARNING bot.test: hello"
    assert not text[1].startswith("23:45:06"), "the wall clock again once left"
    (first, _after) = (json.loads(line) for line in _logged("json", simulated).splitlines())
    assert first["time"] == "2031-06-01T23:45:06.250+00:00"


def test_text_lines_carry_the_utc_time_whatever_the_machine_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # +05:30, never equal to UTC
    time.tzset()
    try:
        simulated = datetime(2031, 6, 1, 8, 0, tzinfo=UTC)
        assert _logged("text", simulated).startswith("08:00:00 WARNING")
    finally:
        monkeypatch.undo()
        time.tzset()


async def test_a_skipped_run_is_logged_once_by_the_scheduler_not_by_apscheduler() -> None:
    stream = io.StringIO()
    handler = configure_logging(fmt="json", stream=stream)
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()

    scheduler = Scheduler()
    scheduler.add(JobSpec(name="discover", interval=0.02, timeout=10, jitter=0), slow)
    try:
        with logged("bot.watch.schedule", "this run was skipped") as skipped:
            scheduler.start()
            await asyncio.wait_for(skipped.wait(), 10)
        release.set()
        await scheduler.stop()
    finally:
        logging.getLogger().removeHandler(handler)
    warnings = [
        (line["logger"], line["message"])
        for line in map(json.loads, stream.getvalue().splitlines())
        if line["level"] == "warning"
    ]
    assert ("bot.watch.schedule", "job discover is still running; this run was skipped") in (
        warnings
    )
    assert [w for w in warnings if w[0].startswith("apscheduler")] == []

"""Start-time resolution: pure, with ``now`` and the zone as inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands.when import AtClock, AtDateTime, InDelta, StartSpec, StartTimeError, resolve_start

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, the day before DST starts


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, datetime(2026, 3, 28, 10, 5, tzinfo=BERLIN)),
        (InDelta(minutes=90), datetime(2026, 3, 28, 11, 30, tzinfo=BERLIN)),
        (AtClock(at=time(10, 1)), datetime(2026, 3, 28, 10, 1, tzinfo=BERLIN)),
        (AtClock(at=time(23, 59)), datetime(2026, 3, 28, 23, 59, tzinfo=BERLIN)),
        (
            AtDateTime(day=date(2026, 3, 29), at=time(9, 0)),
            datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN),
        ),
    ],
)
def test_resolves_in_the_requesters_zone(spec: StartSpec | None, expected: datetime) -> None:
    start = resolve_start(spec, now=NOW, tz=BERLIN)
    assert start == expected
    assert start.tzinfo is not None


def test_after_dst_starts_the_offset_changes() -> None:
    start = resolve_start(AtDateTime(day=date(2026, 3, 29), at=time(9, 0)), now=NOW, tz=BERLIN)
    assert start.utcoffset() == timedelta(hours=2)
    assert start.astimezone(UTC) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (AtClock(at=time(9, 59)), "already passed today"),
        (AtClock(at=time(10, 0)), "already passed today"),
        (AtDateTime(day=date(2026, 3, 27), at=time(12, 0)), "in the past"),
        (AtDateTime(day=date(2026, 3, 29), at=time(2, 30)), "does not exist"),
        (AtDateTime(day=date(2027, 6, 1), at=time(12, 0)), "a year ahead"),
        (InDelta(minutes=400 * 24 * 60), "a year ahead"),
    ],
)
def test_refuses_unusable_times(spec: StartSpec, fragment: str) -> None:
    with pytest.raises(StartTimeError, match=fragment):
        resolve_start(spec, now=NOW, tz=BERLIN)


@pytest.mark.parametrize(
    "spec", [AtClock(at=time(9, 0)), AtDateTime(day=date(2026, 3, 27), at=time(12, 0))]
)
def test_a_past_time_says_how_to_fix_it(spec: StartSpec) -> None:
    with pytest.raises(StartTimeError, match="use `in 5m` to start in five minutes"):
        resolve_start(spec, now=NOW, tz=BERLIN)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        resolve_start(None, now=NOW.replace(tzinfo=None), tz=BERLIN)

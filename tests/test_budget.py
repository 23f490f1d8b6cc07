"""The GetSessionInfo token bucket."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.webex.xmlapi.feed.budget import SessionInfoBudget

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_starts_with_a_burst_and_refills_slowly() -> None:
    bucket = SessionInfoBudget(hourly=500)
    assert bucket.burst == 50
    assert bucket.take(80, T0) == 50
    assert bucket.take(1, T0) == 0
    # 450 tokens an hour: one every 8 seconds.
    assert bucket.take(5, T0 + timedelta(seconds=40)) == 5


def test_refund_returns_unused_tokens() -> None:
    bucket = SessionInfoBudget(hourly=100, burst=10)
    assert bucket.take(10, T0) == 10
    bucket.refund(4, T0)
    assert bucket.available(T0) == 4


def test_block_spends_nothing_until_it_ends() -> None:
    bucket = SessionInfoBudget(hourly=500)
    until = T0 + timedelta(hours=2)
    assert bucket.block(until, T0) is True
    assert bucket.block(until, T0 + timedelta(minutes=1)) is False
    assert bucket.take(1, T0 + timedelta(minutes=90)) == 0
    assert bucket.unblock_if_over(T0 + timedelta(minutes=90)) is False
    assert bucket.unblock_if_over(until) is True
    assert bucket.unblock_if_over(until) is False
    assert bucket.take(1, until + timedelta(seconds=10)) == 1


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        SessionInfoBudget(hourly=10).available(datetime(2026, 1, 1))  # noqa: DTZ001


def test_zero_budget_never_grants() -> None:
    bucket = SessionInfoBudget(hourly=0)
    assert bucket.take(5, T0) == 0
    assert bucket.take(5, T0 + timedelta(hours=5)) == 0


@pytest.mark.parametrize("kwargs", [{"hourly": -1}, {"hourly": 10, "burst": 11}])
def test_rejects_nonsense(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        SessionInfoBudget(**kwargs)


@settings(max_examples=60, deadline=None)
@given(
    hourly=st.integers(min_value=2, max_value=600),
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=900), st.integers(0, 40)), max_size=80
    ),
)
def test_never_more_than_hourly_in_any_hour(hourly: int, steps: list[tuple[int, int]]) -> None:
    bucket = SessionInfoBudget(hourly=hourly)
    now = T0
    spent: list[tuple[datetime, int]] = []
    for gap, wanted in steps:
        now += timedelta(seconds=gap)
        spent.append((now, bucket.take(wanted, now)))
    for start, _ in spent:
        window = sum(n for at, n in spent if start <= at < start + timedelta(hours=1))
        assert window <= hourly

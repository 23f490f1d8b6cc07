"""bot/notify/quota.py: replies per meeting and channel in a rolling hour, with plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.notify.quota import ReplyQuota, Verdict, verdict

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
A = ("100", "C1")


@pytest.mark.parametrize(
    ("replies", "capped", "expected"),
    [
        (0, False, Verdict.POST),
        (2, False, Verdict.POST),
        (3, False, Verdict.CAP_BEGINS),
        (4, False, Verdict.CAP_BEGINS),
        (3, True, Verdict.CAPPED),
        (2, True, Verdict.POST),  # the hour has room again
    ],
)
def test_three_an_hour(replies: int, capped: bool, expected: Verdict) -> None:
    assert verdict(replies, per_hour=3, capped=capped) is expected


def test_the_window_is_the_hour_before_now() -> None:
    assert ReplyQuota().since(T0) == T0 - 60 * MIN


def test_the_cap_is_announced_once_per_stretch() -> None:
    quota = ReplyQuota(per_hour=1)
    verdicts = [quota.check(A, replies) for replies in (1, 1, 2)]
    assert verdicts == [Verdict.CAP_BEGINS, Verdict.CAPPED, Verdict.CAPPED]
    assert quota.check(A, 0) is Verdict.POST
    assert quota.check(A, 1) is Verdict.CAP_BEGINS


def test_pairs_are_capped_apart() -> None:
    quota = ReplyQuota(per_hour=1)
    assert quota.check(A, 1) is Verdict.CAP_BEGINS
    assert quota.check(("100", "C2"), 1) is Verdict.CAP_BEGINS
    assert quota.check(("200", "C1"), 0) is Verdict.POST


def test_memory_is_bounded_oldest_first() -> None:
    quota = ReplyQuota(per_hour=1, max_tracked=2)
    for meeting in ("1", "2", "3"):
        assert quota.check((meeting, "C"), 1) is Verdict.CAP_BEGINS
    assert quota.check(("1", "C"), 1) is Verdict.CAP_BEGINS  # forgotten: said once more
    assert quota.check(("3", "C"), 1) is Verdict.CAPPED


@pytest.mark.parametrize("kwargs", [{"per_hour": 0}, {"window": timedelta(0)}])
def test_nonsense_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ReplyQuota(**kwargs)  # type: ignore[arg-type]

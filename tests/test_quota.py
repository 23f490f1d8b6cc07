"""bot/quota.py: replies per meeting and channel in a rolling hour, with plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.quota import ReplyQuota, Verdict

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
A = ("100", "C1")


@pytest.mark.parametrize(
    ("sent_minutes_ago", "verdict"),
    [
        ([], Verdict.POST),
        ([1, 2], Verdict.POST),
        ([1, 2, 3], Verdict.CAP_BEGINS),
        ([59, 58, 1], Verdict.CAP_BEGINS),
        ([60, 2, 1], Verdict.POST),  # one has left the hour
        ([90, 80, 70], Verdict.POST),
    ],
)
def test_three_an_hour(sent_minutes_ago: list[int], verdict: Verdict) -> None:
    quota = ReplyQuota(per_hour=3)
    for minutes in sorted(sent_minutes_ago, reverse=True):
        quota.spend(A, T0 - minutes * MIN)
    assert quota.check(A, T0) is verdict


def test_the_cap_is_announced_once_per_stretch() -> None:
    quota = ReplyQuota(per_hour=1)
    quota.spend(A, T0)
    verdicts = [quota.check(A, T0 + n * MIN) for n in (1, 2, 3)]
    assert verdicts == [Verdict.CAP_BEGINS, Verdict.CAPPED, Verdict.CAPPED]
    assert quota.check(A, T0 + 61 * MIN) is Verdict.POST
    quota.spend(A, T0 + 61 * MIN)
    assert quota.check(A, T0 + 62 * MIN) is Verdict.CAP_BEGINS


def test_pairs_are_counted_apart() -> None:
    quota = ReplyQuota(per_hour=1)
    quota.spend(A, T0)
    assert quota.check(("100", "C2"), T0) is Verdict.POST
    assert quota.check(("200", "C1"), T0) is Verdict.POST


def test_memory_is_bounded_least_recently_used_first() -> None:
    quota = ReplyQuota(per_hour=1, max_tracked=2)
    quota.spend(("1", "C"), T0)
    quota.spend(("2", "C"), T0)
    quota.spend(("1", "C"), T0 + MIN)  # used again: now the newest
    quota.spend(("3", "C"), T0 + MIN)
    assert quota.check(("2", "C"), T0 + MIN) is Verdict.POST  # forgotten
    assert quota.check(("1", "C"), T0 + MIN) is Verdict.CAP_BEGINS


@pytest.mark.parametrize("kwargs", [{"per_hour": 0}, {"window": timedelta(0)}])
def test_nonsense_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ReplyQuota(**kwargs)  # type: ignore[arg-type]

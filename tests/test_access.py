"""bot/notify/access.py: the credential state and its re-check schedule, with plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.backoff import Backoff
from bot.notify.access import ChatAccess

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
POLICY = Backoff(base=30, factor=2, cap=120, jitter=0.5)


@pytest.mark.parametrize(
    ("refusals", "draw", "next_check_after"),
    [
        (1, 0.0, 30),
        (2, 0.0, 60),
        (3, 0.0, 120),
        (4, 0.0, 120),  # capped
        (1, 1.0, 15),  # jitter shortens by up to half
    ],
)
def test_each_refusal_pushes_the_next_check_out(
    refusals: int, draw: float, next_check_after: float
) -> None:
    access = ChatAccess(backoff=POLICY)
    began = [access.refused("token_revoked", T0, draw) for _ in range(refusals)]
    assert began == [True] + [False] * (refusals - 1)  # logged once per outage
    assert access.next_check == T0 + timedelta(seconds=next_check_after)
    assert not access.accepted and access.since == T0


@pytest.mark.parametrize(
    ("after", "due"), [(timedelta(seconds=29), False), (timedelta(seconds=30), True)]
)
def test_a_check_is_due_only_once_its_wait_is_over(after: timedelta, due: bool) -> None:
    access = ChatAccess(backoff=POLICY)
    access.refused("invalid_auth", T0, 0.0)
    assert access.due(T0 + after) is due


def test_accepting_ends_the_outage_and_the_next_refusal_begins_a_new_one() -> None:
    access = ChatAccess(backoff=POLICY)
    assert not access.due(T0)  # accepted: nothing to check
    access.refused("invalid_auth", T0, 0.0)
    access.refused("invalid_auth", T0 + timedelta(seconds=30), 0.0)
    assert access.accept(T0 + timedelta(minutes=5)) == timedelta(minutes=5)
    assert access.accepted and access.next_check is None
    assert access.refused("account_inactive", T0 + timedelta(hours=1), 0.0)
    assert access.next_check == T0 + timedelta(hours=1, seconds=30)


def test_an_unanswered_check_waits_longer_but_changes_nothing_while_accepted() -> None:
    access = ChatAccess(backoff=POLICY)
    access.unanswered(T0, 0.0)
    assert access.accepted
    access.refused("token_revoked", T0, 0.0)
    access.unanswered(T0 + timedelta(seconds=30), 0.0)
    assert access.code == "token_revoked"
    assert access.next_check == T0 + timedelta(seconds=90)

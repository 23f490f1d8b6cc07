"""The bodyContent cap policy, table-driven."""

import pytest

from adapters.webex.xmlapi.batching import BodyContentCap
from adapters.webex.xmlapi.errors import TooManyBodyContentError


def refusal(limit: int | None) -> TooManyBodyContentError:
    return TooManyBodyContentError("000053", "BodyContent count ...", limit=limit)


@pytest.mark.parametrize(
    ("known", "remaining", "expected"),
    [(None, 37, 10), (None, 3, 3), (4, 37, 4), (10, 3, 3), (20, 37, 20)],
)
def test_batch_size(known: int | None, remaining: int, expected: int) -> None:
    assert BodyContentCap(known).batch_size(remaining) == expected


def test_initial_batch_is_configurable() -> None:
    assert BodyContentCap(initial=50).batch_size(37) == 37
    assert BodyContentCap(4, initial=50).batch_size(37) == 4


@pytest.mark.parametrize(
    ("named", "tried", "learned"),
    [
        (10, 37, 10),  # the site named its cap
        (None, 37, 18),  # no number: halve
        (40, 37, 18),  # a number that would not shrink the batch: halve
        (0, 2, 1),
    ],
)
def test_learn(named: int | None, tried: int, learned: int) -> None:
    cap = BodyContentCap()
    assert cap.learn(refusal(named), tried) == learned
    assert cap.limit == learned


def test_a_refused_single_item_is_final() -> None:
    error = refusal(None)
    with pytest.raises(TooManyBodyContentError) as caught:
        BodyContentCap().learn(error, 1)
    assert caught.value is error


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BodyContentCap(0)
    with pytest.raises(ValueError, match="at least 1"):
        BodyContentCap(initial=0)

"""The backoff policy: table-driven, no clock, no randomness."""

import pytest

from bot.backoff import Backoff


@pytest.mark.parametrize(
    ("failures", "draw", "expected"),
    [
        (0, 0.5, 0.0),
        (1, 0.0, 1.0),
        (2, 0.0, 2.0),
        (3, 0.0, 4.0),
        (3, 1.0, 3.2),
        (10, 0.0, 300.0),
        (10_000, 0.0, 300.0),
        (10_000, 1.0, 240.0),
    ],
)
def test_delay(failures: int, draw: float, expected: float) -> None:
    assert Backoff().delay(failures, draw) == pytest.approx(expected)


@pytest.mark.parametrize(
    "kwargs",
    [{"base": 0}, {"base": 10, "cap": 5}, {"factor": 0.5}, {"jitter": 1.5}],
)
def test_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)


def test_draw_out_of_range() -> None:
    with pytest.raises(ValueError):
        Backoff().delay(1, 2.0)

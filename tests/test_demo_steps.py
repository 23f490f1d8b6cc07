"""Demo steps check themselves when built, and scripts that cannot play are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

import bot.demo.steps
from bot.demo.steps import DemoStep, check_script

M = timedelta(minutes=1)
SCHEDULE: dict[str, object] = {
    "host": "h",
    "title": "t",
    "start_at": 20 * M,
    "duration_minutes": 5,
    "time_zone": "Europe/London",
}


def test_exports() -> None:
    for name in bot.demo.steps.__all__:
        assert hasattr(bot.demo.steps, name), name


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ((DemoStep(M, "start", "a"),), "not scheduled yet"),
        (
            (DemoStep(M, "schedule", "a", **SCHEDULE), DemoStep(2 * M, "schedule", "a", **SCHEDULE)),
            "already scheduled",
        ),
        (
            (DemoStep(2 * M, "schedule", "a", **SCHEDULE), DemoStep(M, "start", "a")),
            "earlier than the step before",
        ),
        (
            (DemoStep(M, "schedule", "a", **SCHEDULE), DemoStep(2 * M, "delete", "a"),
             DemoStep(3 * M, "start", "a")),
            "already deleted",
        ),
        ((DemoStep(25 * M, "schedule", "a", **SCHEDULE),), "start_at must come after"),
        (
            (DemoStep(M, "schedule", "a", **SCHEDULE),
             DemoStep(2 * M, "reschedule", "a", start_at=2 * M, duration_minutes=5)),
            "start_at must come after",
        ),
    ],
)  # fmt: skip
def test_check_script_refuses_scripts_that_cannot_play(
    script: tuple[DemoStep, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_script(script)


def test_check_script_accepts_a_playable_script() -> None:
    check_script(
        (
            DemoStep(M, "schedule", "a", **SCHEDULE),
            DemoStep(M, "start", "a"),
            DemoStep(2 * M, "attendee_joins", "a", count=2),
            DemoStep(3 * M, "delete", "a"),
        )
    )


@pytest.mark.parametrize(
    ("at", "action", "params", "message"),
    [
        (-M, "start", {}, "negative"),
        (M, "explode", {}, "unknown action"),
        (M, "schedule", {"host": "h"}, "schedule needs duration_minutes, start_at, time_zone"),
        (M, "lock", {"count": 2}, "lock takes no count"),
        (M, "attendee_joins", {"count": "2"}, "count must be int"),
        (M, "attendee_joins", {"count": True}, "count must be int"),
        (M, "reschedule", {"start_at": 5, "duration_minutes": 5}, "start_at must be timedelta"),
    ],
)
def test_a_step_is_checked_when_built(
    at: timedelta, action: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DemoStep(at, action, "a", **params)


def test_steps_are_values_with_typed_params() -> None:
    step = DemoStep(M, "schedule", "x", **SCHEDULE, private=True)
    assert step == DemoStep(M, "schedule", "x", **SCHEDULE, private=True)
    assert hash(step) == hash(DemoStep(M, "schedule", "x", **SCHEDULE, private=True))
    assert step.kwargs == {**SCHEDULE, "private": True}
    assert step.need("start_at", timedelta) == 20 * M
    assert step.param("private", bool) is True
    assert step.param("personal_room", bool) is None
    with pytest.raises(TypeError):
        step.param("title", int)
    with pytest.raises(KeyError):
        step.need("meeting_type_id", int)

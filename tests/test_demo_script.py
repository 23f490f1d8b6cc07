"""The demo script is well-formed, shows every notification kind in time, and plays."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

import bot.demo_script
from bot.demo_script import (
    DEMO_SCRIPT,
    DemoStep,
    check_script,
    demo_channel_names,
    demo_subscriptions,
    run_demo_script,
)
from state.model import EventKind
from tests.cancelling import cancel_when

SPEED = 30  # simulated seconds per real second in make demo
POLL = timedelta(seconds=2 * SPEED)  # one watcher poll, in simulated time
LEAD = timedelta(minutes=10)
GRACE = timedelta(seconds=60)
# Every kind must have shown by 60 real seconds; keep 10 s for start-up and polling.
DEADLINE = timedelta(seconds=(60 - 10) * SPEED)


@dataclass
class _Meeting:
    start: timedelta
    in_progress: bool = False
    host: bool = False
    attendees: int = 0
    soon_done: bool = False
    waiting_since: timedelta | None = None
    over: bool = False


def expected_events(
    script: tuple[DemoStep, ...], *, lead: timedelta = LEAD, grace: timedelta = GRACE
) -> list[tuple[timedelta, str, EventKind]]:
    """What a watcher should report for ``script``: a small model of its rules."""
    meetings: dict[str, _Meeting] = {}
    events: list[tuple[timedelta, str, EventKind]] = []

    def timers(before: timedelta, changed: dict[str, timedelta]) -> None:
        for label, m in meetings.items():
            soon_at = max(m.start - lead, changed[label])
            if not (m.soon_done or m.in_progress or m.over) and soon_at < before:
                events.append((soon_at, label, EventKind.STARTING_SOON))
                m.soon_done = True
            if m.waiting_since is not None and m.waiting_since + grace < before:
                events.append((m.waiting_since + grace, label, EventKind.ATTENDEES_WAITING))
                m.waiting_since = None

    changed: dict[str, timedelta] = {}
    for step in script:
        timers(step.at, changed)
        p, label, at = step.kwargs, step.meeting, step.at
        if step.action == "schedule":
            meetings[label] = _Meeting(start=p["start_at"])  # type: ignore[arg-type]
            changed[label] = at
            events.append((at, label, EventKind.SCHEDULED))
            timers(at + timedelta.resolution, changed)
            continue
        m = meetings[label]
        kind: EventKind | None = None
        if step.action == "reschedule":
            m.start = p.get("start_at", m.start)  # type: ignore[assignment]
            changed[label] = at
            kind = EventKind.RESCHEDULED
        elif step.action == "start":
            m.in_progress, kind = True, EventKind.STARTED
        elif step.action in ("host_joins", "host_leaves"):
            m.host = step.action == "host_joins"
            kind = EventKind.HOST_JOINED if m.host else EventKind.HOST_LEFT
        elif step.action == "attendee_joins":
            m.attendees += p.get("count", 1)  # type: ignore[operator]
        elif step.action == "attendee_leaves":
            m.attendees -= p.get("count", 1)  # type: ignore[operator]
        elif step.action in ("lock", "unlock"):
            kind = EventKind.LOCKED if step.action == "lock" else EventKind.UNLOCKED
        elif step.action in ("end", "delete"):
            m.in_progress, m.over = False, True
            kind = EventKind.ENDED if step.action == "end" else EventKind.CANCELLED
        if kind is not None:
            events.append((at, label, kind))
        waiting = m.in_progress and not m.host and m.attendees > 0
        if not waiting:
            m.waiting_since = None
        elif m.waiting_since is None:
            m.waiting_since = at
    timers(timedelta.max, changed)
    return sorted(events, key=lambda e: e[0])


def test_exports() -> None:
    for name in bot.demo_script.__all__:
        assert hasattr(bot.demo_script, name), name


def test_the_demo_script_is_well_formed() -> None:
    check_script(DEMO_SCRIPT)


def test_every_kind_shows_within_the_first_minute_at_speed_30() -> None:
    first: dict[EventKind, timedelta] = {}
    for at, _, kind in expected_events(DEMO_SCRIPT):
        first.setdefault(kind, at)
    assert set(first) == set(EventKind)
    late = {kind: at for kind, at in first.items() if at > DEADLINE}
    assert late == {}


def test_each_meetings_changes_are_three_polls_apart() -> None:
    moments: dict[str, list[timedelta]] = defaultdict(list)
    for at, label, _ in expected_events(DEMO_SCRIPT):
        if at not in moments[label]:
            moments[label].append(at)
    for label, times in moments.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # Timers (starting soon, waiting) may follow a change by one poll: they
        # are decided by the watcher, not by the site changing again.
        assert all(gap >= POLL for gap in gaps), (label, times)
    steps: dict[str, list[timedelta]] = defaultdict(list)
    for step in DEMO_SCRIPT:
        if step.at not in steps[step.meeting]:
            steps[step.meeting].append(step.at)
    for label, times in steps.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(gap >= 3 * POLL for gap in gaps), (label, times)


def test_the_script_has_a_private_meeting_a_personal_room_and_an_early_start() -> None:
    schedules = {s.meeting: s.kwargs for s in DEMO_SCRIPT if s.action == "schedule"}
    assert any(p.get("private") for p in schedules.values())
    assert any(p.get("personal_room") for p in schedules.values())
    starts = {s.meeting: s.at for s in DEMO_SCRIPT if s.action == "start"}
    assert any(at < schedules[label]["start_at"] for label, at in starts.items())  # type: ignore[operator]


def test_the_model_sees_waiting_attendees_only_after_the_grace() -> None:
    m = timedelta(minutes=1)
    script = (
        DemoStep(0 * m, "schedule", "a", host="h", title="t", start_at=30 * m, duration_minutes=5),
        DemoStep(1 * m, "start", "a"),
        DemoStep(1 * m, "attendee_joins", "a", count=2),
        DemoStep(1.5 * m, "host_joins", "a"),
        DemoStep(5 * m, "host_leaves", "a"),
        DemoStep(9 * m, "end", "a"),
    )
    kinds = [kind for _, _, kind in expected_events(script)]
    assert kinds == [
        EventKind.SCHEDULED,
        EventKind.STARTED,
        EventKind.HOST_JOINED,
        EventKind.HOST_LEFT,
        EventKind.ATTENDEES_WAITING,
        EventKind.ENDED,
    ]


M = timedelta(minutes=1)
SCHEDULE = {"host": "h", "title": "t", "start_at": 20 * M, "duration_minutes": 5}


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
        ((DemoStep(25 * M, "schedule", "a", **SCHEDULE),), "start_at must be"),
        (
            (DemoStep(M, "schedule", "a", **SCHEDULE),
             DemoStep(2 * M, "reschedule", "a", start_at=2 * M)),
            "start_at must be",
        ),
    ],
)  # fmt: skip
def test_check_script_refuses_scripts_that_cannot_play(
    script: tuple[DemoStep, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_script(script)


@pytest.mark.parametrize(
    ("args", "params", "message"),
    [
        ((-M, "start", "a"), {}, "negative"),
        ((M, "explode", "a"), {}, "unknown action"),
        ((M, "schedule", "a"), {"host": "h"}, "schedule needs duration_minutes, start_at, title"),
        ((M, "lock", "a"), {"count": 2}, "lock takes no count"),
    ],
)
def test_a_step_is_checked_when_built(
    args: tuple[timedelta, str, str], params: dict[str, object], message: str
) -> None:
    at, action, meeting = args
    with pytest.raises(ValueError, match=message):
        DemoStep(at, action, meeting, **params)


def test_steps_are_values() -> None:
    a = DemoStep(M, "attendee_joins", "x", count=2)
    assert a == DemoStep(M, "attendee_joins", "x", count=2)
    assert hash(a) == hash(DemoStep(M, "attendee_joins", "x", count=2))
    assert a.kwargs == {"count": 2}


def test_subscriptions_and_channel_names() -> None:
    subs = demo_subscriptions()
    assert {(s.name, s.host) for s in subs} == {("#general", None), ("#design", "carol")}
    assert demo_channel_names() == {s.channel: s.name for s in subs}
    hosts = {s.kwargs["host"] for s in DEMO_SCRIPT if s.action == "schedule"}
    assert {s.host for s in subs if s.host} <= hosts


@dataclass
class FakeClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass
class RecordingSite:
    """Records what the driver asks; refuses titles starting with "refuse"."""

    calls: list[tuple[object, ...]] = field(default_factory=list)

    def schedule(self, **kwargs: object) -> str:
        if str(kwargs["title"]).startswith("refuse"):
            raise RuntimeError("the site refused")
        key = str(100 + len(self.calls))
        self.calls.append(("schedule", key, kwargs))
        return key

    def reschedule(self, key: str, **kwargs: object) -> None:
        self.calls.append(("reschedule", key, kwargs))

    def attendee_joins(self, key: str, count: int = 1) -> None:
        self.calls.append(("attendee_joins", key, count))

    def __getattr__(self, action: str) -> object:
        return lambda key: self.calls.append((action, key))


T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


async def test_driver_plays_steps_in_order_with_real_keys_and_absolute_starts() -> None:
    site = RecordingSite()
    script = (
        DemoStep(0 * M, "schedule", "a", **SCHEDULE),
        DemoStep(M, "schedule", "b", **{**SCHEDULE, "title": "refused", "private": True}),
        DemoStep(2 * M, "reschedule", "a", start_at=30 * M),
        DemoStep(2 * M, "attendee_joins", "a", count=3),
        DemoStep(3 * M, "start", "b"),
        DemoStep(3 * M, "end", "a"),
    )
    await run_demo_script(site, FakeClock(T0), script, speed=1e6)  # type: ignore[arg-type]
    assert site.calls == [
        (
            "schedule",
            "100",
            {"host": "h", "title": "t", "start": T0 + 20 * M, "duration_minutes": 5},
        ),
        ("reschedule", "100", {"start": T0 + 30 * M}),
        ("attendee_joins", "100", 3),
        ("end", "100"),
    ]


async def test_driver_waits_in_real_time_and_is_cancellable() -> None:
    site = RecordingSite()
    script = (DemoStep(0 * M, "schedule", "a", **SCHEDULE), DemoStep(60 * M, "end", "a"))
    task = asyncio.create_task(run_demo_script(site, FakeClock(T0), script, speed=1.0))  # type: ignore[arg-type]
    await cancel_when(task, lambda: bool(site.calls))
    assert [c[0] for c in site.calls] == ["schedule"]


async def test_driver_refuses_a_bad_speed_or_script() -> None:
    site = RecordingSite()
    with pytest.raises(ValueError, match="speed"):
        await run_demo_script(site, FakeClock(T0), DEMO_SCRIPT, speed=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not scheduled"):
        await run_demo_script(site, FakeClock(T0), (DemoStep(M, "end", "x"),), speed=1e6)  # type: ignore[arg-type]
    assert site.calls == []

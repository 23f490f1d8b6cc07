"""Every rule of state/lifecycle.py, one table row each."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from state.lifecycle import evolve, missed, missing_from_listing, tick
from state.model import (
    Authority,
    EventKind,
    ListingScope,
    MeetingSnapshot,
    Observation,
    Rules,
)

K = EventKind
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
START = NOW + timedelta(hours=2)
RULES = Rules()
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def snap(**changes: Any) -> MeetingSnapshot:
    base = MeetingSnapshot(
        key="100",
        title="Weekly",
        host_id="alice",
        host_email="alice@example.com",
        start=START,
        duration_minutes=30,
        last_seen=NOW - MIN,
        last_source="listing",
    )
    return replace(base, **changes)


def live(**changes: Any) -> MeetingSnapshot:
    """A meeting that started five minutes ago with its host in it."""
    fields: dict[str, Any] = {
        "start": NOW - 5 * MIN,
        "in_progress": True,
        "started_at": NOW - 5 * MIN,
        "host_present": True,
        "host_announced": True,
        "attendees_present": True,
        "soon_notified_for": NOW - 5 * MIN,
    }
    fields.update(changes)
    return snap(**fields)


def obs(authority: Authority = Authority.SCHEDULE, **fields: Any) -> Observation:
    return Observation(key="100", authority=authority, **fields)


def kinds(transition: Any) -> list[EventKind]:
    return [e.kind for e in transition.events]


FIRST_SIGHT = [
    pytest.param(obs(start=START, duration_minutes=30), [K.SCHEDULED], id="future"),
    pytest.param(
        obs(start=NOW + 5 * MIN, duration_minutes=30),
        [K.SCHEDULED, K.STARTING_SOON],
        id="future-within-lead",
    ),
    pytest.param(
        obs(start=NOW - 10 * MIN, in_progress=True, host_present=True),
        [K.STARTED, K.HOST_JOINED],
        id="in-progress-with-host",
    ),
    pytest.param(
        obs(start=NOW - 10 * MIN, in_progress=True, host_present=None),
        [K.STARTED],
        id="in-progress-host-unknown",
    ),
    pytest.param(
        obs(start=NOW - 10 * MIN, in_progress=True, host_present=False, attendees_present=True),
        [K.STARTED],
        id="in-progress-waiting-grace-not-passed",
    ),
    pytest.param(
        obs(Authority.LIVE_DETAIL, start=NOW - 10 * MIN, in_progress=True, locked=True),
        [K.STARTED, K.LOCKED],
        id="in-progress-locked",
    ),
    pytest.param(
        obs(start=NOW - 3 * timedelta(hours=1), duration_minutes=60, in_progress=False),
        [],
        id="long-over",
    ),
    pytest.param(
        obs(start=NOW - 30 * MIN, duration_minutes=60, in_progress=False),
        [K.SCHEDULED],
        id="late-not-started-yet",
    ),
    pytest.param(
        obs(start=NOW - 50 * MIN, duration_minutes=30, in_progress=False),
        [],
        id="over-within-the-hour-not-announced",
    ),
    pytest.param(obs(Authority.GONE), [], id="not-found-never-seen"),
]


@pytest.mark.parametrize(("observation", "expected"), FIRST_SIGHT)
def test_first_sight(observation: Observation, expected: list[EventKind]) -> None:
    result = evolve(None, observation, NOW, RULES)
    assert kinds(result) == expected
    if observation.authority is Authority.GONE:
        assert result.snapshot is None
    else:
        assert result.snapshot is not None and result.changed


def test_what_ran_before_a_first_look_is_settled_silently() -> None:
    # A store without history looks at the site for the first time at NOW.
    first_look = replace(RULES, settle_running_before=NOW)
    hosted = obs(start=NOW - 10 * MIN, in_progress=True, host_present=True, locked=True)
    settled = evolve(None, hosted, NOW, first_look)
    assert kinds(settled) == []
    s = settled.snapshot
    assert s is not None and settled.changed
    assert s.in_progress and s.host_announced and s.locked and s.started_at == NOW
    # Then it is watched like any meeting: the host leaving, the end are news.
    assert kinds(evolve(s, obs(in_progress=False), NOW + MIN, RULES)) == [K.ENDED]
    # Attendees waiting without the host: the wait begins at the first look.
    waiting = obs(start=NOW - MIN, in_progress=True, host_present=False, attendees_present=True)
    w = evolve(None, waiting, NOW, first_look).snapshot
    assert w is not None and w.waiting_since == NOW and not w.host_announced
    assert kinds(tick(w, NOW + RULES.waiting_grace, RULES)) == [K.ATTENDEES_WAITING]
    # Started early, before its scheduled start: that is news, as is the
    # schedule of a meeting not running yet.
    early = obs(start=NOW + 5 * MIN, in_progress=True, host_present=True)
    assert kinds(evolve(None, early, NOW, first_look)) == [K.STARTED, K.HOST_JOINED]
    assert kinds(evolve(None, obs(start=START, duration_minutes=30), NOW, first_look)) == [
        K.SCHEDULED
    ]
    with pytest.raises(ValueError, match="timezone-aware"):
        Rules(settle_running_before=NOW.replace(tzinfo=None))


TRANSITIONS = [
    # (previous, observation, expected kinds)
    pytest.param(snap(), obs(start=START, duration_minutes=30), [], id="unchanged"),
    pytest.param(snap(), obs(title="Renamed"), [], id="title-only"),
    pytest.param(snap(), obs(start=START + MIN), [K.RESCHEDULED], id="start-moved"),
    pytest.param(snap(), obs(duration_minutes=45), [K.RESCHEDULED], id="duration-changed"),
    pytest.param(
        snap(),
        obs(Authority.LIVE_DETAIL, start=START + 60 * MIN, duration_minutes=45),
        [],
        id="session-info-does-not-move-the-schedule",
    ),
    pytest.param(
        live(),
        obs(Authority.LIVE_LISTING, start=NOW - 65 * MIN, in_progress=True),
        [],
        id="open-sessions-do-not-move-the-schedule",
    ),
    pytest.param(
        snap(start=NOW + 5 * MIN, soon_notified_for=NOW + 5 * MIN),
        obs(start=NOW + 8 * MIN),
        [K.RESCHEDULED, K.STARTING_SOON],
        id="reschedule-rearms-starting-soon",
    ),
    pytest.param(
        snap(start=NOW + 5 * MIN, soon_notified_for=NOW + 5 * MIN),
        obs(start=NOW + 5 * MIN),
        [],
        id="starting-soon-once-per-start",
    ),
    pytest.param(
        snap(start=NOW - MIN, soon_notified_for=NOW - MIN),
        obs(in_progress=True, host_present=True),
        [K.STARTED, K.HOST_JOINED],
        id="started-with-host",
    ),
    pytest.param(
        snap(start=NOW - MIN),
        obs(in_progress=True, host_present=False, attendees_present=True),
        [K.STARTED],
        id="started-without-host",
    ),
    pytest.param(live(), obs(in_progress=False), [K.ENDED], id="ended"),
    pytest.param(live(), obs(in_progress=None), [], id="in-progress-unknown-keeps"),
    pytest.param(live(), obs(host_present=None), [], id="host-unknown-keeps"),
    pytest.param(
        live(host_present=False, host_announced=False),
        obs(host_present=True),
        [K.HOST_JOINED],
        id="host-joined",
    ),
    pytest.param(live(), obs(host_present=False), [], id="host-left-waits-for-grace"),
    pytest.param(
        live(host_present=False, host_absent_since=NOW - 30 * SEC),
        obs(host_present=True),
        [],
        id="host-rejoins-within-grace",
    ),
    pytest.param(
        live(host_present=False, host_absent_since=NOW - 61 * SEC),
        obs(host_present=False),
        [K.HOST_LEFT],
        id="host-left-after-grace",
    ),
    pytest.param(
        live(host_present=False, host_announced=False, waiting_since=NOW - 61 * SEC),
        obs(host_present=False, attendees_present=True),
        [K.ATTENDEES_WAITING],
        id="attendees-waiting-after-grace",
    ),
    pytest.param(
        live(
            host_present=False,
            host_announced=False,
            waiting_since=NOW - 5 * MIN,
            waiting_announced=True,
        ),
        obs(host_present=False, attendees_present=True),
        [],
        id="attendees-waiting-once-per-wait",
    ),
    pytest.param(
        live(host_present=False, host_announced=False, waiting_since=NOW - 30 * SEC),
        obs(host_present=True),
        [K.HOST_JOINED],
        id="host-ends-the-wait",
    ),
    pytest.param(live(locked=False), obs(Authority.LIVE_DETAIL, locked=True), [K.LOCKED]),
    pytest.param(live(locked=None), obs(Authority.LIVE_DETAIL, locked=True), [K.LOCKED]),
    pytest.param(live(locked=True), obs(Authority.LIVE_DETAIL, locked=False), [K.UNLOCKED]),
    pytest.param(live(locked=True), obs(Authority.SCHEDULE, locked=None), [], id="lock-unknown"),
    pytest.param(live(locked=None), obs(Authority.LIVE_DETAIL, locked=False), []),
    pytest.param(snap(), obs(Authority.GONE), [K.CANCELLED], id="not-found-cancels"),
    pytest.param(live(), obs(Authority.GONE), [K.ENDED], id="not-found-while-live-ends"),
    pytest.param(
        live(in_progress=False, ended_at=NOW - MIN),
        obs(Authority.GONE),
        [],
        id="not-found-after-end-silent",
    ),
    pytest.param(
        snap(cancelled=True),
        obs(in_progress=True, host_present=True),
        [],
        id="cancelled-is-terminal",
    ),
    pytest.param(
        live(in_progress=False, ended_at=NOW - MIN, host_announced=False),
        obs(in_progress=True),
        [K.STARTED, K.HOST_JOINED],
        id="restart-after-end",
    ),
]


@pytest.mark.parametrize(("previous", "observation", "expected"), TRANSITIONS)
def test_evolve(
    previous: MeetingSnapshot, observation: Observation, expected: list[EventKind]
) -> None:
    result = evolve(previous, observation, NOW, RULES)
    assert kinds(result) == expected
    assert result.changed == (result.snapshot != previous)
    if not result.changed:
        assert result.snapshot is previous


@pytest.mark.parametrize(
    ("previous", "at", "expected"),
    [
        pytest.param(snap(start=NOW + 11 * MIN), NOW, [], id="before-lead"),
        pytest.param(snap(start=NOW + 10 * MIN), NOW, [K.STARTING_SOON], id="at-lead"),
        pytest.param(snap(start=NOW - MIN), NOW, [], id="start-passed"),
        pytest.param(
            snap(start=NOW + MIN, soon_notified_for=NOW + MIN), NOW, [], id="already-sent"
        ),
        pytest.param(
            live(host_present=False, host_absent_since=NOW - 59 * SEC), NOW, [], id="grace-left"
        ),
        pytest.param(
            live(host_present=False, host_absent_since=NOW - 60 * SEC),
            NOW,
            [K.HOST_LEFT],
            id="host-left-grace-over",
        ),
        pytest.param(
            live(host_present=False, host_announced=False, waiting_since=NOW - 60 * SEC),
            NOW,
            [K.ATTENDEES_WAITING],
            id="waiting-grace-over",
        ),
        pytest.param(snap(start=NOW + MIN, cancelled=True), NOW, [], id="cancelled-nothing"),
        pytest.param(live(), NOW, [], id="nothing-due"),
    ],
)
def test_tick(previous: MeetingSnapshot, at: datetime, expected: list[EventKind]) -> None:
    result = tick(previous, at, RULES)
    assert kinds(result) == expected
    assert result.snapshot is not None
    assert result.snapshot.last_seen == previous.last_seen


def test_starting_soon_is_dated_when_due() -> None:
    result = tick(snap(start=NOW + 5 * MIN), NOW, RULES)
    assert [e.at for e in result.events] == [NOW - 5 * MIN]


def test_ended_reports_how_long_it_ran() -> None:
    result = evolve(live(started_at=NOW - 42 * MIN), obs(in_progress=False), NOW, RULES)
    assert [e.ran_minutes for e in result.events] == [42]
    assert result.snapshot is not None and result.snapshot.ended_at == NOW


def test_rescheduled_carries_previous_values() -> None:
    result = evolve(snap(), obs(start=START + MIN, duration_minutes=60), NOW, RULES)
    (event,) = result.events
    assert (event.previous_start, event.previous_duration_minutes) == (START, 30)


def test_last_seen_moves_only_with_a_change() -> None:
    same = evolve(snap(), obs(start=START), NOW, RULES)
    moved = evolve(snap(), obs(Authority.LIVE_DETAIL, title="New"), NOW, RULES)
    assert same.snapshot is not None and same.snapshot.last_seen == NOW - MIN
    assert moved.snapshot is not None
    assert (moved.snapshot.last_seen, moved.snapshot.last_source) == (NOW, "session_info")


@pytest.mark.parametrize(
    ("previous", "expected_kinds", "expected_missed", "cancelled"),
    [
        pytest.param(snap(), [], 1, False, id="first-absence"),
        pytest.param(snap(missed_listings=1), [K.CANCELLED], 0, True, id="second-absence"),
        pytest.param(live(missed_listings=1), [K.ENDED], 0, True, id="second-absence-live"),
        pytest.param(snap(cancelled=True), [], 0, True, id="already-cancelled"),
    ],
)
def test_missed(
    previous: MeetingSnapshot,
    expected_kinds: list[EventKind],
    expected_missed: int,
    cancelled: bool,
) -> None:
    result = missed(previous, NOW, RULES)
    assert kinds(result) == expected_kinds
    assert result.snapshot is not None
    assert (result.snapshot.missed_listings, result.snapshot.cancelled) == (
        expected_missed,
        cancelled,
    )


def test_any_observation_resets_the_absence_count() -> None:
    result = evolve(snap(missed_listings=1), obs(start=START), NOW, RULES)
    assert result.snapshot is not None and result.snapshot.missed_listings == 0


SCOPE = ListingScope(start_from=NOW, start_to=NOW + timedelta(days=1), host_id="Alice")


@pytest.mark.parametrize(
    ("known", "seen", "expected"),
    [
        pytest.param(snap(), set(), ["100"], id="in-scope-missing"),
        pytest.param(snap(), {"100"}, [], id="seen"),
        pytest.param(snap(host_id="bob"), set(), [], id="other-host"),
        pytest.param(snap(start=NOW + timedelta(days=2)), set(), [], id="outside-window"),
        pytest.param(snap(start=NOW - MIN), set(), [], id="before-window"),
        pytest.param(snap(cancelled=True), set(), [], id="cancelled"),
        pytest.param(snap(ended_at=NOW), set(), [], id="ended"),
    ],
)
def test_missing_from_listing(known: MeetingSnapshot, seen: set[str], expected: list[str]) -> None:
    assert missing_from_listing([known], SCOPE, seen) == expected


def test_scope_for_every_host_covers_any_host() -> None:
    scope = replace(SCOPE, host_id=None)
    assert missing_from_listing([snap(host_id="bob")], scope, ()) == ["100"]


def test_custom_rules_change_the_graces() -> None:
    rules = Rules(host_left_grace=timedelta(0), waiting_grace=timedelta(0))
    result = evolve(live(), obs(host_present=False, attendees_present=True), NOW, rules)
    assert kinds(result) == [K.HOST_LEFT, K.ATTENDEES_WAITING]


def test_a_start_two_sources_disagree_on_is_never_a_stream_of_reschedules() -> None:
    """A site that lists in the meeting's own zone: the listing says one start,
    GetSessionInfo another, poll after poll. Only the listing moves the
    schedule, so only its real change is announced, once."""
    listed, told = START, START + 60 * MIN
    current = snap()
    announced: list[EventKind] = []
    polls = [
        obs(start=listed, duration_minutes=30),
        obs(Authority.LIVE_DETAIL, start=told, duration_minutes=30),
    ] * 5 + [obs(start=listed + 15 * MIN, duration_minutes=30)]  # a real move
    polls += [obs(Authority.LIVE_DETAIL, start=told, duration_minutes=30)] * 3
    for observation in polls:
        result = evolve(current, observation, NOW, RULES)
        assert result.snapshot is not None
        current = result.snapshot
        announced += kinds(result)
    assert announced == [K.RESCHEDULED]
    assert current.start == listed + 15 * MIN


def test_first_sight_from_session_info_takes_its_schedule() -> None:
    result = evolve(None, obs(Authority.LIVE_DETAIL, start=START, duration_minutes=20), NOW, RULES)
    assert result.snapshot is not None
    assert (result.snapshot.start, result.snapshot.duration_minutes) == (START, 20)

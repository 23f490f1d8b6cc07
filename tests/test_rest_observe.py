"""REST answers -> observations (adapters/webex/rest/feed/observe.py), table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.webex.rest.client.models import RestMeeting, RestParticipant
from adapters.webex.rest.feed.observe import (
    deleted,
    from_instance,
    from_participant,
    from_roster,
    from_scheduled,
    next_occurrences,
    presence,
    series_id,
)
from state.model import Authority, Observation

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SERIES = "870f51ff287b41be84648412901e0402"
KEY = "123456789"
ALICE = "alice@acme.example"


def meeting(meeting_type: str, state: str, **fields: Any) -> RestMeeting:
    values: dict[str, Any] = {
        "id": SERIES,
        "meeting_type": meeting_type,
        "state": state,
        "meeting_number": KEY,
        "host_email": ALICE,
    }
    values.update(fields)
    return RestMeeting(**values)


def person(state: str, *, host: bool = False) -> RestParticipant:
    return RestParticipant(
        id=f"p-{state}-{host}", meeting_id=f"{SERIES}_I_1", state=state, host=host
    )


@pytest.mark.parametrize(
    ("meeting_id", "series"),
    [
        (SERIES, SERIES),
        (f"{SERIES}_20260105T090000Z", SERIES),
        (f"{SERIES}_I_167427437874906709", SERIES),
    ],
)
def test_every_meeting_id_names_its_series(meeting_id: str, series: str) -> None:
    assert series_id(meeting_id) == series


def test_a_scheduled_occurrence_is_the_schedule() -> None:
    occurrence = meeting(
        "scheduledMeeting",
        "scheduled",
        id=f"{SERIES}_20260105T100000Z",
        title="Planning",
        start=NOW + timedelta(hours=1),
        end=NOW + timedelta(hours=1, minutes=45),
        public_meeting=False,
        web_link="https://acme.webex.com/acme/j.php?MTID=m1",
    )
    assert from_scheduled(occurrence, key=KEY) == Observation(
        key=KEY,
        authority=Authority.SCHEDULE,
        uuid=SERIES,
        title="Planning",
        host_id=ALICE,
        host_email=ALICE,
        start=NOW + timedelta(hours=1),
        duration_minutes=45,
        join_url="https://acme.webex.com/acme/j.php?MTID=m1",
    )


@pytest.mark.parametrize("public", [True, False, None])
def test_public_meeting_says_nothing_of_privacy(public: bool | None) -> None:
    # publicMeeting false is every meeting's default: only meetbot's memory counts.
    shown = meeting("meetingSeries", "active", start=NOW, end=NOW, public_meeting=public)
    assert from_scheduled(shown, key=KEY).private is None
    assert from_scheduled(shown, key=KEY, private=True).private is True


def test_the_meetings_iana_zone_reaches_the_core_as_sent() -> None:
    series = meeting("meetingSeries", "active", timezone="Asia/Tokyo")
    instance = meeting("meeting", "inProgress", timezone="Europe/Berlin")
    assert from_scheduled(series, key=KEY).time_zone == "Asia/Tokyo"
    assert from_instance(instance, key=KEY).time_zone == "Europe/Berlin"
    untold = meeting("meeting", "inProgress")
    assert from_instance(untold, key=KEY, schedule=series).time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("state", "in_progress", "host_present", "attendees_present"),
    [
        ("inProgress", True, None, None),
        # A locked meeting joined before its host: attendees wait.
        ("lobby", True, False, True),
        ("ended", False, None, None),
        ("scheduled", None, None, None),
    ],
)
def test_an_instance_says_what_runs(
    state: str, in_progress: bool | None, host_present: bool | None, attendees_present: bool | None
) -> None:
    instance = meeting("meeting", state, id=f"{SERIES}_I_1", start=NOW)
    seen = from_instance(instance, key=KEY)
    assert seen.authority is Authority.LIVE_DETAIL
    assert (seen.in_progress, seen.host_present, seen.attendees_present) == (
        in_progress,
        host_present,
        attendees_present,
    )
    assert seen.uuid == SERIES
    # When an instance began and how long it ran are never the schedule.
    assert (seen.start, seen.duration_minutes) == (None, None)


def test_a_meeting_first_seen_running_takes_its_schedule_from_its_series() -> None:
    instance = meeting(
        "meeting", "inProgress", id=f"{SERIES}_I_1", start=NOW + timedelta(minutes=3)
    )
    series = meeting(
        "meetingSeries",
        "inProgress",
        title="Planning",
        start=NOW,
        end=NOW + timedelta(minutes=30),
        public_meeting=False,
    )
    seen = from_instance(instance, key=KEY, schedule=series, private=True)
    assert seen.authority is Authority.SCHEDULE
    assert (seen.start, seen.duration_minutes, seen.title, seen.private) == (
        NOW,
        30,
        "Planning",
        True,
    )
    assert seen.in_progress


@pytest.mark.parametrize(
    ("roster", "expected"),
    [
        ([], (False, False)),
        ([person("joined", host=True)], (True, False)),
        ([person("joined", host=True), person("joined")], (True, True)),
        ([person("lobby")], (False, True)),
        ([person("end", host=True), person("joined")], (False, True)),
        ([person("breakoutSession", host=True), person("end")], (True, False)),
        ([person("lobby", host=True)], (False, False)),
    ],
)
def test_a_full_roster_knows_presence(
    roster: list[RestParticipant], expected: tuple[bool, bool]
) -> None:
    assert presence(roster) == expected
    seen = from_roster(KEY, roster)
    assert (seen.in_progress, seen.host_present, seen.attendees_present) == (True, *expected)


@pytest.mark.parametrize(
    ("state", "host", "event", "expected"),
    [
        ("joined", True, "joined", (True, True, None)),
        ("end", True, "left", (None, False, None)),
        ("joined", True, "left", (None, False, None)),
        ("joined", False, "joined", (True, None, True)),
        ("lobby", False, "joined", (True, None, True)),
        # Someone else leaving says nothing: others may still be in.
        ("end", False, "left", None),
        # A host waiting in the lobby is not in the meeting yet.
        ("lobby", True, "joined", None),
    ],
)
def test_one_participant_says_what_it_can(
    state: str, host: bool, event: str, expected: tuple[bool | None, ...] | None
) -> None:
    seen = from_participant(person(state, host=host), key=KEY, event=event)
    if expected is None:
        assert seen is None
    else:
        assert seen is not None
        assert (seen.in_progress, seen.host_present, seen.attendees_present) == expected


def test_a_deleted_series_is_gone() -> None:
    assert deleted(SERIES, key=KEY, start=None, known_start=NOW) == Observation(
        key=KEY, authority=Authority.GONE
    )


@pytest.mark.parametrize(
    ("start", "gone"),
    [(NOW, True), (NOW + timedelta(days=1), False), (None, True)],
)
def test_a_deleted_occurrence_cancels_only_the_one_known(
    start: datetime | None, gone: bool
) -> None:
    seen = deleted(f"{SERIES}_20260106T090000Z", key=KEY, start=start, known_start=NOW)
    assert (seen is not None) is gone


def test_a_recurring_series_shows_its_next_occurrence() -> None:
    def occurrence(day: int, number: str | None = KEY) -> RestMeeting:
        start = NOW + timedelta(days=day)
        return meeting(
            "scheduledMeeting",
            "scheduled",
            id=f"{SERIES}_{day}",
            meeting_number=number,
            start=start,
            end=start + timedelta(minutes=30),
        )

    listed = [occurrence(2), occurrence(-1), occurrence(1), occurrence(0, "987654321")]
    chosen = next_occurrences(listed, NOW)
    assert {number: m.id for number, m in chosen.items()} == {
        KEY: f"{SERIES}_1",
        "987654321": f"{SERIES}_0",
    }
    # One without a number cannot be keyed.
    assert next_occurrences([occurrence(1, None)], NOW) == {}

"""The simulator's pure parts: clock, zones, faults and the site's control methods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.webex import simulator
from adapters.webex.simulator import SimClock, SimulatedSite, example_site
from adapters.webex.simulator.xml.faults import Faults
from adapters.webex.simulator.xml.records import SessionStatus
from adapters.webex.simulator.xml.zones import format_local, parse_local, zones

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_public_names_exist() -> None:
    for name in simulator.__all__:
        assert hasattr(simulator, name), name


def test_frozen_clock_moves_only_when_advanced() -> None:
    clock = SimClock(start=T0, speed=0)
    assert clock.now() == clock.now() == T0
    assert clock.advance(timedelta(minutes=5)) == T0 + timedelta(minutes=5)
    clock.set_speed(0)
    assert clock.now() == T0 + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("start", "speed"),
    [(datetime(2026, 1, 1), 1.0), (T0, -1.0)],  # noqa: DTZ001 - the naive case
)
def test_clock_refuses_bad_arguments(start: datetime, speed: float) -> None:
    with pytest.raises(ValueError):
        SimClock(start=start, speed=speed)


def test_running_clock_is_aware_utc_and_monotonic() -> None:
    clock = SimClock(speed=60)
    first = clock.now()
    assert first.tzinfo is UTC
    assert clock.now() >= first


@pytest.mark.parametrize(
    ("text", "zone_id", "expected"),
    [
        ("07/01/2026 09:00:00", 4, datetime(2026, 7, 1, 16, 0, tzinfo=UTC)),
        ("01/01/2026 09:00:00", 4, datetime(2026, 1, 1, 17, 0, tzinfo=UTC)),
        ("11/01/2019 8:0:0", 45, datetime(2019, 11, 1, 0, 0, tzinfo=UTC)),
        ("03/02/2026", 21, datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
    ],
)
def test_local_times_convert_both_ways(text: str, zone_id: int, expected: datetime) -> None:
    assert parse_local(text, zone_id) == expected
    assert parse_local(format_local(expected, zone_id), zone_id) == expected


@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2037, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone_id=st.sampled_from(sorted(zones())),
)
def test_formatted_local_times_parse_back(instant: datetime, zone_id: int) -> None:
    text = format_local(instant, zone_id)
    # Within a daylight-saving fold two instants share a text: compare texts.
    assert format_local(parse_local(text, zone_id), zone_id) == text
    assert abs(parse_local(text, zone_id) - instant) < timedelta(hours=2)


def test_a_meeting_scheduled_in_a_named_zone_gets_that_zones_id() -> None:
    site = example_site(clock=SimClock(start=T0, speed=0))
    key = site.schedule("alice", "Tokyo sync", T0 + timedelta(hours=1), time_zone="Asia/Tokyo")
    (meeting,) = [m for m in site.meetings() if m.key == key]
    assert meeting.time_zone_id == 49
    with pytest.raises(ValueError, match="Mars/Olympus"):
        site.schedule("alice", "Nowhere", T0 + timedelta(hours=1), time_zone="Mars/Olympus")


def test_simulator_does_not_use_the_client() -> None:
    # Written from the protocol, not from our client: sharing its code would
    # let one misreading pass on both sides.
    package = Path(simulator.__file__).parent
    for source in package.glob("*.py"):
        assert "xmlapi" not in source.read_text("utf-8"), source.name


def test_faults_match_operation_and_count_down() -> None:
    faults = Faults()
    faults.inject(operation="GetSessionInfo", kind="http500", times=2)
    faults.inject(operation="*", kind="empty")
    assert faults.take(("GetSite",)) is not None  # the wildcard
    assert faults.take(("GetSite",)) is None
    taken = [faults.take(("getsessioninfo",)) for _ in range(3)]
    assert [f.kind if f else None for f in taken] == ["http500", "http500", None]
    with pytest.raises(ValueError):
        faults.inject(kind="explode")


def _site() -> SimulatedSite:
    return example_site(clock=SimClock(start=T0, speed=0))


def test_meeting_lifecycle_through_control_methods() -> None:
    site = _site()
    key = site.schedule(host="alice", title="Life", start=T0 + timedelta(hours=2))
    assert site.meeting(key).status is SessionStatus.NOT_IN_PROGRESS
    site.attendee_joins(key, count=2)
    site.host_joins(key)
    site.attendee_leaves(key)
    site.lock(key)
    view = site.meeting(key)
    assert (view.status, view.attendees, view.host_present, view.locked) == (
        SessionStatus.IN_PROGRESS,
        1,
        True,
        True,
    )
    site.unlock(key)
    site.host_leaves(key)
    site.end(key)
    view = site.meeting(key)
    assert (view.status, view.ended, view.attendees, view.locked) == (
        SessionStatus.NOT_IN_PROGRESS,
        True,
        0,
        False,
    )
    site.reschedule(key, start=T0 + timedelta(days=1), duration_minutes=15)
    assert site.meeting(key).duration_minutes == 15
    site.delete(key)
    with pytest.raises(KeyError):
        site.meeting(key)


def test_control_methods_refuse_impossible_changes() -> None:
    site = _site()
    key = site.meetings()[0].key
    with pytest.raises(ValueError):
        site.end(key)
    with pytest.raises(ValueError):
        site.host_leaves(key)
    with pytest.raises(ValueError):
        site.attendee_leaves(key)
    with pytest.raises(ValueError):
        site.schedule(host="nobody", title="x", start=T0)
    with pytest.raises(ValueError):
        site.schedule(host="alice", title="x", start=T0, auto_lock_minutes=7)
    with pytest.raises(KeyError):
        site.start("0")


def test_keys_and_uuids_look_like_webex() -> None:
    site = _site()
    keys = [site.schedule(host="bob", title="k", start=T0) for _ in range(50)]
    assert len(set(keys)) == 50
    assert all(k.isdigit() and 9 <= len(k) <= 10 for k in keys)
    uuid = site.meeting(keys[0]).uuid
    assert len(uuid) == 32 and int(uuid, 16) >= 0


def test_private_type_makes_a_meeting_private() -> None:
    site = _site()
    key = site.schedule(host="bob", title="p", start=T0, meeting_type_id=169)
    assert site.meeting(key).private


def test_example_site_has_what_it_promises() -> None:
    site = _site()
    assert site.user("admin") is not None and site.user("admin").admin  # type: ignore[union-attr]
    hosts = {m.host for m in site.meetings()}
    assert hosts == {"alice", "bob", "chen"}
    assert any(m.private for m in site.meetings())
    assert sum(m.personal_room for m in site.meetings()) == 1
    assert all(m.start > T0 for m in site.meetings())
    assert any(t.supports_private for t in site.meeting_types())

"""Converting XML API answers into observations."""

from datetime import UTC, datetime

import pytest

from adapters.webex.xmlapi.feed.observe import (
    ended_observations,
    from_open_session,
    from_session_info,
    from_summary,
    not_found,
)
from adapters.webex.xmlapi.models import OpenSession, SessionInfo, SessionStatus, SessionSummary
from state.model import Authority, MeetingSnapshot

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "presence"),
    [(SessionStatus.IN_PROGRESS, (True, False)), (SessionStatus.NOT_IN_PROGRESS, (None, None))],
)
def test_summary_presence_only_counts_while_live(
    status: SessionStatus, presence: tuple[bool | None, bool | None]
) -> None:
    row = SessionSummary(
        session_key="1",
        conf_name="Standup",
        host_webex_id="ana",
        status=status,
        start=T0,
        duration_minutes=30,
        host_joined=True,
        participants_joined=False,
        is_private=True,
    )
    o = from_summary(row)
    assert o.authority is Authority.SCHEDULE
    assert (o.host_present, o.attendees_present) == presence
    assert o.in_progress is (status is SessionStatus.IN_PROGRESS)
    assert (o.title, o.start, o.duration_minutes, o.private) == ("Standup", T0, 30, True)


@pytest.mark.parametrize(
    ("host", "anyone", "attendees"),
    [(False, True, True), (True, True, None), (False, False, False)],
)
def test_has_attendee_in_meeting_counts_the_host(
    host: bool, anyone: bool, attendees: bool | None
) -> None:
    info = SessionInfo(
        session_key="1",
        status=SessionStatus.IN_PROGRESS,
        has_host_in_meeting=host,
        has_attendee_in_meeting=anyone,
    )
    assert from_session_info(info).attendees_present is attendees


def test_session_info_of_an_uninvited_caller_leaves_the_schedule_unknown() -> None:
    info = SessionInfo(
        session_key="1",
        status=SessionStatus.IN_PROGRESS,
        is_locked=True,
        has_host_in_meeting=False,
        has_attendee_in_meeting=True,
    )
    o = from_session_info(info)
    assert o.authority is Authority.LIVE_DETAIL
    assert (o.title, o.start, o.duration_minutes) == (None, None, None)
    assert (o.locked, o.host_present, o.attendees_present) == (True, False, True)


def test_session_info_not_live_says_nothing_about_presence_or_lock() -> None:
    o = from_session_info(SessionInfo(session_key="1", is_locked=True))
    assert (o.in_progress, o.locked, o.host_present) == (False, None, None)


@pytest.mark.parametrize(("zone_id", "name"), [(49, "Asia/Tokyo"), (900, None), (None, None)])
def test_a_time_zone_id_reaches_the_core_as_its_iana_name(
    zone_id: int | None, name: str | None
) -> None:
    """An id outside the bundled table (one a site added) has no name: unknown."""
    info = from_session_info(SessionInfo(session_key="1", time_zone_id=zone_id))
    listed = from_open_session(OpenSession(session_key="1", time_zone_id=zone_id))
    assert (info.time_zone, listed.time_zone) == (name, name)


def test_open_session_and_not_found() -> None:
    o = from_open_session(OpenSession(session_key="1", name="Standup", host_webex_id="ana"))
    assert (o.authority, o.in_progress, o.host_present) == (Authority.LIVE_LISTING, True, None)
    assert not_found("9").authority is Authority.GONE


def test_ended_observations_only_for_believed_live_sessions_missing_from_the_listing() -> None:
    live = MeetingSnapshot(key="1", start=T0, in_progress=True, last_seen=T0)
    still = MeetingSnapshot(key="2", start=T0, in_progress=True, last_seen=T0)
    idle = MeetingSnapshot(key="3", start=T0, last_seen=T0)
    found = ended_observations([live, still, idle], ["2"])
    assert [(o.key, o.in_progress) for o in found] == [("1", False)]

"""CreateMeeting, SetMeeting, GetMeeting and DelMeeting against the simulated site."""

from __future__ import annotations

import pytest
from aiohttp import ClientSession
from lxml import etree

from adapters.webex.simulator import SimulatedSite
from tests.simxml import E, call, content, message, parse, post


def _create(*parts: etree._Element) -> etree._Element:
    return content("meeting.CreateMeeting", *parts)


async def test_create_generates_password_and_returns_links(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    request = message(
        _create(
            E.metaData(E.confName("Planning"), E.meetingType("3")),
            E.schedule(E.startDate("01/05/2026 10:00:00"), E.duration("45"), E.timeZoneID("21")),
        ),
        webex_id="alice",
        password="alice-pass",
    )
    (item,) = await call(sim_http, sim_url, request)
    assert item.result == "SUCCESS"
    key = item.text("meetingkey")
    assert key is not None and key.isdigit() and 9 <= len(key) <= 10
    password = item.text("meetingPassword")
    assert password and len(password) >= 8
    assert item.text("iCalendarURL/host") and item.text("iCalendarURL/attendee")
    assert item.text("guestToken")
    created = sim_site.meeting(key)
    assert (created.host, created.title, created.duration_minutes) == ("alice", "Planning", 45)
    assert created.password == password
    assert created.uuid == item.text("meetingUUID")
    # 10:00 London in January is 10:00 UTC.
    assert created.start.isoformat() == "2026-01-05T10:00:00+00:00"


async def test_no_generated_password_when_site_does_not_require_one(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    sim_site.password_required = False
    request = message(_create(E.schedule(E.startDate("01/06/2026 10:00:00"))))
    (item,) = await call(sim_http, sim_url, request)
    assert item.result == "SUCCESS"
    assert item.text("meetingPassword") is None


async def test_start_in_the_past_is_refused(sim_http: ClientSession, sim_url: str) -> None:
    # The site clock is 2026-01-05 09:00 UTC, 01:00 in San Jose (zone 4).
    request = message(_create(E.schedule(E.startDate("01/05/2026 00:59:00"), E.timeZoneID("4"))))
    (item,) = await call(sim_http, sim_url, request)
    assert (item.result, item.exception_id) == ("FAILURE", "060016")
    assert item.reason == "The session start time should be later than the current time."


@pytest.mark.parametrize(
    "options",
    [
        E.attendeeOptions(E.autoLock("true"), E.autoLockWaitTime("7")),
        E.attendeeOptions(E.externalAttendeeSecurity("LetEveryoneIn")),
    ],
)
async def test_invalid_attendee_options_fail(
    sim_http: ClientSession, sim_url: str, options: etree._Element
) -> None:
    request = message(_create(E.schedule(E.startDate("01/06/2026 10:00:00")), options))
    (item,) = await call(sim_http, sim_url, request)
    assert (item.result, item.exception_id) == ("FAILURE", "999999")


async def test_unknown_meeting_type_fails(sim_http: ClientSession, sim_url: str) -> None:
    request = message(
        _create(E.metaData(E.meetingType("77")), E.schedule(E.startDate("01/06/2026 10:00:00")))
    )
    (item,) = await call(sim_http, sim_url, request)
    assert item.result == "FAILURE"


async def test_private_type_and_lock_options_round_trip(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    create = _create(
        E.metaData(E.confName("Board"), E.meetingType("169")),
        E.schedule(E.startDate("01/06/2026 10:00:00"), E.timeZoneID("4")),
        E.accessControl(E.meetingPassword("s3cret!")),
        E.attendeeOptions(
            E.externalAttendeeSecurity("AllowJoinWithLobby"),
            E.autoLock("true"),
            E.autoLockWaitTime("10"),
        ),
    )
    (created,) = await call(sim_http, sim_url, message(create, webex_id="bob", password="bob-pass"))
    key = created.text("meetingkey")
    assert key is not None and created.text("meetingPassword") == "s3cret!"
    (got,) = await call(
        sim_http, sim_url, message(content("meeting.GetMeeting", E.meetingKey(key)))
    )
    assert got.text("isPrivateMeeting") == "true"
    assert got.text("accessControl/meetingPassword") == "s3cret!"
    assert got.text("metaData/meetingType") == "169"
    assert got.text("schedule/startDate") == "01/06/2026 10:00:00"
    assert got.text("attendeeOptions/externalAttendeeSecurity") == "AllowJoinWithLobby"
    assert got.text("attendeeOptions/autoLock") == "true"
    assert got.text("attendeeOptions/autoLockWaitTime") == "10"
    assert got.text("meetingkey") == key
    view = sim_site.meeting(key)
    assert view.private and view.auto_lock and view.auto_lock_minutes == 10


async def test_set_meeting_changes_and_checks_owner(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    key = next(m.key for m in sim_site.meetings() if m.title == "Weekly sync")
    change = content(
        "meeting.SetMeeting",
        E.meetingkey(key),
        E.metaData(E.confName("Weekly sync (moved)")),
        E.schedule(E.startDate("01/07/2026 08:00:00"), E.duration("50")),
    )
    (denied,) = await call(sim_http, sim_url, message(change, webex_id="bob", password="bob-pass"))
    assert (denied.result, denied.exception_id) == ("FAILURE", "000001")
    (done,) = await call(
        sim_http, sim_url, message(change, webex_id="alice", password="alice-pass")
    )
    assert done.result == "SUCCESS"
    view = sim_site.meeting(key)
    assert (view.title, view.duration_minutes) == ("Weekly sync (moved)", 50)
    past = content(
        "meeting.SetMeeting", E.meetingkey(key), E.schedule(E.startDate("01/01/2026 08:00:00"))
    )
    (refused,) = await call(sim_http, sim_url, message(past))
    assert refused.exception_id == "060016"
    assert sim_site.meeting(key).duration_minutes == 50


async def test_get_and_delete_unknown_or_foreign_meetings(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    key = next(m.key for m in sim_site.meetings() if m.title == "Release planning")
    items = await call(
        sim_http,
        sim_url,
        message(
            content("meeting.GetMeeting", E.meetingKey("999")),
            content("meeting.DelMeeting", E.meetingKey(key)),
            webex_id="alice",
            password="alice-pass",
        ),
    )
    assert [i.exception_id for i in items] == ["060001", "000001"]
    (deleted,) = await call(
        sim_http, sim_url, message(content("meeting.DelMeeting", E.meetingKey(key)))
    )
    assert deleted.result == "SUCCESS"
    assert key not in {m.key for m in sim_site.meetings()}


@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1"])
async def test_titles_round_trip_through_latin1(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite, encoding: str
) -> None:
    title = "Ünïcode <&> 会议 \"q\" 'a'"
    create = _create(E.metaData(E.confName(title)), E.schedule(E.startDate("01/06/2026 10:00:00")))
    (created,) = await call(sim_http, sim_url, message(create, encoding=encoding))
    key = created.text("meetingkey")
    assert key is not None and sim_site.meeting(key).title == title
    status, raw = await post(
        sim_http,
        sim_url,
        message(content("ep.GetSessionInfo", E.sessionKey(key)), encoding=encoding),
    )
    assert status == 200
    assert raw.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert b"&#20250;" in raw  # non-Latin text travels as character references
    (info,) = parse(raw)
    assert info.text("metaData/confName") == title
